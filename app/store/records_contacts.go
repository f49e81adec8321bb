package store

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"portico/app/model"
)

// ---------------------------------------------------------------------------
// Contacts

// ContactRow is one line of the back-office contact list.
type ContactRow struct {
	ID          int64     `bun:"id"`
	Name        string    `bun:"name"`
	Email       string    `bun:"email"`
	Disabled    bool      `bun:"disabled"`
	CompanyID   *int64    `bun:"company_id"`
	CompanyName string    `bun:"company_name"`
	CreatedAt   time.Time `bun:"created_at"`
}

// ListContacts lists contacts by name, optionally only those whose name or
// email contains the term, one page at a time, with the total.
func ListContacts(ctx context.Context, db bun.IDB, term string, p Page) ([]ContactRow, int, error) {
	q := db.NewSelect().TableExpr("contacts AS c")
	if strings.TrimSpace(term) != "" {
		pat := likeTerm(term)
		q = q.WhereGroup(" AND ", func(q *bun.SelectQuery) *bun.SelectQuery {
			return q.Where(`lower(c.name) LIKE ? ESCAPE '\'`, pat).WhereOr(`lower(c.email) LIKE ? ESCAPE '\'`, pat)
		})
	}
	total, err := q.Count(ctx)
	if err != nil {
		return nil, 0, fmt.Errorf("store: unable to count contacts: %w", err)
	}
	limit, offset := p.limits()
	var rows []ContactRow
	err = q.ColumnExpr("c.id, c.name, c.email, c.disabled, c.company_id, c.created_at").
		ColumnExpr("COALESCE(co.name, '') AS company_name").
		Join("LEFT JOIN companies AS co ON co.id = c.company_id").
		OrderExpr("lower(c.name) ASC, c.id ASC").Limit(limit).Offset(offset).Scan(ctx, &rows)
	if err != nil {
		return nil, 0, fmt.Errorf("store: unable to list contacts: %w", err)
	}
	return rows, int(total), nil
}

// EmailTaken reports whether a contact other than exceptID has the email,
// compared as the unique index does.
func EmailTaken(ctx context.Context, db bun.IDB, email string, exceptID int64) (bool, error) {
	ok, err := db.NewSelect().Model((*model.Contact)(nil)).
		Where("lower(email) = lower(?)", strings.TrimSpace(email)).Where("id <> ?", exceptID).Exists(ctx)
	if err != nil {
		return false, fmt.Errorf("store: unable to check email: %w", err)
	}
	return ok, nil
}

// ContactFields are the fields of a contact that agents edit. The
// password, SSO identities and verification are not among them.
type ContactFields struct {
	Name      string
	Email     string
	CompanyID *int64
	Language  string
	Disabled  bool
}

// AddContact creates a contact with no password: they set one through an
// invitation or a reset. A taken email gives ErrEmailTaken.
func AddContact(ctx context.Context, db bun.IDB, f ContactFields) (*model.Contact, error) {
	taken, err := EmailTaken(ctx, db, f.Email, 0)
	if err != nil {
		return nil, err
	}
	if taken {
		return nil, ErrEmailTaken
	}
	now := time.Now().UTC()
	c := &model.Contact{Name: f.Name, Email: f.Email, CompanyID: f.CompanyID, Language: f.Language,
		Disabled: f.Disabled, CreatedAt: now, UpdatedAt: now}
	if _, err := db.NewInsert().Model(c).Exec(ctx); err != nil {
		if isUnique(err) {
			return nil, ErrEmailTaken
		}
		return nil, fmt.Errorf("store: unable to create contact: %w", err)
	}
	return c, nil
}

