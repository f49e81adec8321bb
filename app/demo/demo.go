// Package demo loads the demo data used by `--demo`: two staff users, two
// companies, four contacts, a configured portal and 48 tickets that cover
// every case the portal must handle (organization tickets, a ticket with
// two threads, internal notes and comments, attachments, a phone ticket
// with no thread, tickets hidden by the portal filter rule).
//
// The data is the same on every run, so that tests and benchmarks can rely
// on subjects, order and, on a fresh database, IDs.
package demo

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math/rand/v2"
	"net/http"
	"strconv"
	"time"

	"github.com/uptrace/bun"

	"portico/app/auth"
	"portico/app/model"
	"portico/app/store"
)

// Password is the password of every demo account.
const Password = "portico-demo"

// Demo account emails.
const (
	AdminEmail = "admin@example.com"
	AgentEmail = "agent@example.com"
	AnaEmail   = "ana@acme.example"
	BenEmail   = "ben@acme.example"
	GinaEmail  = "gina@globex.example"
	CarlaEmail = "carla@example.com"
)

// Base is the fixed "now" of the demo: every demo timestamp lies before it,
// so that the data is the same whenever it is loaded.
var Base = time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)

// Load inserts the demo data once. It returns nil without changes when the
// demo admin already exists, so it is safe to call at every start.
func Load(ctx context.Context, st *store.Store) error {
	// Check before hashing: argon2 is slow, and most starts find the data.
	if done, err := loaded(ctx, st.DB); err != nil || done {
		return err
	}
	hash, err := auth.HashPassword(Password)
	if err != nil {
		return fmt.Errorf("demo: unable to hash password: %w", err)
	}
	err = st.DB.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		// Check again inside the transaction: another instance may have
		// loaded the demo since the first check.
		if done, err := loaded(ctx, tx); err != nil || done {
			return err
		}
		return newSeeder(tx, hash).run(ctx)
	})
	if err != nil {
		// Two instances starting together on Postgres race; the loser fails
		// on a unique email, and the winner's data is just as good.
		if done, _ := loaded(ctx, st.DB); done {
			return nil
		}
		return fmt.Errorf("demo: unable to load demo data: %w", err)
	}
	return nil
}

// loaded reports whether the demo data is already there.
func loaded(ctx context.Context, db bun.IDB) (bool, error) {
	_, err := store.StaffByEmail(ctx, db, AdminEmail)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, store.ErrNotFound):
		return false, nil
	default:
		return false, fmt.Errorf("demo: %w", err)
	}
}

// seeder inserts the demo data inside one transaction and remembers the
// records that later ones refer to.
type seeder struct {
	tx   bun.IDB
	hash string
	// rng only adds jitter to timestamps; its fixed seed keeps them stable.
	rng *rand.Rand

	admin, agent     *model.StaffUser
	acme, globex     *model.Company
	contacts         map[string]*model.Contact // by email
	support, billing *model.Inbox
	supportPipeline  *model.Pipeline
	itPipeline       *model.Pipeline
	stages           map[string]*model.Stage // by name; names are unique across pipelines
	list             *model.List
	form             *model.Form
	consent          *model.ConsentVersion
}

func newSeeder(tx bun.IDB, hash string) *seeder {
	return &seeder{
		tx: tx, hash: hash,
		rng:      rand.New(rand.NewPCG(2026, 1101)),
		contacts: map[string]*model.Contact{},
		stages:   map[string]*model.Stage{},
	}
}

func (s *seeder) run(ctx context.Context) error {
	steps := []func(context.Context) error{
		s.staff, s.companies, s.people, s.portalList, s.inboxes, s.pipelines,
		s.supportForm, s.consentVersion, s.tickets, s.settings,
	}
	for _, step := range steps {
		if err := step(ctx); err != nil {
			return err
		}
	}
	return nil
}

// insert stores one record and wraps the error with what it was.
func (s *seeder) insert(ctx context.Context, what string, rec any) error {
	if _, err := s.tx.NewInsert().Model(rec).Exec(ctx); err != nil {
		return fmt.Errorf("insert %s: %w", what, err)
	}
	return nil
}

