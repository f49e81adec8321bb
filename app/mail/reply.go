package mail

import (
	"regexp"
	"strings"
)

// replyPrefix starts the local part of every reply address.
const replyPrefix = "reply+"

// ReplyAddress is the address a contact answers a ticket notification to:
// reply+<ticket>-<contact>-<signature>@<reply domain>. It is "" when
// replies by email are off.
func (m *Mailer) ReplyAddress(ticketID, contactID int64) string {
	if m.cfg.ReplyDomain == "" || len(m.cfg.Secret) == 0 {
		return ""
	}
	return replyPrefix + pairToken(m.cfg.Secret, purposeReply, ticketID, contactID) + "@" + m.cfg.ReplyDomain
}

// ParseReplyAddress checks a recipient address and returns the ticket and
// contact it was made for. A wrong domain, a malformed address and a bad
// signature all fail the same way.
func ParseReplyAddress(secret []byte, domain, addr string) (ticketID, contactID int64, ok bool) {
	addr = strings.ToLower(strings.Trim(strings.TrimSpace(addr), "<>"))
	at := strings.LastIndexByte(addr, '@')
	if at < 0 || !strings.EqualFold(addr[at+1:], domain) {
		return 0, 0, false
	}
	tok, ok := strings.CutPrefix(addr[:at], replyPrefix)
	if !ok {
		return 0, 0, false
	}
	return parsePairToken(secret, purposeReply, tok)
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