// UpdateContact writes the edited fields, and only those. The portal reads
// the contact on every request, so a disabled flag or a new company takes
// effect on the contact's next request.
func UpdateContact(ctx context.Context, db bun.IDB, id int64, f ContactFields) error {
	taken, err := EmailTaken(ctx, db, f.Email, id)
	if err != nil {
		return err
	}
	if taken {
		return ErrEmailTaken
	}
	res, err := db.NewUpdate().Model((*model.Contact)(nil)).
		Set("name = ?", f.Name).Set("email = ?", f.Email).Set("company_id = ?", f.CompanyID).
		Set("language = ?", f.Language).Set("disabled = ?", f.Disabled).
		Set("updated_at = ?", time.Now().UTC()).
		Where("id = ?", id).Exec(ctx)
	if err != nil {
		if isUnique(err) {
			return ErrEmailTaken
		}
		return fmt.Errorf("store: unable to update contact: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// ContactLists returns the lists a contact is on, by name.
func ContactLists(ctx context.Context, db bun.IDB, contactID int64) ([]model.List, error) {
	var out []model.List
	err := db.NewSelect().Model(&out).
		Where("id IN (SELECT list_id FROM list_members WHERE contact_id = ?)", contactID).
		Order("name", "id").Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("store: unable to load the contact's lists: %w", err)
	}
	return out, nil
}

// Timeline entry kinds.
const (
	TimelineRegistered = "registered"
	TimelineTicket     = "ticket"
	TimelineEmail      = "email" // a portal, email or form message: an email interaction
	TimelineForm       = "form"
	TimelineConsent    = "consent"
)

// TimelineEntry is one event of a contact's history.
type TimelineEntry struct {
	Kind     string
	At       time.Time
	TicketID int64
	Subject  string
	Channel  string // email interactions: portal, email or form
	Excerpt  string // email interactions: the start of the message
	FormName string
	// Consent: the version accepted, and from where.
	VersionID int64
	IP        string
}

// timelineChannels are the channels of a contact's own messages that the
// timeline shows as email interactions.
var timelineChannels = []string{"portal", "email", "form"}

// ContactTimeline returns a contact's history, newest first: registration,
// the tickets they are associated with, their public messages (as email
// interactions), form submissions and consent records. Internal notes and
// comments are never part of it. At most limit entries come back, and more
// reports whether older ones were left out.
func ContactTimeline(ctx context.Context, db bun.IDB, contactID int64, limit int) (entries []TimelineEntry, more bool, err error) {
	c := new(model.Contact)
	if err := db.NewSelect().Model(c).Column("id", "created_at").Where("id = ?", contactID).Scan(ctx); err != nil {
		return nil, false, notFound(err, "load contact")
	}
	entries = append(entries, TimelineEntry{Kind: TimelineRegistered, At: c.CreatedAt})
	// Each source gives at most limit+1 rows, so that the merge knows
	// whether anything was left out.
	n := int64(limit) + 1

	var tickets []struct {
		ID        int64     `bun:"id"`
		Subject   string    `bun:"subject"`
		Source    string    `bun:"source"`
		CreatedAt time.Time `bun:"created_at"`
	}
	err = db.NewSelect().TableExpr("tickets AS t").ColumnExpr("t.id, t.subject, t.source, t.created_at").
		Join("JOIN ticket_contacts AS tc ON tc.ticket_id = t.id").Where("tc.contact_id = ?", contactID).
		OrderExpr("t.created_at DESC, t.id DESC").Limit(n).Scan(ctx, &tickets)
	if err != nil {
		return nil, false, fmt.Errorf("store: unable to load the contact's tickets: %w", err)
	}
	for _, t := range tickets {
		entries = append(entries, TimelineEntry{Kind: TimelineTicket, At: t.CreatedAt, TicketID: t.ID, Subject: t.Subject, Channel: t.Source})
	}

	var msgs []struct {
		TicketID  int64     `bun:"ticket_id"`
		Subject   string    `bun:"subject"`
		Channel   string    `bun:"channel"`
		Body      string    `bun:"body"`
		CreatedAt time.Time `bun:"created_at"`
	}
	err = db.NewSelect().TableExpr("messages AS m").ColumnExpr("m.ticket_id, t.subject, m.channel, m.body, m.created_at").
		Join("JOIN tickets AS t ON t.id = m.ticket_id").
		Where("m.author_contact_id = ?", contactID).Where("m.kind = ?", model.KindPublic).
		Where("m.channel IN (?)", bun.In(timelineChannels)).
		OrderExpr("m.created_at DESC, m.id DESC").Limit(n).Scan(ctx, &msgs)
	if err != nil {
		return nil, false, fmt.Errorf("store: unable to load the contact's messages: %w", err)
	}
	for _, m := range msgs {
		entries = append(entries, TimelineEntry{Kind: TimelineEmail, At: m.CreatedAt, TicketID: m.TicketID,
			Subject: m.Subject, Channel: m.Channel, Excerpt: excerpt(m.Body, 240)})
	}

	var subs []struct {
		TicketID  int64     `bun:"ticket_id"`
		Subject   string    `bun:"subject"`
		FormName  string    `bun:"form_name"`
		CreatedAt time.Time `bun:"created_at"`
	}
	err = db.NewSelect().TableExpr("form_submissions AS fs").ColumnExpr("fs.ticket_id, t.subject, f.name AS form_name, fs.created_at").
		Join("JOIN tickets AS t ON t.id = fs.ticket_id").Join("JOIN forms AS f ON f.id = fs.form_id").
		Where("fs.contact_id = ?", contactID).OrderExpr("fs.created_at DESC, fs.id DESC").Limit(n).Scan(ctx, &subs)
	if err != nil {
		return nil, false, fmt.Errorf("store: unable to load the contact's form submissions: %w", err)
	}
	for _, s := range subs {
		entries = append(entries, TimelineEntry{Kind: TimelineForm, At: s.CreatedAt, TicketID: s.TicketID, Subject: s.Subject, FormName: s.FormName})
	}

	var consents []model.ConsentRecord
	err = db.NewSelect().Model(&consents).Where("contact_id = ?", contactID).
		Order("accepted_at DESC", "id DESC").Limit(n).Scan(ctx)
	if err != nil {
		return nil, false, fmt.Errorf("store: unable to load the contact's consent records: %w", err)
	}
	for _, r := range consents {
		entries = append(entries, TimelineEntry{Kind: TimelineConsent, At: r.AcceptedAt, VersionID: r.VersionID, IP: r.IP})
	}

	// Newest first; at the same instant, the ticket before the message
	// that opened it, and registration last.
	rank := map[string]int{TimelineEmail: 0, TimelineForm: 1, TimelineTicket: 2, TimelineConsent: 3, TimelineRegistered: 4}
	sort.SliceStable(entries, func(i, j int) bool {
		if !entries[i].At.Equal(entries[j].At) {
			return entries[i].At.After(entries[j].At)
		}
		return rank[entries[i].Kind] < rank[entries[j].Kind]
	})
	if limit > 0 && len(entries) > limit {
		return entries[:limit], true, nil
	}
	return entries, false, nil
}

// excerpt is the start of a text, cut at a rune boundary.
func excerpt(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return strings.TrimSpace(string(r[:n])) + "…"
}