func (s *seeder) staff(ctx context.Context) error {
	created := Base.AddDate(0, -6, 0)
	s.admin = &model.StaffUser{
		Email: AdminEmail, Name: "Alex Admin", PasswordHash: s.hash,
		Role: model.RoleAdmin, CanPortalSettings: true, CreatedAt: created,
	}
	s.agent = &model.StaffUser{
		Email: AgentEmail, Name: "Sam Agent", PasswordHash: s.hash,
		Role: model.RoleAgent, CreatedAt: created,
	}
	for _, u := range []*model.StaffUser{s.admin, s.agent} {
		if err := store.CreateStaff(ctx, s.tx, u); err != nil {
			return err
		}
	}
	return nil
}

func (s *seeder) companies(ctx context.Context) error {
	created := Base.AddDate(0, -4, 0)
	s.acme = &model.Company{Name: "Acme Corp", Domain: "acme.example", CreatedAt: created}
	s.globex = &model.Company{Name: "Globex", Domain: "globex.example", CreatedAt: created}
	for _, c := range []*model.Company{s.acme, s.globex} {
		if err := s.insert(ctx, "company", c); err != nil {
			return err
		}
	}
	return nil
}

// people creates the four contacts, verified, so that they can log in
// whether or not the portal requires verification.
func (s *seeder) people(ctx context.Context) error {
	people := []struct {
		email, name string
		company     *model.Company
	}{
		{AnaEmail, "Ana Álvarez", s.acme},
		{BenEmail, "Ben Brown", s.acme},
		{GinaEmail, "Gina García", s.globex},
		{CarlaEmail, "Carla Campos", nil},
	}
	created := Base.AddDate(0, -3, 0)
	for _, p := range people {
		c := &model.Contact{
			Email: p.email, Name: p.name, PasswordHash: s.hash,
			EmailVerifiedAt: bun.NullTime{Time: created.Add(time.Hour)},
			CreatedAt:       created, UpdatedAt: created,
		}
		if p.company != nil {
			c.CompanyID = &p.company.ID
		}
		if err := store.CreateContact(ctx, s.tx, c); err != nil {
			return err
		}
		s.contacts[p.email] = c
	}
	return nil
}

// portalList puts every contact on a list, so that switching the portal to
// list-based access keeps the demo accounts working.
func (s *seeder) portalList(ctx context.Context) error {
	s.list = &model.List{Name: "Portal customers", CreatedAt: Base.AddDate(0, -3, 0)}
	if err := s.insert(ctx, "list", s.list); err != nil {
		return err
	}
	for _, email := range []string{AnaEmail, BenEmail, GinaEmail, CarlaEmail} {
		m := &model.ListMember{ListID: s.list.ID, ContactID: s.contacts[email].ID, CreatedAt: s.list.CreatedAt}
		if err := s.insert(ctx, "list member", m); err != nil {
			return err
		}
	}
	return nil
}

func (s *seeder) inboxes(ctx context.Context) error {
	created := Base.AddDate(0, -6, 0)
	s.support = &model.Inbox{Name: "Support", CreatedAt: created}
	s.billing = &model.Inbox{Name: "Billing", CreatedAt: created}
	for _, in := range []*model.Inbox{s.support, s.billing} {
		if err := s.insert(ctx, "inbox", in); err != nil {
			return err
		}
	}
	return nil
}

// stageDef describes one stage of a pipeline; its position is its index.
type stageDef struct {
	name   string
	closed bool
}

func (s *seeder) pipelines(ctx context.Context) error {
	var err error
	s.supportPipeline, err = s.pipeline(ctx, "Support pipeline", 0, []stageDef{
		{"New", false}, {"Waiting on us", false}, {"Waiting on customer", false}, {"Closed", true},
	})
	if err != nil {
		return err
	}
	// The portal filter rule shows only the support pipeline, so tickets
	// here stay internal even when a contact is associated with them.
	s.itPipeline, err = s.pipeline(ctx, "Internal IT", 1, []stageDef{
		{"Triage", false}, {"Done", true},
	})
	return err
}

