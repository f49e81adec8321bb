package store

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"portico/app/model"
)

// Records are what agents manage beside tickets: contacts, companies,
// static lists, pipelines and stages, inboxes and support forms. Every
// writer here takes a bun.IDB so that the handler can run it in one
// transaction with its audit entry.

// ErrEmailTaken is returned when another contact already has the email,
// in any letter case.
var ErrEmailTaken = errors.New("store: email already taken")

// ErrLastOpenStage is returned when a change would leave a pipeline with
// no open stage, where new tickets start.
var ErrLastOpenStage = errors.New("store: a pipeline needs an open stage")

// Page is a page request: a 1-based number and a size.
type Page struct {
	Number, Size int
}

func (p Page) limits() (limit, offset int64) {
	if p.Size <= 0 {
		p.Size = 25
	}
	if p.Number < 1 {
		p.Number = 1
	}
	return int64(p.Size), int64(p.Number-1) * int64(p.Size)
}

// likeTerm is a lowered, escaped LIKE pattern that finds the term anywhere.
func likeTerm(term string) string {
	return "%" + escapeLike(strings.ToLower(strings.TrimSpace(term))) + "%"
}

// isUnique recognises a unique constraint failure on either dialect.
func isUnique(err error) bool {
	if err == nil {
		return false
	}
	s := strings.ToLower(err.Error())
	return strings.Contains(s, "unique") || strings.Contains(s, "23505")
}

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

// ---------------------------------------------------------------------------
// Companies

// CompanyRow is one line of the company list.
type CompanyRow struct {
	ID        int64     `bun:"id"`
	Name      string    `bun:"name"`
	Domain    string    `bun:"domain"`
	Contacts  int       `bun:"contacts"`
	CreatedAt time.Time `bun:"created_at"`
}

// ListCompanies lists companies by name, optionally only those whose name
// or domain contains the term, with their number of contacts.
func ListCompanies(ctx context.Context, db bun.IDB, term string, p Page) ([]CompanyRow, int, error) {
	q := db.NewSelect().TableExpr("companies AS co")
	if strings.TrimSpace(term) != "" {
		pat := likeTerm(term)
		q = q.WhereGroup(" AND ", func(q *bun.SelectQuery) *bun.SelectQuery {
			return q.Where(`lower(co.name) LIKE ? ESCAPE '\'`, pat).WhereOr(`lower(co.domain) LIKE ? ESCAPE '\'`, pat)
		})
	}
	total, err := q.Count(ctx)
	if err != nil {
		return nil, 0, fmt.Errorf("store: unable to count companies: %w", err)
	}
	limit, offset := p.limits()
	var rows []CompanyRow
	err = q.ColumnExpr("co.id, co.name, co.domain, co.created_at").
		ColumnExpr("(SELECT count(*) FROM contacts AS c WHERE c.company_id = co.id) AS contacts").
		OrderExpr("lower(co.name) ASC, co.id ASC").Limit(limit).Offset(offset).Scan(ctx, &rows)
	if err != nil {
		return nil, 0, fmt.Errorf("store: unable to list companies: %w", err)
	}
	return rows, int(total), nil
}

// AddCompany creates a company.
func AddCompany(ctx context.Context, db bun.IDB, name, domain string) (*model.Company, error) {
	c := &model.Company{Name: name, Domain: domain, CreatedAt: time.Now().UTC()}
	if _, err := db.NewInsert().Model(c).Exec(ctx); err != nil {
		return nil, fmt.Errorf("store: unable to create company: %w", err)
	}
	return c, nil
}

