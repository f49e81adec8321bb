package mail

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"regexp"
	"strconv"
	"strings"

	"portico/app/model"
)

// unsubSig signs a ticket and contact pair for the one-click unsubscribe
// link. Its own prefix keeps it apart from reply addresses: neither
// signature is worth anything as the other.
func unsubSig(secret []byte, ticketID, contactID int64) string {
	h := hmac.New(sha256.New, secret)
	h.Write([]byte("portico-unsubscribe:" + strconv.FormatInt(ticketID, 10) + ":" + strconv.FormatInt(contactID, 10)))
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// UnsubscribeToken is the signed part of a ticket notification's
// unsubscribe link: <ticket>-<contact>-<signature>. It can only mute that
// ticket for that contact.
func UnsubscribeToken(secret []byte, ticketID, contactID int64) string {
	return strconv.FormatInt(ticketID, 10) + "-" + strconv.FormatInt(contactID, 10) + "-" + unsubSig(secret, ticketID, contactID)
}

var unsubRe = regexp.MustCompile(`^([1-9][0-9]{0,17})-([1-9][0-9]{0,17})-([0-9a-f]{32})$`)

// ParseUnsubscribeToken checks a token and returns the ticket and contact
// it was made for. A malformed token and a bad signature fail alike.
func ParseUnsubscribeToken(secret []byte, tok string) (ticketID, contactID int64, ok bool) {
	m := unsubRe.FindStringSubmatch(tok)
	if m == nil || len(secret) == 0 {
		return 0, 0, false
	}
	t, err1 := strconv.ParseInt(m[1], 10, 64)
	c, err2 := strconv.ParseInt(m[2], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, 0, false
	}
	if !hmac.Equal([]byte(m[3]), []byte(unsubSig(secret, t, c))) {
		return 0, 0, false
	}
	return t, c, true
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