func (s *seeder) pipeline(ctx context.Context, name string, pos int, defs []stageDef) (*model.Pipeline, error) {
	p := &model.Pipeline{Name: name, Position: pos}
	if err := s.insert(ctx, "pipeline", p); err != nil {
		return nil, err
	}
	for i, d := range defs {
		st := &model.Stage{PipelineID: p.ID, Name: d.name, Position: i, IsClosed: d.closed}
		if err := s.insert(ctx, "stage", st); err != nil {
			return nil, err
		}
		p.Stages = append(p.Stages, st)
		s.stages[d.name] = st
	}
	return p, nil
}

func (s *seeder) supportForm(ctx context.Context) error {
	s.form = &model.Form{
		Name: "Contact support", InboxID: s.support.ID, PipelineID: s.supportPipeline.ID,
		AllowAttachments: true, CreatedAt: Base.AddDate(0, -3, 0),
		Fields: []model.FormField{
			{Property: "subject", Label: "Subject", Required: true},
			{Property: "description", Label: "How can we help?", Required: true},
			{Property: "priority", Label: "Priority"},
			{Property: "category", Label: "Category"},
			{Property: "custom:product", Label: "Product"},
		},
	}
	return s.insert(ctx, "form", s.form)
}

func (s *seeder) consentVersion(ctx context.Context) error {
	s.consent = &model.ConsentVersion{
		Notice:    "We store your name and email to answer your support requests. See our privacy policy.",
		Label:     "I agree to the processing of my data to handle my requests.",
		CreatedAt: Base.AddDate(0, -3, 0),
	}
	return store.AddConsentVersion(ctx, s.tx, s.consent)
}

// settings switches the portal on with company permissions and
// self-registration. It runs last because it refers to the inbox, the
// form, the consent version and the support pipeline.
func (s *seeder) settings(ctx context.Context) error {
	ps := model.DefaultPortalSettings()
	ps.Enabled = true
	ps.Title = "Portico Demo Help Center"
	ps.Access = model.AccessRegistration
	ps.AccessLists = []int64{s.list.ID}
	ps.Permission = model.PermissionCompany
	ps.DefaultInboxID = s.support.ID
	ps.FormID = s.form.ID
	ps.ConsentVersionID = s.consent.ID
	ps.IdleTimeoutSec = 30 * 60
	ps.ShowStageNames = false
	ps.RequireVerification = false
	ps.Filters = []model.FilterRule{{
		Property: "pipeline", Operator: model.OpIs,
		Values: []string{strconv.FormatInt(s.supportPipeline.ID, 10)},
	}}
	ps.Menu = []model.MenuItem{
		{Label: "Help center", URL: "/portal/tickets"},
		{Label: "Status page", URL: "https://status.example.com"},
	}
	_, err := store.SaveSettings(ctx, s.tx, ps)
	return err
}

// tickets inserts the ticket table in order. The table is oldest first, so
// on a fresh database ticket IDs follow creation time and equal the
// position in the table (see the #N comments there).
func (s *seeder) tickets(ctx context.Context) error {
	specs := ticketSpecs()
	for i, spec := range specs {
		// One ticket every 27 hours, ending a day before Base; the jitter
		// stays below the spacing so creation order matches ID order.
		created := Base.Add(-time.Duration(len(specs)-i) * 27 * time.Hour).
			Add(s.jitter(5 * time.Hour)).Truncate(time.Minute)
		if err := s.ticket(ctx, spec, created); err != nil {
			return fmt.Errorf("ticket %q: %w", spec.subject, err)
		}
	}
	return nil
}

// jitter returns a random duration in [0, limit).
func (s *seeder) jitter(limit time.Duration) time.Duration {
	if limit <= 0 {
		return 0
	}
	return time.Duration(s.rng.Int64N(int64(limit)))
}

