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
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
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
		s.supportForm, s.consentVersion, s.tickets, s.settings, s.shared, s.muted, s.rating,
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
	name    string
	closed  bool
	waiting bool   // waits on the customer
	es      string // the name the portal shows in Spanish
}

func (s *seeder) pipelines(ctx context.Context) error {
	var err error
	s.supportPipeline, err = s.pipeline(ctx, "Support pipeline", 0, []stageDef{
		{"New", false, false, "Nuevo"}, {"Waiting on us", false, false, "Esperando nuestra respuesta"},
		{"Waiting on customer", false, true, "Esperando tu respuesta"}, {"Closed", true, false, "Cerrado"},
	})
	if err != nil {
		return err
	}
	// The portal filter rule shows only the support pipeline, so tickets
	// here stay internal even when a contact is associated with them.
	s.itPipeline, err = s.pipeline(ctx, "Internal IT", 1, []stageDef{
		{"Triage", false, false, "Clasificación"}, {"Done", true, false, "Hecho"},
	})
	return err
}

func (s *seeder) pipeline(ctx context.Context, name string, pos int, defs []stageDef) (*model.Pipeline, error) {
	p := &model.Pipeline{Name: name, Position: pos}
	if err := s.insert(ctx, "pipeline", p); err != nil {
		return nil, err
	}
	for i, d := range defs {
		st := &model.Stage{PipelineID: p.ID, Name: d.name, Position: i, IsClosed: d.closed, WaitsOnCustomer: d.waiting,
			Labels: model.Text{"en": d.name, "es": d.es}}
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
			{Property: "subject", Label: model.Text{"en": "Subject", "es": "Asunto"}, Required: true},
			{Property: "description", Label: model.Text{"en": "How can we help?", "es": "¿Cómo podemos ayudarte?"}, Required: true,
				Help: model.Text{"en": "Steps, error messages and what you expected help us answer faster.",
					"es": "Los pasos, los mensajes de error y lo que esperabas nos ayudan a responder antes."}},
			{Property: "priority", Label: model.Text{"en": "Priority", "es": "Prioridad"}},
			{Property: "category", Label: model.Text{"en": "Category", "es": "Categoría"}, Choices: []model.Choice{
				{Value: "technical", Label: model.Text{"en": "Technical problem", "es": "Problema técnico"}},
				{Value: "account", Label: model.Text{"en": "Account and access", "es": "Cuenta y acceso"}},
				{Value: "billing", Label: model.Text{"en": "Billing", "es": "Facturación"}},
				{Value: "it", Label: model.Text{"en": "Internal IT", "es": "Informática interna"}},
			}},
			{Property: "custom:product", Label: model.Text{"en": "Product", "es": "Producto"}, Choices: []model.Choice{
				{Value: prodCloud, Label: model.Text{"en": prodCloud, "es": prodCloud}},
				{Value: prodAPI, Label: model.Text{"en": prodAPI, "es": prodAPI}},
				{Value: prodMobile, Label: model.Text{"en": prodMobile, "es": prodMobile}},
				{Value: prodPrinter, Label: model.Text{"en": prodPrinter, "es": "Impresora de etiquetas"}},
			}},
		},
	}
	return s.insert(ctx, "form", s.form)
}

func (s *seeder) consentVersion(ctx context.Context) error {
	s.consent = &model.ConsentVersion{
		Notice: model.Text{
			"en": "We store your name and email to answer your support requests. See our privacy policy.",
			"es": "Guardamos tu nombre y tu correo electrónico para responder a tus solicitudes de soporte. Consulta nuestra política de privacidad.",
		},
		Label: model.Text{
			"en": "I agree to the processing of my data to handle my requests.",
			"es": "Acepto el tratamiento de mis datos para gestionar mis solicitudes.",
		},
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
	ps.Title = model.Text{"en": "Portico Demo Help Center", "es": "Centro de ayuda de Portico Demo"}
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
		{Label: model.Text{"en": "Help center", "es": "Centro de ayuda"}, URL: "/portal/tickets"},
		{Label: model.Text{"en": "Status page", "es": "Estado del servicio"}, URL: "https://status.example.com"},
	}
	_, err := store.SaveSettings(ctx, s.tx, ps)
	return err
}
