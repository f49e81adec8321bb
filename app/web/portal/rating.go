package portal

import (
	"errors"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"portico/app/desk"
	"portico/app/mail"
	"portico/app/model"
	"portico/app/store"
	"portico/app/web/core"
	"portico/app/web/form"
)

// ratingPanel is the panel of a closed ticket, or nil when there is none
// to show (an open ticket, or ratings off).
func (s *Handler) ratingPanel(c *fiber.Ctx, t *store.TicketDetail) (*core.RatePanel, error) {
	if !core.SettingsOf(c).Rating.On() {
		return nil, nil
	}
	rs, err := store.RatingState(c.UserContext(), s.Store.DB, t.ID, t.Closed, time.Now())
	if err != nil || rs == nil {
		return nil, err
	}
	return core.NewRatePanel(t.ID, rs, desk.MaxRatingComment), nil
}

// rateInput reads and checks the rating form.
func rateInput(c *fiber.Ctx, r *core.RatePanel) {
	r.Score = c.FormValue("score")
	r.Comment = strings.TrimSpace(strings.ReplaceAll(c.FormValue("comment"), "\r\n", "\n"))
	if !model.ValidRatingScore(r.Score) {
		r.Score = ""
		r.Errors["score"] = "rating.score_required"
	}
	if len(r.Comment) > desk.MaxRatingComment {
		r.Errors["comment"] = "rating.comment_too_long"
	}
}

// RatingSave records or changes the viewer's rating of a closed ticket
// from the portal.
func (s *Handler) RatingSave(c *fiber.Ctx) error {
	t, err := s.visibleTicket(c)
	if err != nil {
		return err
	}
	r, err := s.ratingPanel(c, t)
	if err != nil {
		return err
	}
	if r == nil {
		return core.ErrNotFound
	}
	rateInput(c, r)
	if !r.Errors.Any() && !r.State.Open {
		r.Errors["score"] = "rating.closed"
	}
	if !r.Errors.Any() && !s.AllowContactPost(c, "rating", s.Posts.ReplyPerContact, s.Posts.ReplyPerIP) {
		return core.ErrRateLimited
	}
	if !r.Errors.Any() {
		err = s.Desk.Rate(c.UserContext(), core.IP(c), core.ContactOf(c).ID, t.ID, r.State.Close.ID, r.Score, r.Comment)
		if errors.Is(err, store.ErrRatingClosed) {
			r.Errors["score"] = "rating.closed"
		} else if err != nil {
			return err
		}
	}
	if r.Errors.Any() {
		m, err := s.ticketView(c, t, form.Reply{}, form.Errors{})
		if err != nil {
			return err
		}
		m["Rating"] = r
		return s.Page(c, fiber.StatusUnprocessableEntity, "pages/portal/ticket", m)
	}
	return core.Redirect(c, "/portal/tickets/"+strconv.FormatInt(t.ID, 10)+"?rated=1#rating")
}

// rateLink checks a signed link of the closing email and loads what it
// stands for: the ticket, seen by the link's contact as the visibility
// function decides now, and that ticket's rating panel.
func (s *Handler) rateLink(c *fiber.Ctx, tok string) (*mail.RatingClaim, *store.TicketDetail, *core.RatePanel, error) {
	claim, err := mail.VerifyRating(s.Secret, tok, time.Now())
	if err != nil {
		return nil, nil, nil, errRateLink
	}
	ctx := c.UserContext()
	ct, err := store.ContactByID(ctx, s.Store.DB, claim.ContactID)
	if core.IsNotFound(err) || (err == nil && ct.Disabled) {
		return nil, nil, nil, errRateLink
	}
	if err != nil {
		return nil, nil, nil, err
	}
	st := core.SettingsOf(c)
	v := store.Viewer{ContactID: ct.ID}
	if core.CanSeeCompany(st, ct) {
		v.CompanyID = *ct.CompanyID
	}
	t, err := s.Store.VisibleTicket(ctx, s.Store.DB, v, claim.TicketID)
	if core.IsNotFound(err) {
		return nil, nil, nil, errRateLink
	}
	if err != nil {
		return nil, nil, nil, err
	}
	r, err := s.ratingPanel(c, t)
	if err != nil {
		return nil, nil, nil, err
	}
	if r == nil || r.State.Close.ID != claim.CloseID {
		return nil, nil, nil, errRateLink
	}
	r.Token, r.Score = tok, claim.Score
	return &claim, t, r, nil
}

