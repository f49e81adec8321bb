package web

import (
	"portico/app/model"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/compress"
)

// routes lists every route and the middleware in front of it, so that one
// read shows who may call what.
func (s *Server) routes() {
	app := s.app
	app.Use(s.requestID, s.accessLog, s.recoverPanic, s.securityHeaders,
		compress.New(compress.Config{Level: compress.LevelBestSpeed}))

	app.Use(s.portalSlug)

	// Operations: public, no session.
	app.Get("/healthz", s.healthz)
	app.Get("/readyz", s.readyz)
	app.Get("/static/*", s.staticFile)
	app.Get("/", func(c *fiber.Ctx) error { return c.Redirect("/portal/tickets", fiber.StatusSeeOther) })

	// Every portal route: settings, session, language and CSRF.
	portal := app.Group("/portal", noStore, s.loadSettings, s.loadSession, s.chooseLocale, s.checkCSRF, s.previewReadOnly)

	// Reachable while the portal is off.
	portal.Get("/theme.css", s.themeCSS)
	portal.Post("/language", s.setLanguage)

	// Anonymous, while the portal is on.
	portal.Get("/", s.portalOn, func(c *fiber.Ctx) error { return redirect(c, "/portal/tickets") })
	portal.Get("/login", s.portalOn, s.loginForm)
	portal.Post("/login", s.portalOn, s.login)
	portal.Post("/logout", s.logout)
	portal.Get("/register", s.portalOn, s.registerForm)
	portal.Post("/register", s.portalOn, s.register)

	// A logged-in contact the access settings let in.
	contact := []fiber.Handler{s.portalOn, s.requireContact}
	portal.Get("/tickets", append(contact, s.ticketList)...)
	portal.Get("/tickets/new", append(contact, s.ticketNew)...)
	portal.Post("/tickets", append(contact, s.ticketCreate)...)
	portal.Get("/tickets/:id", append(contact, s.ticketShow)...)
	portal.Post("/tickets/:id/replies", append(contact, s.replyCreate)...)
	portal.Get("/attachments/:id", append(contact, s.attachmentDownload)...)

	// The back office: a staff session, apart from the customer's.
	admin := app.Group("/admin", noStore, s.loadSettings, s.loadStaffSession, s.staffLocale, s.checkCSRF)
	admin.Get("/", func(c *fiber.Ctx) error { return redirect(c, "/admin/inbox") })
	admin.Get("/login", s.adminLoginForm)
	admin.Post("/login", s.adminLogin)
	admin.Post("/logout", s.adminLogout)

	// Agents' work: any staff user.
	staff := []fiber.Handler{s.requireStaff}
	admin.Get("/inbox", append(staff, s.inbox)...)
	admin.Post("/me/notifications", append(staff, s.staffNotifications)...)
	admin.Get("/tickets/new", append(staff, s.agentTicketNew)...)
	admin.Post("/tickets", append(staff, s.agentTicketCreate)...)
	admin.Get("/tickets/:id", append(staff, s.agentTicketShow)...)
	admin.Post("/tickets/:id/replies", append(staff, s.agentMessage(model.KindPublic))...)
	admin.Post("/tickets/:id/notes", append(staff, s.agentMessage(model.KindNote))...)
	admin.Post("/tickets/:id/comments", append(staff, s.agentMessage(model.KindComment))...)
	admin.Post("/tickets/:id/properties", append(staff, s.agentTicketUpdate)...)
	admin.Post("/tickets/:id/associations", append(staff, s.agentAssociation)...)
	admin.Get("/attachments/:id", append(staff, s.agentAttachment)...)

	// Records: contacts, companies, static lists, pipelines and stages,
	// inboxes and support forms. Any staff user.
	admin.Get("/contacts", append(staff, s.contactsIndex)...)
	admin.Get("/contacts/new", append(staff, s.contactsNew)...)
	admin.Post("/contacts", append(staff, s.contactsCreate)...)
	admin.Get("/contacts/:id", append(staff, s.contactsShow)...)
	admin.Post("/contacts/:id", append(staff, s.contactsSave)...)
	admin.Post("/contacts/:id/lists", append(staff, s.contactsLists)...)
	admin.Get("/companies", append(staff, s.companiesIndex)...)
	admin.Get("/companies/new", append(staff, s.companiesNew)...)
	admin.Post("/companies", append(staff, s.companiesCreate)...)
	admin.Get("/companies/:id", append(staff, s.companiesShow)...)
	admin.Post("/companies/:id", append(staff, s.companiesSave)...)
	admin.Get("/lists", append(staff, s.listsIndex)...)
	admin.Post("/lists", append(staff, s.listsCreate)...)
	admin.Get("/lists/:id", append(staff, s.listsShow)...)
	admin.Post("/lists/:id", append(staff, s.listsRename)...)
	admin.Post("/lists/:id/members", append(staff, s.listsMembers)...)
	admin.Get("/pipelines", append(staff, s.pipelinesIndex)...)
	admin.Post("/pipelines", append(staff, s.pipelinesCreate)...)
	admin.Post("/pipelines/:id", append(staff, s.pipelinesRename)...)
	admin.Post("/pipelines/:id/move", append(staff, s.pipelinesMove)...)
	admin.Post("/pipelines/:id/stages", append(staff, s.stagesCreate)...)
	admin.Post("/stages/:id", append(staff, s.stagesSave)...)
	admin.Post("/stages/:id/move", append(staff, s.stagesMove)...)
	admin.Get("/inboxes", append(staff, s.inboxesIndex)...)
	admin.Post("/inboxes", append(staff, s.inboxesCreate)...)
	admin.Post("/inboxes/:id", append(staff, s.inboxesRename)...)
	admin.Get("/forms", append(staff, s.formsIndex)...)
	admin.Get("/forms/new", append(staff, s.formsNew)...)
	admin.Post("/forms", append(staff, s.formsCreate)...)
	admin.Get("/forms/:id", append(staff, s.formsEdit)...)
	admin.Post("/forms/:id", append(staff, s.formsSave)...)

	// Portal settings need the settings permission.
	settings := []fiber.Handler{s.requireStaff, s.requireSettingsPermission}
	admin.Get("/portal", append(settings, s.portalSettings)...)
	admin.Get("/portal/sample/:page", append(settings, s.portalSample)...)
	admin.Post("/portal/preview", append(settings, s.previewStart)...)
	admin.Post("/portal/preview/end", s.requireStaff, s.previewEnd)
	admin.Post("/portal/:section", append(settings, s.saveSection)...)

	// Email: password reset and invitation links, address verification,
	// the outbox viewer, and an admin's "resend invitation".
	portal.Get("/password/forgot", s.portalOn, s.passwordForgotForm)
	portal.Post("/password/forgot", s.portalOn, s.passwordForgot)
	portal.Get("/password/reset", s.portalOn, s.passwordSetForm)
	portal.Post("/password/reset", s.portalOn, s.passwordSet)
	portal.Get("/password/set", s.portalOn, s.passwordSetForm)
	portal.Post("/password/set", s.portalOn, s.passwordSet)
	portal.Get("/verify", s.portalOn, s.verifyForm)
	portal.Post("/verify", s.portalOn, s.verify)
	portal.Post("/verify/resend", s.portalOn, s.verifyResend)
	admin.Get("/outbox", append(staff, s.outboxIndex)...)
	admin.Get("/outbox/:id", append(staff, s.outboxShow)...)
	admin.Post("/outbox/:id/retry", append(settings, s.outboxRetry)...)
	admin.Post("/contacts/:id/invite", append(settings, s.contactInvite)...)

	app.Use(func(c *fiber.Ctx) error { return fiber.ErrNotFound })
}
