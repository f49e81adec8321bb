package store

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"portico/app/model"
)

// ErrReplay is returned by UseOnce when the key was used before.
var ErrReplay = errors.New("store: already used")

// SSOProviders returns every SSO provider, enabled or not, by name.
func SSOProviders(ctx context.Context, db bun.IDB) ([]model.SSOProvider, error) {
	var out []model.SSOProvider
	if err := db.NewSelect().Model(&out).OrderExpr("lower(name) ASC, id ASC").Scan(ctx); err != nil {
		return nil, fmt.Errorf("store: unable to list sso providers: %w", err)
	}
	return out, nil
}

// EnabledSSOProviders returns the providers the login page offers.
func EnabledSSOProviders(ctx context.Context, db bun.IDB) ([]model.SSOProvider, error) {
	var out []model.SSOProvider
	err := db.NewSelect().Model(&out).Where("enabled = ?", true).OrderExpr("lower(name) ASC, id ASC").Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("store: unable to list sso providers: %w", err)
	}
	return out, nil
}

// SSOProvider returns one provider by ID.
func SSOProvider(ctx context.Context, db bun.IDB, id int64) (*model.SSOProvider, error) {
	p := new(model.SSOProvider)
	if err := db.NewSelect().Model(p).Where("id = ?", id).Scan(ctx); err != nil {
		return nil, notFound(err, "load sso provider")
	}
	return p, nil
}

// SSOProviderBySlug returns one provider by the slug of its URLs.
func SSOProviderBySlug(ctx context.Context, db bun.IDB, slug string) (*model.SSOProvider, error) {
	p := new(model.SSOProvider)
	if err := db.NewSelect().Model(p).Where("slug = ?", slug).Scan(ctx); err != nil {
		return nil, notFound(err, "load sso provider")
	}
	return p, nil
}

// SSOSlugTaken reports whether a provider other than exceptID has the slug.
func SSOSlugTaken(ctx context.Context, db bun.IDB, slug string, exceptID int64) (bool, error) {
	ok, err := db.NewSelect().Model((*model.SSOProvider)(nil)).Where("slug = ?", slug).Where("id <> ?", exceptID).Exists(ctx)
	if err != nil {
		return false, fmt.Errorf("store: unable to check sso slug: %w", err)
	}
	return ok, nil
}

// SaveSSOProvider inserts a provider (ID 0) or replaces all its fields.
func SaveSSOProvider(ctx context.Context, db bun.IDB, p *model.SSOProvider) error {
	if p.Options == "" {
		p.Options = "{}"
	}
	if p.CompanyMap == "" {
		p.CompanyMap = "{}"
	}
	var err error
	if p.ID == 0 {
		_, err = db.NewInsert().Model(p).Exec(ctx)
	} else {
		p.UpdatedAt = time.Now().UTC()
		_, err = db.NewUpdate().Model(p).ExcludeColumn("created_at").WherePK().Exec(ctx)
	}
	if err != nil {
		return fmt.Errorf("store: unable to save sso provider: %w", err)
	}
	return nil
}

// DeleteSSOProvider removes a provider. The identities it created stay:
// they are keyed on the issuer, which a new provider may share.
func DeleteSSOProvider(ctx context.Context, db bun.IDB, id int64) error {
	if _, err := db.NewDelete().Model((*model.SSOProvider)(nil)).Where("id = ?", id).Exec(ctx); err != nil {
		return fmt.Errorf("store: unable to delete sso provider: %w", err)
	}
	return nil
}

// IdentityByKey returns the identity of one (issuer, subject).
func IdentityByKey(ctx context.Context, db bun.IDB, issuer, subject string) (*model.ContactIdentity, error) {
	id := new(model.ContactIdentity)
	if err := db.NewSelect().Model(id).Where("issuer = ?", issuer).Where("subject = ?", subject).Scan(ctx); err != nil {
		return nil, notFound(err, "load identity")
	}
	return id, nil
}

// ContactIdentities returns the SSO identities linked to a contact.
func ContactIdentities(ctx context.Context, db bun.IDB, contactID int64) ([]model.ContactIdentity, error) {
	var out []model.ContactIdentity
	if err := db.NewSelect().Model(&out).Where("contact_id = ?", contactID).OrderExpr("id ASC").Scan(ctx); err != nil {
		return nil, fmt.Errorf("store: unable to list identities: %w", err)
	}
	return out, nil
}

// AddIdentity links an identity to a contact.
func AddIdentity(ctx context.Context, db bun.IDB, id *model.ContactIdentity) error {
	if _, err := db.NewInsert().Model(id).Exec(ctx); err != nil {
		return fmt.Errorf("store: unable to add identity: %w", err)
	}
	return nil
}

// UseOnce records that a one-time value (an OAuth state, a nonce, a JWT
// ID, a SAML assertion ID) was used, until it expires by itself. A second
// use before then answers ErrReplay, on every instance, because the
// unique key of the shared table decides. The value is stored hashed.
func UseOnce(ctx context.Context, db bun.IDB, kind, key string, until time.Time) error {
	h := sha256.Sum256([]byte(key))
	hk := hex.EncodeToString(h[:])
	now := time.Now().Unix()
	// An expired row of the same key may be reused; others are swept now
	// and then, a few at a time, by whoever passes.
	if _, err := db.ExecContext(ctx, "DELETE FROM sso_used WHERE kind = ? AND key = ? AND expires_at < ?", kind, hk, now); err != nil {
		return fmt.Errorf("store: unable to clear used key: %w", err)
	}
	res, err := db.ExecContext(ctx, "INSERT INTO sso_used (kind, key, expires_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
		kind, hk, until.Unix())
	if err != nil {
		return fmt.Errorf("store: unable to record used key: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("store: unable to record used key: %w", err)
	} else if n == 0 {
		return ErrReplay
	}
	if h[0] == 0 { // about one call in 256
		if _, err := db.ExecContext(ctx, "DELETE FROM sso_used WHERE expires_at < ?", now); err != nil {
			return fmt.Errorf("store: unable to sweep used keys: %w", err)
		}
	}
	return nil
}

// CompanyIDByName finds a company by its name, compared without case;
// 0 when there is none.
func CompanyIDByName(ctx context.Context, db bun.IDB, name string) (int64, error) {
	var ids []int64
	err := db.NewSelect().Model((*model.Company)(nil)).Column("id").Where("lower(name) = lower(?)", name).
		OrderExpr("id ASC").Limit(1).Scan(ctx, &ids)
	if err != nil {
		return 0, fmt.Errorf("store: unable to find company: %w", err)
	}
	if len(ids) == 0 {
		return 0, nil
	}
	return ids[0], nil
}

// CompanyNames returns the names of the companies of the IDs, by ID.
func CompanyNames(ctx context.Context, db bun.IDB, ids []int64) (map[int64]string, error) {
	out := map[int64]string{}
	if len(ids) == 0 {
		return out, nil
	}
	var rows []model.Company
	if err := db.NewSelect().Model(&rows).Column("id", "name").Where("id IN (?)", bun.In(ids)).Scan(ctx); err != nil {
		return nil, fmt.Errorf("store: unable to read company names: %w", err)
	}
	for _, r := range rows {
		out[r.ID] = r.Name
	}
	return out, nil
}