// planned is one message to insert, before it has its thread.
type planned struct {
	thread int // 0 for the older thread, 1 for the current one
	body   string
	at     time.Time
}

func (s *seeder) ticket(ctx context.Context, spec ticketSpec, created time.Time) error {
	stage := s.stages[spec.stage]
	if stage == nil {
		return fmt.Errorf("unknown stage %q", spec.stage)
	}
	contact := s.contacts[spec.contact]
	inbox := s.support
	if spec.category == "billing" {
		inbox = s.billing
	}
	msgs := s.schedule(spec, created)
	lastActivity := created.Add(15 * time.Minute) // with no messages: the time to log the call
	if len(msgs) > 0 {
		lastActivity = msgs[len(msgs)-1].at
	}
	t := &model.Ticket{
		Subject: spec.subject, Description: spec.description(),
		PipelineID: stage.PipelineID, StageID: stage.ID, Closed: stage.IsClosed,
		Priority: spec.priority, Category: spec.category, Source: spec.source,
		OwnerID: s.owner(spec, stage), Properties: map[string]string{},
		CreatedAt: created, LastActivityAt: lastActivity,
	}
	if len(msgs) > 0 {
		// A ticket with no conversation has no inbox yet; a portal reply
		// will open a thread in the default inbox.
		t.InboxID = &inbox.ID
	}
	if spec.product != "" {
		t.Properties["product"] = spec.product
	}
	var companies []int64
	if contact.CompanyID != nil {
		companies = append(companies, *contact.CompanyID)
	}
	if err := store.CreateTicket(ctx, s.tx, t, []int64{contact.ID}, companies); err != nil {
		return err
	}
	if len(msgs) == 0 {
		return nil
	}
	return s.conversation(ctx, spec, t, contact, inbox, msgs)
}

// schedule spreads the ticket's messages between its creation and Base,
// oldest first. Customer and agent alternate, starting with the customer.
func (s *seeder) schedule(spec ticketSpec, created time.Time) []planned {
	var msgs []planned
	for _, b := range spec.older {
		msgs = append(msgs, planned{thread: 0, body: b})
	}
	for _, b := range spec.conv {
		msgs = append(msgs, planned{thread: 1, body: b})
	}
	if len(msgs) == 0 {
		return nil
	}
	// Each message falls in its own slot, so times only grow.
	step := min(Base.Sub(created)-30*time.Minute, 30*time.Hour*time.Duration(len(msgs))) / time.Duration(len(msgs))
	for i := range msgs {
		msgs[i].at = created
		if i > 0 {
			msgs[i].at = created.Add(time.Duration(i)*step - s.jitter(step/3)).Truncate(time.Minute)
		}
	}
	return msgs
}

// owner is who handles the ticket: nobody yet for new tickets, the admin
// for billing, the agent for the rest.
func (s *seeder) owner(spec ticketSpec, stage *model.Stage) *int64 {
	switch {
	case stage.Name == "New" || stage.Name == "Triage":
		return nil
	case spec.category == "billing":
		return &s.admin.ID
	default:
		return &s.agent.ID
	}
}

// conversation writes the threads and messages of a ticket, with its
// attachment, internal note and comment.
func (s *seeder) conversation(ctx context.Context, spec ticketSpec, t *model.Ticket, contact *model.Contact,
	inbox *model.Inbox, msgs []planned) error {
	staffID := s.agent.ID
	if t.OwnerID != nil {
		staffID = *t.OwnerID
	}
	threads := map[int]*model.Thread{}
	turn := 0 // position within the current thread: even is the customer
	for i, m := range msgs {
		th := threads[m.thread]
		if th == nil {
			// The older thread ran in the Support inbox before the
			// conversation moved on to the ticket's own inbox.
			in := inbox
			if m.thread == 0 {
				in = s.support
			}
			th = &model.Thread{TicketID: t.ID, InboxID: in.ID, CreatedAt: m.at}
			if err := s.insert(ctx, "thread", th); err != nil {
				return err
			}
			threads[m.thread] = th
			turn = 0
		}
		msg := &model.Message{ThreadID: th.ID, TicketID: t.ID, Kind: model.KindPublic, Body: m.body, CreatedAt: m.at}
		var files []store.Upload
		if turn%2 == 0 {
			msg.Direction = model.DirectionIncoming
			msg.Channel = customerChannel(spec.source, i)
			msg.AuthorContactID = &contact.ID
			if turn == 0 && m.thread == 1 {
				files = attachment(spec.attach)
			}
		} else {
			msg.Direction = model.DirectionOutgoing
			msg.Channel = "email"
			msg.AuthorStaffID = &staffID
		}
		if err := store.InsertMessage(ctx, s.tx, msg, files); err != nil {
			return err
		}
		turn++
	}
	return s.internal(ctx, spec, t, threads[1], staffID, msgs)
}

