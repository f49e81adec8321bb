package mail

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"regexp"
	"strconv"
	"strings"
)

// replyPrefix starts the local part of every reply address.
const replyPrefix = "reply+"

// replySig signs a ticket and contact pair with the app secret. 128 bits
// are plenty against guessing, and keep the address short.
func replySig(secret []byte, ticketID, contactID int64) string {
	h := hmac.New(sha256.New, secret)
	h.Write([]byte("portico-reply:" + strconv.FormatInt(ticketID, 10) + ":" + strconv.FormatInt(contactID, 10)))
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// ReplyAddress is the address a contact answers a ticket notification to:
// reply+<ticket>-<contact>-<signature>@<reply domain>. It is "" when
// replies by email are off.
func (m *Mailer) ReplyAddress(ticketID, contactID int64) string {
	if m.cfg.ReplyDomain == "" || len(m.cfg.Secret) == 0 {
		return ""
	}
	return replyPrefix + strconv.FormatInt(ticketID, 10) + "-" + strconv.FormatInt(contactID, 10) + "-" +
		replySig(m.cfg.Secret, ticketID, contactID) + "@" + m.cfg.ReplyDomain
}

var replyLocalRe = regexp.MustCompile(`^reply\+([0-9]{1,18})-([0-9]{1,18})-([0-9a-f]{32})$`)

// ParseReplyAddress checks a recipient address and returns the ticket and
// contact it was made for. A wrong domain, a malformed address and a bad
// signature all fail the same way.
func ParseReplyAddress(secret []byte, domain, addr string) (ticketID, contactID int64, ok bool) {
	addr = strings.ToLower(strings.Trim(strings.TrimSpace(addr), "<>"))
	at := strings.LastIndexByte(addr, '@')
	if at < 0 || len(secret) == 0 || !strings.EqualFold(addr[at+1:], domain) {
		return 0, 0, false
	}
	m := replyLocalRe.FindStringSubmatch(addr[:at])
	if m == nil {
		return 0, 0, false
	}
	t, err1 := strconv.ParseInt(m[1], 10, 64)
	c, err2 := strconv.ParseInt(m[2], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, 0, false
	}
	if !hmac.Equal([]byte(m[3]), []byte(replySig(secret, t, c))) {
		return 0, 0, false
	}
	return t, c, true
}

// Lines that start the quoted history in common mail clients, in English
// and Spanish: "On … wrote:", "El … escribió:", Outlook's header block and
// separators.
var quoteStartRes = []*regexp.Regexp{
	regexp.MustCompile(`(?i)^on\b.*\bwrote:\s*$`),
	regexp.MustCompile(`(?i)^el\b.*\bescribió:\s*$`),
	regexp.MustCompile(`(?i)^-{2,}\s*(original message|mensaje original)\s*-{2,}\s*$`),
	regexp.MustCompile(`(?i)^_{5,}\s*$`),
	regexp.MustCompile(`(?i)^(from|de):\s.+$`),
	regexp.MustCompile(`^##-.*-##\s*$`),
}

// TrimReply keeps what the customer wrote: it stops at the first line
// that starts the quoted history (the "reply above this line" marker, an
// "On … wrote:" line, a forwarded-message header), drops quoted ">" lines
// and a trailing signature, and trims blank lines.
func TrimReply(body string) string {
	body = strings.ReplaceAll(strings.ReplaceAll(body, "\r\n", "\n"), "\r", "\n")
	var out []string
lines:
	for _, l := range strings.Split(body, "\n") {
		t := strings.TrimSpace(l)
		for _, re := range quoteStartRes {
			if re.MatchString(t) {
				break lines
			}
		}
		if t == "--" || l == "-- " {
			break
		}
		if strings.HasPrefix(t, ">") {
			continue
		}
		out = append(out, strings.TrimRight(l, " \t"))
	}
	return strings.TrimSpace(strings.Join(out, "\n"))
}
