// Package admin holds the back office's handlers: the staff login, the
// inbox and the agent's ticket page, the records (contacts, companies,
// lists, pipelines, inboxes, support forms), the outbox, and the portal
// settings with their preview, one action per file.
//
// Handlers parse, call and render. They must not import the portal's
// handlers, nor build HTTP plumbing of their own (that is the web core's),
// nor hold operations on tickets that the portal shares (that is the
// desk's).
package admin

import (
	"portico/app/desk"
	"portico/app/sso"
	"portico/app/web/core"
)

// Handler carries the web core and the desk into the back office's
// handlers.
type Handler struct {
	*core.Core
	Desk *desk.Service
	// SSO holds the single sign-on providers and their kinds.
	SSO *sso.Service
}
