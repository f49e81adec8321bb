package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/uptrace/bun"

	"portico/app/model"
)

// ContactByID returns a contact with its company.
func ContactByID(ctx context.Context, db bun.IDB, id int64) (*model.Contact, error) {
	c := new(model.Contact)
	err := db.NewSelect().Model(c).Relation("Company").Where("contact.id = ?", id).Scan(ctx)
	if err != nil {
		return nil, notFound(err, "load contact")
	}
	return c, nil
}

// Contact is ContactByID on the store's own handle, as a prepared
// statement: the portal reads the logged-in contact on every request.
func (s *Store) Contact(ctx context.Context, id int64) (*model.Contact, error) {
	var found []model.Contact
	if err := s.read(ctx, s.DB, &found, s.contactText(""), id); err != nil {
		return nil, fmt.Errorf("store: unable to load contact: %w", err)
	}
	if len(found) == 0 {
		return nil, ErrNotFound
	}
	return &found[0], nil
}

// ContactAndSettingsVersion is Contact, with the settings' version and
// stamp (as SettingsVersion gives them) read in the same statement: a
// customer's request needs both, and takes one round trip instead of
// two. A missing contact answers ErrNotFound.
//
// The answer is kept for the next requests: on Postgres while
// WatchAccounts hears every change (accounts.go), on SQLite checked
// against the file's data version before each use (dataversion.go).
func (s *Store) ContactAndSettingsVersion(ctx context.Context, id int64) (*model.Contact, int64, string, error) {
	// When the data version can't be checked, the contact is read and
	// not kept.
	keep := s.Postgres() || s.watch.check(ctx, &s.accounts) == nil
	if ct, version, stamp, ok := s.accounts.get(id); ok && keep {
		return ct, version, stamp, nil
	}
	gen := s.accounts.begin()
	var found []contactWithVersion
	if err := s.read(ctx, s.DB, &found, s.contactText(settingsVersionColumns), id); err != nil {
		return nil, 0, "", fmt.Errorf("store: unable to load contact: %w", err)
	}
	if len(found) == 0 {
		return nil, 0, "", ErrNotFound
	}
	f := found[0]
	stamp := settingsStamp(f.SettingsVersion, f.SettingsStamp)
	if keep {
		s.accounts.put(gen, &f.Contact, f.SettingsVersion, stamp)
	}
	return &f.Contact, f.SettingsVersion, stamp, nil
}

type contactWithVersion struct {
	model.Contact
	SettingsVersion int64  `bun:"settings_version,scanonly"`
	SettingsStamp   string `bun:"settings_stamp,scanonly"`
}

// contactText is the contact's statement, with extra columns first.
func (s *Store) contactText(extra string) string {
	s.contactOnce.Do(func() {
		s.contactSQL = s.DB.NewSelect().Model((*model.Contact)(nil)).Relation("Company").
			Where("contact.id = ?", bun.Safe("?")).String()
	})
	if extra == "" {
		return s.contactSQL
	}
	return "SELECT " + extra + ", " + strings.TrimPrefix(s.contactSQL, "SELECT ")
}

// ContactByEmail finds a contact by email, ignoring case. Both sides are
// lowered by the database, as the unique index is: Go's lowering differs
// from SQLite's (ASCII only) on other letters.
func ContactByEmail(ctx context.Context, db bun.IDB, email string) (*model.Contact, error) {
	c := new(model.Contact)
	err := db.NewSelect().Model(c).Relation("Company").
		Where("lower(contact.email) = lower(?)", strings.TrimSpace(email)).Scan(ctx)
	if err != nil {
		return nil, notFound(err, "load contact")
	}
	return c, nil
}

// CreateContact inserts a contact.
func CreateContact(ctx context.Context, db bun.IDB, c *model.Contact) error {
	if _, err := db.NewInsert().Model(c).Exec(ctx); err != nil {
		return fmt.Errorf("store: unable to create contact: %w", err)
	}
	return nil
}

// SetContactPassword replaces a contact's password hash.
func SetContactPassword(ctx context.Context, db bun.IDB, id int64, hash string) error {
	_, err := db.NewUpdate().Model((*model.Contact)(nil)).
		Set("password_hash = ?", hash).Set("updated_at = current_timestamp").
		Where("id = ?", id).Exec(ctx)
	if err != nil {
		return fmt.Errorf("store: unable to set password: %w", err)
	}
	return nil
}

// SetContactLanguage stores the contact's chosen language.
func SetContactLanguage(ctx context.Context, db bun.IDB, id int64, lang string) error {
	_, err := db.NewUpdate().Model((*model.Contact)(nil)).
		Set("language = ?", lang).Where("id = ?", id).Exec(ctx)
	if err != nil {
		return fmt.Errorf("store: unable to set language: %w", err)
	}
	return nil
}

// ContactInLists reports whether the contact is on any of the lists.
func ContactInLists(ctx context.Context, db bun.IDB, contactID int64, lists []int64) (bool, error) {
	if len(lists) == 0 {
		return false, nil
	}
	ok, err := db.NewSelect().Model((*model.ListMember)(nil)).
		Where("contact_id = ?", contactID).Where("list_id IN (?)", bun.In(lists)).Exists(ctx)
	if err != nil {
		return false, fmt.Errorf("store: unable to check list membership: %w", err)
	}
	return ok, nil
}

// AddConsentRecord records that a contact accepted a consent version.
func AddConsentRecord(ctx context.Context, db bun.IDB, r *model.ConsentRecord) error {
	if _, err := db.NewInsert().Model(r).Exec(ctx); err != nil {
		return fmt.Errorf("store: unable to record consent: %w", err)
	}
	return nil
}

// StaffByEmail finds a staff user by email, ignoring case.
func StaffByEmail(ctx context.Context, db bun.IDB, email string) (*model.StaffUser, error) {
	u := new(model.StaffUser)
	err := db.NewSelect().Model(u).Where("lower(email) = lower(?)", strings.TrimSpace(email)).Scan(ctx)
	if err != nil {
		return nil, notFound(err, "load staff user")
	}
	return u, nil
}

// StaffByID returns one staff user.
func StaffByID(ctx context.Context, db bun.IDB, id int64) (*model.StaffUser, error) {
	u := new(model.StaffUser)
	if err := db.NewSelect().Model(u).Where("id = ?", id).Scan(ctx); err != nil {
		return nil, notFound(err, "load staff user")
	}
	return u, nil
}

// CreateStaff inserts a staff user.
func CreateStaff(ctx context.Context, db bun.IDB, u *model.StaffUser) error {
	if _, err := db.NewInsert().Model(u).Exec(ctx); err != nil {
		return fmt.Errorf("store: unable to create staff user: %w", err)
	}
	return nil
}
