package mail

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"portico/app/model"
	"portico/app/store"
)

// KindClosed is the mail that tells a ticket's contacts it closed and
// asks them to rate it.
const KindClosed = "ticket_closed"

// RatingClaim is what a rating link in the closing email stands for: one
// contact's score for one close of one ticket, until Expires.
type RatingClaim struct {
	TicketID  int64
	ContactID int64
	CloseID   int64
	Score     string
	Expires   time.Time
}

// ErrRatingToken is a rating link that is forged, altered or expired.
var ErrRatingToken = errors.New("mail: invalid or expired rating link")

func ratingMAC(secret []byte, payload string) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("rating:v1:" + payload))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// SignRating makes the token of a rating link: the claim in clear, and an
// HMAC of it with the server's secret.
func SignRating(secret []byte, c RatingClaim) string {
	payload := strconv.FormatInt(c.TicketID, 10) + "." + strconv.FormatInt(c.ContactID, 10) + "." +
		strconv.FormatInt(c.CloseID, 10) + "." + c.Score + "." + strconv.FormatInt(c.Expires.Unix(), 10)
	return payload + "." + ratingMAC(secret, payload)
}

// VerifyRating checks a rating token's signature and expiry.
func VerifyRating(secret []byte, tok string, now time.Time) (RatingClaim, error) {
	if len(tok) > 200 {
		return RatingClaim{}, ErrRatingToken
	}
	i := strings.LastIndexByte(tok, '.')
	if i < 0 {
		return RatingClaim{}, ErrRatingToken
	}
	payload, sig := tok[:i], tok[i+1:]
	if !hmac.Equal([]byte(sig), []byte(ratingMAC(secret, payload))) {
		return RatingClaim{}, ErrRatingToken
	}
	parts := strings.Split(payload, ".")
	if len(parts) != 5 || !model.ValidRatingScore(parts[3]) {
		return RatingClaim{}, ErrRatingToken
	}
	var n [4]int64
	for k, p := range []string{parts[0], parts[1], parts[2], parts[4]} {
		v, err := strconv.ParseInt(p, 10, 64)
		if err != nil || v <= 0 {
			return RatingClaim{}, ErrRatingToken
		}
		n[k] = v
	}
	c := RatingClaim{TicketID: n[0], ContactID: n[1], CloseID: n[2], Score: parts[3], Expires: time.Unix(n[3], 0).UTC()}
	if !now.Before(c.Expires) {
		return RatingClaim{}, ErrRatingToken
	}
	return c, nil
}

// NotifyClosed queues, through tx, the closing email to each enabled
// contact of the ticket, with one signed link per score. A link only
// opens a confirmation page; its form records the rating.
func (m *Mailer) NotifyClosed(ctx context.Context, tx bun.IDB, ticketID int64, cl *model.TicketClose, secret []byte) error {
	st, _, err := store.Settings(ctx, tx)
	if err != nil {
		return err
	}
	t, err := store.TicketForMail(ctx, tx, ticketID)
	if err != nil {
		return err
	}
	// The close is the support team's message: whoever muted the ticket,
	// or takes no mail from the team, gets none.
	cts, err := store.TicketMailRecipients(ctx, tx, ticketID, true, 0, st.Notify.AgentsAlways)
	if err != nil {
		return err
	}
	expires := cl.ClosedAt.Add(model.RatingWindow)
	for i := range cts {
		ct := &cts[i]
		l := m.locale(st, ct.Language)
		b := m.brand(st, l.Code)
		c := content{
			L: l, Brand: b, Greeting: greeting(l, ct.Name),
			Lines:  []string{l.T("mail.closed.body", t.ID, HeaderText(t.Subject, 200)), l.T("mail.closed.ask")},
			Button: l.T("mail.reply.button"),
			URL:    m.Link(st, "/portal/tickets/"+strconv.FormatInt(t.ID, 10), nil),
			After:  []string{l.T("mail.closed.window")},
			Footer: l.T("mail.footer_account", b.Title),
		}
		unsub := m.offerMute(&c, st, t.ID, ct.ID)
		for _, s := range model.RatingScores {
			tok := SignRating(secret, RatingClaim{TicketID: t.ID, ContactID: ct.ID, CloseID: cl.ID, Score: s, Expires: expires})
			c.Choices = append(c.Choices, choice{Label: l.T("rating.score." + s), URL: m.Link(st, "/portal/rate/"+tok, nil)})
		}
		text, html, err := m.render(c)
		if err != nil {
			return err
		}
		if err := enqueueSkipping(ctx, tx, Mail{
			Kind: KindClosed, ToAddr: ct.Email, ToName: ct.Name,
			Subject: l.T("mail.closed.subject", t.ID, t.Subject),
			Text:    text, HTML: html, ListUnsubscribe: unsub,
			DedupeKey: "closed:" + strconv.FormatInt(cl.ID, 10) + ":" + strconv.FormatInt(ct.ID, 10),
		}); err != nil {
			return err
		}
	}
	return nil
}
