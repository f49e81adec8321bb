// Package portal holds the customers' handlers: login, registration,
// password and address verification, the ticket list, a ticket, the
// support form, replies and attachments, one action per file.
//
// Handlers parse, call and render. They must not import the back office
// (admin), nor build HTTP plumbing of their own (that is the web core's),
// nor write to several tables in one transaction (that is the desk's).
package portal

import (
	"portico/app/desk"
	"portico/app/web/core"
)

// Handler carries the web core and the desk into the portal's handlers.
type Handler struct {
	*core.Core
	Desk *desk.Service
}
