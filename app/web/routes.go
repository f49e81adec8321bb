package web

import (
	"slices"

	"portico/app/model"
	"portico/app/sso"
	"portico/app/sso/samlkind"
	"portico/app/web/admin"
	"portico/app/web/core"
	"portico/app/web/portal"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/compress"
)

// routes lists every route and the middleware in front of it, so that one
// read shows who may call what.
func routes(web *core.Core, p *portal.Handler, a *admin.Handler, s *sso.Service, sk *samlkind.Kind) {
	app := web.App()
	app.Use(web.ClientIP, web.RequestID, web.AccessLog, web.RecoverPanic, web.SecurityHeaders, web.LimitBody,
		compress.New(compress.Config{Level: compress.LevelBestSpeed, Next: core.NotCompressed}))

	app.Use(web.PortalSlug)

	// Operations: public, no session.
	app.Get("/healthz", web.Healthz)
	app.Get("/readyz", web.Readyz)
	app.Get("/static/*", web.StaticFile)
	app.Get("/", func(c *fiber.Ctx) error { return c.Redirect("/portal/tickets", fiber.StatusSeeOther) })
	// Uploaded logo and favicon, under names made from their bytes: public
	// and cached for good, so they get no session (and no cookie).
	app.Get("/portal/brand/:file", web.LoadSettings, web.BrandImage)

	// Single sign-on callbacks: before the portal's group, because a
	// provider's answer may be a cross-site POST, which carries neither
	// a CSRF token nor the session cookie; each is verified on its own
	// (signature, state bound to the session, one-time values). A
	// disabled or unknown provider answers 404.
	ssoOn := []fiber.Handler{core.NoStore, web.LoadSettings, web.LoadSession, web.ChooseLocale, web.PortalOn}
	app.Get("/portal/sso/:slug/login", append(ssoOn, s.LoadProvider(), s.Start)...)
	app.Get("/portal/sso/:slug/callback", append(ssoOn, s.OIDCCallback)...)
	app.Post("/portal/sso/:slug/jwt", append(ssoOn, s.JWTLogin)...)
	app.Get("/portal/sso/:slug/jwt", append(ssoOn, s.JWTLogin)...)
	// SAML: the SP metadata, the assertion consumer service (the IdP's
	// cross-site POST) and single logout, for enabled SAML providers only.
	samlOn := func(h fiber.Handler) []fiber.Handler {
		return append(slices.Clone(ssoOn), s.LoadProvider(model.SSOKindSAML), h)
	}
	app.Get("/portal/sso/:slug/metadata", samlOn(sk.Metadata)...)
	// The ACS finds its provider itself: a disabled one still takes an
	// admin's test sign-in.
	app.Post("/portal/sso/:slug/acs", append(slices.Clone(ssoOn), sk.ACS)...)
	app.Get("/portal/sso/:slug/slo", samlOn(sk.SLO)...)

	// One-click unsubscribe from a ticket notification (RFC 8058): before
	// the portal's group, because a mail client's POST carries neither a
	// session nor a CSRF token; the signed token in the path is the
	// authority, and it can only mute its ticket for its contact. A GET
	// only shows the confirmation.
	unsub := []fiber.Handler{core.NoStore, web.LoadSettings, web.LoadSession, web.ChooseLocale}
	app.Get("/portal/unsubscribe/:token", append(unsub, p.UnsubscribeShow)...)
	app.Post("/portal/unsubscribe/:token", append(unsub, p.Unsubscribe)...)
	// The rating links of the closing email: a customer perhaps logged out
	// lands here; the GET changes nothing, and the POST is checked against
	// its signed link and its origin instead of a session's CSRF token.
	app.Get("/portal/rate/:token", append(slices.Clone(ssoOn), p.RateLink)...)
	app.Post("/portal/rate/:token", append(slices.Clone(ssoOn), p.RateConfirm)...)

	// Every portal route: settings, session, language and CSRF.
	portal := app.Group("/portal", core.NoStore, web.LoadSettings, web.LoadSession, web.ChooseLocale, web.UploadSlot, web.CheckCSRF, web.PreviewReadOnly)

	// Reachable while the portal is off.
	portal.Get("/theme.css", p.ThemeCSS)
	portal.Post("/language", p.SetLanguage)

	// Anonymous, while the portal is on.
	portal.Get("/", web.PortalOn, func(c *fiber.Ctx) error { return core.Redirect(c, "/portal/tickets") })
	portal.Get("/login", web.PortalOn, p.LoginForm)
	portal.Post("/login", web.PortalOn, p.Login)
	portal.Post("/logout", s.Logout) // and the provider's session, after SSO
	portal.Get("/register", web.PortalOn, web.PasswordsOn, p.RegisterForm)
	portal.Post("/register", web.PortalOn, web.PasswordsOn, p.Register)

	// A logged-in contact the access settings let in.
	contact := []fiber.Handler{web.PortalOn, web.RequireContact}
	portal.Get("/tickets", append(contact, p.TicketList)...)
	portal.Get("/tickets/new", append(contact, p.TicketNew)...)
	portal.Post("/tickets", append(contact, p.TicketCreate)...)
	portal.Get("/tickets/:id", append(contact, p.TicketShow)...)
	portal.Post("/tickets/:id/replies", append(contact, p.ReplyCreate)...)
	portal.Get("/tickets/:id/solve", append(contact, p.SolveConfirm)...)
	portal.Post("/tickets/:id/solve", append(contact, p.Solve)...)
	portal.Post("/tickets/:id/participants", append(contact, p.ParticipantAdd)...)
	portal.Post("/tickets/:id/rating", append(contact, p.RatingSave)...)
	portal.Post("/tickets/:id/participants/:contact/remove", append(contact, p.ParticipantRemove)...)
	portal.Get("/tickets/:id/leave", append(contact, p.LeaveConfirm)...)
	portal.Post("/tickets/:id/leave", append(contact, p.Leave)...)
	portal.Post("/tickets/:id/mute", append(contact, p.TicketMute)...)
	portal.Get("/notifications", append(contact, p.NotificationsForm)...)
	portal.Post("/notifications", append(contact, p.NotificationsSave)...)
	portal.Get("/attachments/:id", append(contact, p.Attachment)...)
	portal.Get("/me/data", append(contact, p.MyData)...)
	portal.Get("/me/data.json", append(contact, p.MyDataJSON)...)
	portal.Get("/me/attachments.zip", append(contact, p.MyDataZIP)...)
	portal.Post("/me/delete", append(contact, p.MyDataDelete)...)

	// The back office: a staff session, apart from the customer's.
	admin := app.Group("/admin", core.NoStore, web.LoadSettings, web.LoadStaffSession, web.StaffLocale, web.UploadSlot, web.CheckCSRF)
	admin.Get("/", func(c *fiber.Ctx) error { return core.Redirect(c, "/admin/inbox") })
	admin.Get("/login", a.LoginForm)
	admin.Post("/login", a.Login)
	admin.Post("/logout", a.Logout)

	// Agents' work: any staff user.
	staff := []fiber.Handler{web.RequireStaff}
	admin.Get("/inbox", append(staff, a.Inbox)...)
	admin.Post("/me/notifications", append(staff, a.StaffNotifications)...)
	admin.Get("/tickets/new", append(staff, a.TicketNew)...)
	admin.Post("/tickets", append(staff, a.TicketCreate)...)
	admin.Get("/tickets/:id", append(staff, a.TicketShow)...)
	admin.Post("/tickets/:id/replies", append(staff, a.TicketMessage(model.KindPublic))...)
	admin.Post("/tickets/:id/notes", append(staff, a.TicketMessage(model.KindNote))...)
	admin.Post("/tickets/:id/comments", append(staff, a.TicketMessage(model.KindComment))...)
	admin.Post("/tickets/:id/properties", append(staff, a.TicketUpdate)...)
	admin.Post("/tickets/:id/associations", append(staff, a.TicketAssociation)...)
	admin.Post("/tickets/:id/reopen", append(staff, a.TicketReopen)...)
	admin.Post("/tickets/:id/participants", append(staff, a.ParticipantAdd)...)
	admin.Post("/tickets/:id/participants/:contact/remove", append(staff, a.ParticipantRemove)...)
	admin.Get("/attachments/:id", append(staff, a.Attachment)...)
	admin.Get("/ratings", append(staff, a.RatingsReport)...)
	admin.Get("/ratings.csv", append(staff, a.RatingsCSV)...)

	// Records: contacts, companies, static lists, pipelines and stages,
	// inboxes and support forms. Any staff user.
	admin.Get("/contacts", append(staff, a.ContactsIndex)...)
	admin.Get("/contacts/new", append(staff, a.ContactsNew)...)
	admin.Post("/contacts", append(staff, a.ContactsCreate)...)
	admin.Get("/contacts/deletion-requests", append(staff, web.RequireSettingsPermission, a.DeletionRequests)...)
	admin.Get("/contacts/:id", append(staff, a.ContactsShow)...)
	admin.Post("/contacts/:id", append(staff, a.ContactsSave)...)
	admin.Post("/contacts/:id/lists", append(staff, a.ContactsLists)...)
	admin.Post("/contacts/:id/erase", append(staff, web.RequireSettingsPermission, a.ContactErase)...)
	admin.Get("/companies", append(staff, a.CompaniesIndex)...)
	admin.Get("/companies/new", append(staff, a.CompaniesNew)...)
	admin.Post("/companies", append(staff, a.CompaniesCreate)...)
	admin.Get("/companies/:id", append(staff, a.CompaniesShow)...)
	admin.Post("/companies/:id", append(staff, a.CompaniesSave)...)
	admin.Get("/lists", append(staff, a.ListsIndex)...)
	admin.Post("/lists", append(staff, a.ListsCreate)...)
	admin.Get("/lists/:id", append(staff, a.ListsShow)...)
	admin.Post("/lists/:id", append(staff, a.ListsRename)...)
	admin.Post("/lists/:id/members", append(staff, a.ListsMembers)...)
	admin.Get("/pipelines", append(staff, a.PipelinesIndex)...)
	admin.Post("/pipelines", append(staff, a.PipelinesCreate)...)
	admin.Post("/pipelines/:id", append(staff, a.PipelinesRename)...)
	admin.Post("/pipelines/:id/move", append(staff, a.PipelinesMove)...)
	admin.Post("/pipelines/:id/solve", append(staff, a.PipelinesSolve)...)
	admin.Post("/pipelines/:id/stages", append(staff, a.StagesCreate)...)
	admin.Post("/stages/:id", append(staff, a.StagesSave)...)
	admin.Post("/stages/:id/move", append(staff, a.StagesMove)...)
	admin.Get("/inboxes", append(staff, a.InboxesIndex)...)
	admin.Post("/inboxes", append(staff, a.InboxesCreate)...)
	admin.Post("/inboxes/:id", append(staff, a.InboxesRename)...)
	admin.Get("/forms", append(staff, a.FormsIndex)...)
	admin.Get("/forms/new", append(staff, a.FormsNew)...)
	admin.Post("/forms", append(staff, a.FormsCreate)...)
	admin.Get("/forms/:id", append(staff, a.FormsEdit)...)
	admin.Post("/forms/:id", append(staff, a.FormsSave)...)

	// Portal settings need the settings permission.
	settings := []fiber.Handler{web.RequireStaff, web.RequireSettingsPermission}
	admin.Get("/portal", append(settings, a.PortalSettings)...)
	admin.Get("/portal/sample/:page", append(settings, a.PortalSample)...)
	admin.Post("/portal/preview", append(settings, a.PreviewStart)...)
	admin.Post("/portal/preview/end", web.RequireStaff, a.PreviewEnd)
	// Single sign-on providers: before the sections, which share the path.
	admin.Get("/portal/sso/new", append(settings, a.SSONew)...)
	admin.Post("/portal/sso", append(settings, a.SSOCreate)...)
	admin.Get("/portal/sso/:id", append(settings, a.SSOEdit)...)
	admin.Post("/portal/sso/:id", append(settings, a.SSOSave)...)
	admin.Post("/portal/sso/:id/delete", append(settings, a.SSODelete)...)
	admin.Post("/portal/sso/:id/test", append(settings, a.SSOTest)...)
	admin.Post("/portal/:section", append(settings, a.SaveSection)...)

	// Email: password reset and invitation links, address verification,
	// the outbox viewer, and an admin's "resend invitation".
	// Under "SSO only" (PasswordsOn) they all answer 404, the invitation
	// too: a password would be of no use there.
	portal.Get("/password/forgot", web.PortalOn, web.PasswordsOn, p.PasswordForgotForm)
	portal.Post("/password/forgot", web.PortalOn, web.PasswordsOn, p.PasswordForgot)
	portal.Get("/password/reset", web.PortalOn, web.PasswordsOn, p.PasswordSetForm)
	portal.Post("/password/reset", web.PortalOn, web.PasswordsOn, p.PasswordSet)
	portal.Get("/password/set", web.PortalOn, web.PasswordsOn, p.PasswordSetForm)
	portal.Post("/password/set", web.PortalOn, web.PasswordsOn, p.PasswordSet)
	portal.Get("/verify", web.PortalOn, web.PasswordsOn, p.VerifyForm)
	portal.Post("/verify", web.PortalOn, web.PasswordsOn, p.Verify)
	portal.Post("/verify/resend", web.PortalOn, web.PasswordsOn, p.VerifyResend)
	admin.Get("/outbox", append(staff, a.OutboxIndex)...)
	admin.Get("/outbox/:id", append(staff, a.OutboxShow)...)
	admin.Post("/outbox/:id/retry", append(settings, a.OutboxRetry)...)
	admin.Post("/contacts/:id/invite", append(settings, a.ContactInvite)...)

	app.Use(core.NotFound)
}
