package mail

import (
	"strings"

	"portico/app/model"
)

// UnsubscribeToken is the signed part of a ticket notification's
// unsubscribe link (a pair token). It can only mute that ticket for that
// contact.
func UnsubscribeToken(secret []byte, ticketID, contactID int64) string {
	return pairToken(secret, purposeUnsubscribe, ticketID, contactID)
}

// ParseUnsubscribeToken checks a token and returns the ticket and contact
// it was made for.
func ParseUnsubscribeToken(secret []byte, tok string) (ticketID, contactID int64, ok bool) {
	return parsePairToken(secret, purposeUnsubscribe, tok)
}

// UnsubscribeURL is the page that mutes a ticket for a contact: a GET
// shows a confirmation, a POST (the button, or a mail client's one-click
// request per RFC 8058) mutes.
func (m *Mailer) UnsubscribeURL(st model.PortalSettings, ticketID, contactID int64) string {
	return m.Link(st, "/portal/unsubscribe/"+UnsubscribeToken(m.cfg.Secret, ticketID, contactID), nil)
}

// listUnsubscribe returns u when it is fit for a List-Unsubscribe header:
// an absolute https (or http) URL without spaces, angle brackets or
// commas, which would end it.
func listUnsubscribe(u string) string {
	if u == "" || strings.ContainsAny(u, " \t\r\n<>,\"") || !absoluteURL(u) {
		return ""
	}
	return u
}
