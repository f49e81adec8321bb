package mail

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"regexp"
	"strconv"
)

// A pair token names a ticket and a contact and signs them for one
// purpose: <ticket>-<contact>-<signature>. Reply addresses and one-click
// unsubscribe links are both made of one. The purpose is signed too, so
// that neither is worth anything as the other. 128 bits of HMAC are
// plenty against guessing, and keep the token short.
const (
	purposeReply       = "portico-reply"
	purposeUnsubscribe = "portico-unsubscribe"
)

func pairSig(secret []byte, purpose string, ticketID, contactID int64) string {
	h := hmac.New(sha256.New, secret)
	h.Write([]byte(purpose + ":" + strconv.FormatInt(ticketID, 10) + ":" + strconv.FormatInt(contactID, 10)))
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// pairToken makes the token of a ticket and contact for purpose.
func pairToken(secret []byte, purpose string, ticketID, contactID int64) string {
	return strconv.FormatInt(ticketID, 10) + "-" + strconv.FormatInt(contactID, 10) + "-" + pairSig(secret, purpose, ticketID, contactID)
}

var pairRe = regexp.MustCompile(`^([1-9][0-9]{0,17})-([1-9][0-9]{0,17})-([0-9a-f]{32})$`)

// parsePairToken checks a token made for purpose and returns its ticket
// and contact. A malformed token and a bad signature fail alike.
func parsePairToken(secret []byte, purpose, tok string) (ticketID, contactID int64, ok bool) {
	m := pairRe.FindStringSubmatch(tok)
	if m == nil || len(secret) == 0 {
		return 0, 0, false
	}
	t, err1 := strconv.ParseInt(m[1], 10, 64)
	c, err2 := strconv.ParseInt(m[2], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, 0, false
	}
	if !hmac.Equal([]byte(m[3]), []byte(pairSig(secret, purpose, t, c))) {
		return 0, 0, false
	}
	return t, c, true
}