// errRateLink is a rating link that is forged, expired, or for a close or
// a ticket its contact can no longer rate.
var errRateLink = errors.New("portal: rating link not usable")

func (s *Handler) rateLinkRefused(c *fiber.Ctx) error {
	l := core.LocaleOf(c)
	return s.Page(c, fiber.StatusNotFound, "pages/portal/message", fiber.Map{
		"Title": l.T("rating.link_title"), "Heading": l.T("rating.link_title"), "Body": l.T("rating.link_body"),
		"Status": fiber.StatusNotFound,
	})
}

// RateLink is where a rating link of the closing email lands. It shows
// the choice and a comment box and changes nothing: a link scanner that
// follows it does not vote.
func (s *Handler) RateLink(c *fiber.Ctx) error {
	_, t, r, err := s.rateLink(c, c.Params("token"))
	if errors.Is(err, errRateLink) {
		return s.rateLinkRefused(c)
	}
	if err != nil {
		return err
	}
	r.Saved = c.Query("rated") == "1"
	return s.Page(c, fiber.StatusOK, "pages/portal/rate", fiber.Map{"Title": core.LocaleOf(c).T("rating.title"), "Ticket": t, "Rating": r})
}

// RateConfirm records the rating of a link of the closing email. The
// customer may be logged out, so there is no session token to check: the
// signed link itself, sent again in the form's hidden field, and a
// same-origin check of the request stand in for it.
func (s *Handler) RateConfirm(c *fiber.Ctx) error {
	tok := c.Params("token")
	if string(c.Request().PostArgs().Peek("token")) != tok || !s.sameOrigin(c) {
		return fiber.ErrForbidden
	}
	claim, t, r, err := s.rateLink(c, tok)
	if errors.Is(err, errRateLink) {
		return s.rateLinkRefused(c)
	}
	if err != nil {
		return err
	}
	// The link stands for one score: the form may add a comment only.
	rateInput(c, r)
	r.Score = claim.Score
	delete(r.Errors, "score")
	if !r.Errors.Any() && !r.State.Open {
		r.Errors["score"] = "rating.closed"
	}
	if !r.Errors.Any() {
		ctx := c.UserContext()
		byContact := s.Limiter.Allow(ctx, "rating:contact:"+strconv.FormatInt(claim.ContactID, 10), s.Posts.ReplyPerContact, time.Hour)
		byIP := s.Limiter.Allow(ctx, "rating:ip:"+core.IP(c), s.Posts.ReplyPerIP, time.Hour)
		if !byContact || !byIP {
			return core.ErrRateLimited
		}
		err = s.Desk.Rate(ctx, core.IP(c), claim.ContactID, t.ID, claim.CloseID, r.Score, r.Comment)
		if errors.Is(err, store.ErrRatingClosed) {
			r.Errors["score"] = "rating.closed"
		} else if err != nil {
			return err
		}
	}
	if r.Errors.Any() {
		return s.Page(c, fiber.StatusUnprocessableEntity, "pages/portal/rate", fiber.Map{"Title": core.LocaleOf(c).T("rating.title"), "Ticket": t, "Rating": r})
	}
	return core.Redirect(c, "/portal/rate/"+tok+"?rated=1")
}

// sameOrigin refuses a cross-site POST: the browser's Sec-Fetch-Site, and
// the Origin (or, without it, the Referer) must name this site, by its
// configured base URL or the address the request came to.
func (s *Handler) sameOrigin(c *fiber.Ctx) bool {
	if sf := c.Get("Sec-Fetch-Site"); sf != "" && sf != "same-origin" {
		return false
	}
	from := c.Get(fiber.HeaderOrigin)
	if from == "" {
		ref := c.Get(fiber.HeaderReferer)
		if ref == "" {
			return true
		}
		u, err := url.Parse(ref)
		if err != nil {
			return false
		}
		from = u.Scheme + "://" + u.Host
	}
	if from == c.Protocol()+"://"+c.Hostname() {
		return true
	}
	m, err := s.Mailer()
	if err != nil {
		return false
	}
	base, err := url.Parse(m.BaseURL(core.SettingsOf(c)))
	return err == nil && base.Host != "" && from == base.Scheme+"://"+base.Host
}

// ratingFor is the ticket page's rating panel, with the "saved" notice
// after a rating.
func (s *Handler) ratingFor(c *fiber.Ctx, t *store.TicketDetail) (*core.RatePanel, error) {
	r, err := s.ratingPanel(c, t)
	if r != nil {
		r.Saved = c.Query("rated") == "1"
	}
	return r, err
}