// UpdateCompany renames a company and sets its domain.
func UpdateCompany(ctx context.Context, db bun.IDB, id int64, name, domain string) error {
	res, err := db.NewUpdate().Model((*model.Company)(nil)).Set("name = ?", name).Set("domain = ?", domain).
		Where("id = ?", id).Exec(ctx)
	if err != nil {
		return fmt.Errorf("store: unable to update company: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// CompanyContacts returns the contacts whose primary company this is, by
// name, at most limit of them, with their total.
func CompanyContacts(ctx context.Context, db bun.IDB, companyID int64, limit int) ([]model.Contact, int, error) {
	var out []model.Contact
	q := db.NewSelect().Model(&out).ExcludeColumn("password_hash").Where("company_id = ?", companyID)
	total, err := q.Count(ctx)
	if err != nil {
		return nil, 0, fmt.Errorf("store: unable to count company contacts: %w", err)
	}
	if err := q.OrderExpr("lower(name) ASC, id ASC").Limit(int64(limit)).Scan(ctx); err != nil {
		return nil, 0, fmt.Errorf("store: unable to load company contacts: %w", err)
	}
	return out, int(total), nil
}

// CompanyTickets returns one page of the tickets associated with a
// company, by last activity, with the total.
func CompanyTickets(ctx context.Context, db bun.IDB, companyID int64, p Page) ([]AdminTicketRow, int, error) {
	total, err := db.NewSelect().TableExpr("ticket_companies").Where("company_id = ?", companyID).Count(ctx)
	if err != nil {
		return nil, 0, fmt.Errorf("store: unable to count company tickets: %w", err)
	}
	limit, offset := p.limits()
	var rows []AdminTicketRow
	err = db.NewSelect().TableExpr("tickets AS t").
		ColumnExpr("t.id, t.subject, t.priority, t.source, t.closed, t.created_at, t.last_activity_at").
		ColumnExpr("s.name AS stage_name, p.name AS pipeline_name, COALESCE(u.name, '') AS owner_name").
		Join("JOIN ticket_companies AS tco ON tco.ticket_id = t.id").
		Join("JOIN stages AS s ON s.id = t.stage_id").
		Join("JOIN pipelines AS p ON p.id = t.pipeline_id").
		Join("LEFT JOIN staff_users AS u ON u.id = t.owner_id").
		Where("tco.company_id = ?", companyID).
		OrderExpr("t.last_activity_at DESC, t.id DESC").Limit(limit).Offset(offset).Scan(ctx, &rows)
	if err != nil {
		return nil, 0, fmt.Errorf("store: unable to list company tickets: %w", err)
	}
	return rows, int(total), nil
}

// ---------------------------------------------------------------------------
// Static lists

// ListRow is a static list with its number of members.
type ListRow struct {
	ID        int64     `bun:"id"`
	Name      string    `bun:"name"`
	Members   int       `bun:"members"`
	CreatedAt time.Time `bun:"created_at"`
}

// ListsWithCounts returns every static list by name, with member counts.
func ListsWithCounts(ctx context.Context, db bun.IDB) ([]ListRow, error) {
	var out []ListRow
	err := db.NewSelect().TableExpr("lists AS l").ColumnExpr("l.id, l.name, l.created_at").
		ColumnExpr("(SELECT count(*) FROM list_members AS lm WHERE lm.list_id = l.id) AS members").
		OrderExpr("lower(l.name) ASC, l.id ASC").Scan(ctx, &out)
	if err != nil {
		return nil, fmt.Errorf("store: unable to list lists: %w", err)
	}
	return out, nil
}

// ListByID returns one static list.
func ListByID(ctx context.Context, db bun.IDB, id int64) (*model.List, error) {
	l := new(model.List)
	if err := db.NewSelect().Model(l).Where("id = ?", id).Scan(ctx); err != nil {
		return nil, notFound(err, "load list")
	}
	return l, nil
}

// AddList creates a static list.
func AddList(ctx context.Context, db bun.IDB, name string) (*model.List, error) {
	l := &model.List{Name: name, CreatedAt: time.Now().UTC()}
	if _, err := db.NewInsert().Model(l).Exec(ctx); err != nil {
		return nil, fmt.Errorf("store: unable to create list: %w", err)
	}
	return l, nil
}

// RenameList renames a static list.
func RenameList(ctx context.Context, db bun.IDB, id int64, name string) error {
	return rename(ctx, db, (*model.List)(nil), "list", id, name)
}

// ListMembers returns one page of a list's members, by name, with the total.
func ListMembers(ctx context.Context, db bun.IDB, listID int64, p Page) ([]ContactRow, int, error) {
	q := db.NewSelect().TableExpr("contacts AS c").
		Join("JOIN list_members AS lm ON lm.contact_id = c.id").Where("lm.list_id = ?", listID)
	total, err := q.Count(ctx)
	if err != nil {
		return nil, 0, fmt.Errorf("store: unable to count list members: %w", err)
	}
	limit, offset := p.limits()
	var rows []ContactRow
	err = q.ColumnExpr("c.id, c.name, c.email, c.disabled, c.company_id, c.created_at").
		ColumnExpr("COALESCE(co.name, '') AS company_name").
		Join("LEFT JOIN companies AS co ON co.id = c.company_id").
		OrderExpr("lower(c.name) ASC, c.id ASC").Limit(limit).Offset(offset).Scan(ctx, &rows)
	if err != nil {
		return nil, 0, fmt.Errorf("store: unable to list members: %w", err)
	}
	return rows, int(total), nil
}

// AddListMember puts a contact on a list. It reports false when the
// contact was on it already.
func AddListMember(ctx context.Context, db bun.IDB, listID, contactID int64) (bool, error) {
	res, err := db.NewInsert().Model(&model.ListMember{ListID: listID, ContactID: contactID, CreatedAt: time.Now().UTC()}).
		On("CONFLICT DO NOTHING").Exec(ctx)
	if err != nil {
		return false, fmt.Errorf("store: unable to add list member: %w", err)
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// RemoveListMember takes a contact off a list. It reports false when the
// contact was not on it.
func RemoveListMember(ctx context.Context, db bun.IDB, listID, contactID int64) (bool, error) {
	res, err := db.NewDelete().Model((*model.ListMember)(nil)).
		Where("list_id = ? AND contact_id = ?", listID, contactID).Exec(ctx)
	if err != nil {
		return false, fmt.Errorf("store: unable to remove list member: %w", err)
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// ---------------------------------------------------------------------------
// Pipelines and stages

// PipelineByID returns a pipeline with its stages in order.
func PipelineByID(ctx context.Context, db bun.IDB, id int64) (*model.Pipeline, error) {
	p := new(model.Pipeline)
	err := db.NewSelect().Model(p).
		Relation("Stages", func(q *bun.SelectQuery) *bun.SelectQuery { return q.Order("position", "id") }).
		Where("pipeline.id = ?", id).Scan(ctx)
	if err != nil {
		return nil, notFound(err, "load pipeline")
	}
	return p, nil
}

// AddPipeline creates a pipeline after the others, with its first stage,
// open: every pipeline has a stage where new tickets start.
func AddPipeline(ctx context.Context, db bun.IDB, name, firstStage string) (*model.Pipeline, error) {
	var last int
	if err := db.NewSelect().Model((*model.Pipeline)(nil)).ColumnExpr("COALESCE(max(position), -1)").Scan(ctx, &last); err != nil {
		return nil, fmt.Errorf("store: unable to place pipeline: %w", err)
	}
	p := &model.Pipeline{Name: name, Position: last + 1}
	if _, err := db.NewInsert().Model(p).Exec(ctx); err != nil {
		return nil, fmt.Errorf("store: unable to create pipeline: %w", err)
	}
	st := &model.Stage{PipelineID: p.ID, Name: firstStage, Position: 0}
	if _, err := db.NewInsert().Model(st).Exec(ctx); err != nil {
		return nil, fmt.Errorf("store: unable to create stage: %w", err)
	}
	p.Stages = []*model.Stage{st}
	return p, nil
}

// RenamePipeline renames a pipeline.
func RenamePipeline(ctx context.Context, db bun.IDB, id int64, name string) error {
	return rename(ctx, db, (*model.Pipeline)(nil), "pipeline", id, name)
}

// MovePipeline moves a pipeline one place up or down. At either end it
// does nothing and reports false.
func MovePipeline(ctx context.Context, db bun.IDB, id int64, up bool) (bool, error) {
	var all []model.Pipeline
	if err := db.NewSelect().Model(&all).Column("id", "position").Order("position", "id").Scan(ctx); err != nil {
		return false, fmt.Errorf("store: unable to load pipelines: %w", err)
	}
	ids := make([]int64, len(all))
	for i, p := range all {
		ids[i] = p.ID
	}
	order, moved, err := moveID(ids, id, up)
	if err != nil || !moved {
		return moved, err
	}
	for i, pid := range order {
		if all[indexOf(ids, pid)].Position == i {
			continue
		}
		if _, err := db.NewUpdate().Model((*model.Pipeline)(nil)).Set("position = ?", i).Where("id = ?", pid).Exec(ctx); err != nil {
			return false, fmt.Errorf("store: unable to move pipeline: %w", err)
		}
	}
	return true, nil
}

// StageByID returns one stage.
func StageByID(ctx context.Context, db bun.IDB, id int64) (*model.Stage, error) {
	st := new(model.Stage)
	if err := db.NewSelect().Model(st).Where("id = ?", id).Scan(ctx); err != nil {
		return nil, notFound(err, "load stage")
	}
	return st, nil
}

// AddStage adds a stage at the end of a pipeline.
func AddStage(ctx context.Context, db bun.IDB, pipelineID int64, name string, closed bool) (*model.Stage, error) {
	var last int
	err := db.NewSelect().Model((*model.Stage)(nil)).ColumnExpr("COALESCE(max(position), -1)").
		Where("pipeline_id = ?", pipelineID).Scan(ctx, &last)
	if err != nil {
		return nil, fmt.Errorf("store: unable to place stage: %w", err)
	}
	st := &model.Stage{PipelineID: pipelineID, Name: name, Position: last + 1, IsClosed: closed}
	if _, err := db.NewInsert().Model(st).Exec(ctx); err != nil {
		return nil, fmt.Errorf("store: unable to create stage: %w", err)
	}
	return st, nil
}

// UpdateStage renames a stage and sets whether it is closed; the tickets
// in the stage follow its closed flag. Run it in a transaction, so that
// the stage and its tickets change together. It reports how many tickets
// changed. Closing the last open stage of a pipeline gives
// ErrLastOpenStage.
func UpdateStage(ctx context.Context, db bun.IDB, id int64, name string, closed bool) (int64, error) {
	st, err := StageByID(ctx, db, id)
	if err != nil {
		return 0, err
	}
	if closed && !st.IsClosed {
		open, err := db.NewSelect().Model((*model.Stage)(nil)).
			Where("pipeline_id = ?", st.PipelineID).Where("is_closed = ?", false).Where("id <> ?", id).Count(ctx)
		if err != nil {
			return 0, fmt.Errorf("store: unable to count open stages: %w", err)
		}
		if open == 0 {
			return 0, ErrLastOpenStage
		}
	}
	if _, err := db.NewUpdate().Model((*model.Stage)(nil)).Set("name = ?", name).Set("is_closed = ?", closed).
		Where("id = ?", id).Exec(ctx); err != nil {
		return 0, fmt.Errorf("store: unable to update stage: %w", err)
	}
	if closed == st.IsClosed {
		if name != st.Name {
			return 0, syncStageKeys(ctx, db, id)
		}
		return 0, nil
	}
	// tickets.closed mirrors the stage, so that lists filter on one table.
	res, err := db.NewUpdate().Model((*model.Ticket)(nil)).Set("closed = ?", closed).
		Where("stage_id = ?", id).Where("closed <> ?", closed).Exec(ctx)
	if err != nil {
		return 0, fmt.Errorf("store: unable to update the stage's tickets: %w", err)
	}
	n, _ := res.RowsAffected()
	return n, syncStageKeys(ctx, db, id)
}

// MoveStage moves a stage one place up or down within its pipeline. At
// either end it does nothing and reports false.
func MoveStage(ctx context.Context, db bun.IDB, id int64, up bool) (bool, error) {
	st, err := StageByID(ctx, db, id)
	if err != nil {
		return false, err
	}
	var all []model.Stage
	if err := db.NewSelect().Model(&all).Column("id", "position").Where("pipeline_id = ?", st.PipelineID).
		Order("position", "id").Scan(ctx); err != nil {
		return false, fmt.Errorf("store: unable to load stages: %w", err)
	}
	ids := make([]int64, len(all))
	for i, s := range all {
		ids[i] = s.ID
	}
	order, moved, err := moveID(ids, id, up)
	if err != nil || !moved {
		return moved, err
	}
	// Positions are renumbered 0..n-1 on the way, which also repairs
	// duplicates left by older data.
	for i, sid := range order {
		if all[indexOf(ids, sid)].Position == i {
			continue
		}
		if _, err := db.NewUpdate().Model((*model.Stage)(nil)).Set("position = ?", i).Where("id = ?", sid).Exec(ctx); err != nil {
			return false, fmt.Errorf("store: unable to move stage: %w", err)
		}
	}
	return true, nil
}

// moveID returns ids with id swapped with its neighbour above or below.
func moveID(ids []int64, id int64, up bool) ([]int64, bool, error) {
	i := indexOf(ids, id)
	if i < 0 {
		return nil, false, ErrNotFound
	}
	j := i + 1
	if up {
		j = i - 1
	}
	if j < 0 || j >= len(ids) {
		return ids, false, nil
	}
	out := append([]int64(nil), ids...)
	out[i], out[j] = out[j], out[i]
	return out, true, nil
}

func indexOf(ids []int64, id int64) int {
	for i, x := range ids {
		if x == id {
			return i
		}
	}
	return -1
}

// ---------------------------------------------------------------------------
// Inboxes

// InboxRow is an inbox with its number of tickets.
type InboxRow struct {
	ID        int64     `bun:"id"`
	Name      string    `bun:"name"`
	Tickets   int       `bun:"tickets"`
	CreatedAt time.Time `bun:"created_at"`
}

// InboxesWithCounts returns every inbox by name, with ticket counts.
func InboxesWithCounts(ctx context.Context, db bun.IDB) ([]InboxRow, error) {
	var out []InboxRow
	err := db.NewSelect().TableExpr("inboxes AS i").ColumnExpr("i.id, i.name, i.created_at").
		ColumnExpr("(SELECT count(*) FROM tickets AS t WHERE t.inbox_id = i.id) AS tickets").
		OrderExpr("lower(i.name) ASC, i.id ASC").Scan(ctx, &out)
	if err != nil {
		return nil, fmt.Errorf("store: unable to list inboxes: %w", err)
	}
	return out, nil
}

// InboxByID returns one inbox.
func InboxByID(ctx context.Context, db bun.IDB, id int64) (*model.Inbox, error) {
	in := new(model.Inbox)
	if err := db.NewSelect().Model(in).Where("id = ?", id).Scan(ctx); err != nil {
		return nil, notFound(err, "load inbox")
	}
	return in, nil
}

// AddInbox creates an inbox.
func AddInbox(ctx context.Context, db bun.IDB, name string) (*model.Inbox, error) {
	in := &model.Inbox{Name: name, CreatedAt: time.Now().UTC()}
	if _, err := db.NewInsert().Model(in).Exec(ctx); err != nil {
		return nil, fmt.Errorf("store: unable to create inbox: %w", err)
	}
	return in, nil
}

// RenameInbox renames an inbox.
func RenameInbox(ctx context.Context, db bun.IDB, id int64, name string) error {
	return rename(ctx, db, (*model.Inbox)(nil), "inbox", id, name)
}

// rename sets the name column of one row of a model's table.
func rename(ctx context.Context, db bun.IDB, m any, what string, id int64, name string) error {
	res, err := db.NewUpdate().Model(m).Set("name = ?", name).Where("id = ?", id).Exec(ctx)
	if err != nil {
		return fmt.Errorf("store: unable to rename %s: %w", what, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// ---------------------------------------------------------------------------
// Support forms

// AddForm creates a support form.
func AddForm(ctx context.Context, db bun.IDB, f *model.Form) error {
	if f.Fields == nil {
		f.Fields = []model.FormField{}
	}
	if f.CreatedAt.IsZero() {
		f.CreatedAt = time.Now().UTC()
	}
	if _, err := db.NewInsert().Model(f).Exec(ctx); err != nil {
		return fmt.Errorf("store: unable to create form: %w", err)
	}
	return nil
}

// UpdateForm saves a support form's name, inbox, pipeline, attachment
// switch and fields.
func UpdateForm(ctx context.Context, db bun.IDB, f *model.Form) error {
	if f.Fields == nil {
		f.Fields = []model.FormField{}
	}
	res, err := db.NewUpdate().Model(f).Column("name", "inbox_id", "pipeline_id", "allow_attachments", "fields").
		WherePK().Exec(ctx)
	if err != nil {
		return fmt.Errorf("store: unable to update form: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}