// internal adds the staff-only note and comment, halfway through the
// conversation so they never move the ticket's last activity.
func (s *seeder) internal(ctx context.Context, spec ticketSpec, t *model.Ticket, th *model.Thread,
	staffID int64, msgs []planned) error {
	if th == nil || (spec.note == "" && spec.comment == "") {
		return nil
	}
	first, last := msgs[0].at, msgs[len(msgs)-1].at
	at := first.Add(last.Sub(first) / 2).Truncate(time.Minute)
	entries := []struct{ kind, body string }{{model.KindNote, spec.note}, {model.KindComment, spec.comment}}
	for _, e := range entries {
		if e.body == "" {
			continue
		}
		m := &model.Message{
			ThreadID: th.ID, TicketID: t.ID, Kind: e.kind, Direction: model.DirectionOutgoing,
			Channel: "internal", AuthorStaffID: &staffID, Body: e.body, CreatedAt: at,
		}
		if err := store.InsertMessage(ctx, s.tx, m, nil); err != nil {
			return err
		}
	}
	return nil
}

// customerChannel is how a customer's message arrived: a form ticket's first
// message came through the form (as the form handler records it), the
// follow-ups through the portal.
func customerChannel(source string, index int) string {
	switch {
	case source == model.SourceEmail:
		return "email"
	case source == model.SourceForm && index == 0:
		return "form"
	default:
		return "portal"
	}
}

// Attachment kinds of a ticket spec.
const (
	attachScreenshot = "screenshot"
	attachLog        = "log"
)

// attachment returns the files for a spec's attach field.
func attachment(kind string) []store.Upload {
	var name string
	var data []byte
	switch kind {
	case attachScreenshot:
		name, data = "screenshot.png", screenshotPNG()
	case attachLog:
		name, data = "error-log.txt", []byte(errorLog)
	default:
		return nil
	}
	return []store.Upload{{Filename: name, ContentType: http.DetectContentType(data), Data: data}}
}

// screenshotPNG draws a small image that stands for a printer's display:
// a dark panel with a red warning bar. Drawn, not embedded, so the repository
// holds no binary file.
func screenshotPNG() []byte {
	img := image.NewRGBA(image.Rect(0, 0, 32, 20))
	for y := range 20 {
		for x := range 32 {
			c := color.RGBA{R: 30, G: 41, B: 59, A: 255}
			if y >= 7 && y < 13 && x >= 4 && x < 28 {
				c = color.RGBA{R: 220, G: 38, B: 38, A: 255}
			}
			img.Set(x, y, c)
		}
	}
	var buf bytes.Buffer
	// Encoding an in-memory RGBA image into a buffer cannot fail.
	_ = png.Encode(&buf, img)
	return buf.Bytes()
}

const errorLog = `02:00:01 INFO  nightly sync started (jobs: customers, orders)
02:00:04 INFO  customers: 1204 records synced
02:00:05 INFO  orders: sending batch 1 of 3 (500 records)
02:00:35 ERROR orders: POST /v1/orders/batch timed out after 30s
02:00:35 WARN  orders: retry 1 of 3
02:01:05 ERROR orders: POST /v1/orders/batch timed out after 30s
02:01:05 ERROR sync aborted: 1 of 2 jobs failed
`
