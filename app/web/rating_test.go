package web

import (
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"portico/app/demo"
	"portico/app/mail"
	"portico/app/model"
	"portico/app/store"
)

func TestRatingSQLite(t *testing.T) {
	t.Parallel()
	testRating(t, false)
}

func TestRatingPostgresRedis(t *testing.T) {
	t.Parallel()
	testRating(t, true)
}

var rtLinkRe = regexp.MustCompile(`https?://[^\s"<>]+/portal/rate/[A-Za-z0-9._-]+`)

// rtLinks are the rating links of the last closing email to an address,
// by score.
func rtLinks(t *testing.T, h *harness, addr string) map[string]string {
	t.Helper()
	ms := h.mlMailsTo(addr, mail.KindClosed)
	if len(ms) == 0 {
		t.Fatalf("no closing mail to %s", addr)
	}
	out := map[string]string{}
	for _, l := range rtLinkRe.FindAllString(ms[len(ms)-1].TextBody, -1) {
		for _, s := range model.RatingScores {
			if strings.Contains(l, "."+s+".") {
				out[s] = mlPath(l)
			}
		}
	}
	if len(out) != 3 {
		t.Fatalf("closing mail has %d rating links, want 3: %s", len(out), ms[len(ms)-1].TextBody)
	}
	// The HTML part offers the same links, as links.
	for _, l := range out {
		if !strings.Contains(ms[len(ms)-1].HTMLBody, `href="http://`) || !strings.Contains(ms[len(ms)-1].HTMLBody, l+`"`) {
			t.Fatalf("the HTML part lacks the link %s", l)
		}
	}
	return out
}

// rtPost posts a form with extra headers, as a browser on another site
// would.
func rtPost(c *client, path string, form url.Values, headers map[string]string) *http.Response {
	c.h.t.Helper()
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	res, _ := c.do(req)
	return res
}

func testRating(t *testing.T, postgres bool) {
	h, _, _ := ptHarness(t, postgres)
	staff := h.mlStaff(demo.AgentEmail)
	s := func(n int64) string { return fmt.Sprint(n) }
	pipeline := h.recInt("SELECT pipeline_id FROM tickets WHERE id = 22")
	closedStage := h.recInt("SELECT id FROM stages WHERE pipeline_id = ? AND is_closed = ? ORDER BY position, id LIMIT 1", pipeline, true)
	openStage := h.recInt("SELECT id FROM stages WHERE pipeline_id = ? AND is_closed = ? ORDER BY position, id LIMIT 1", pipeline, false)
	agent := h.recInt("SELECT id FROM staff_users WHERE email = ?", demo.AgentEmail)
	move := func(stage int64) {
		t.Helper()
		res, body := staff.post("/admin/tickets/22/properties", recVals("pipeline", s(pipeline), "stage", s(stage), "priority", "", "owner", s(agent)), false)
		if res.StatusCode != http.StatusSeeOther && res.StatusCode != http.StatusOK {
			t.Fatalf("stage change: %d %.300s", res.StatusCode, body)
		}
	}
	ratings := func() int { return h.recCount("SELECT count(*) FROM ticket_ratings WHERE ticket_id = 22") }
	score := func() string {
		var sc string
		if err := h.st.DB.NewRaw("SELECT score FROM ticket_ratings WHERE ticket_id = 22 ORDER BY close_id DESC LIMIT 1").Scan(t.Context(), &sc); err != nil {
			t.Fatal(err)
		}
		return sc
	}

	// An agent closes the ticket: one close, one closing mail with three
	// signed links.
	move(closedStage)
	if n := h.recCount("SELECT count(*) FROM ticket_closes WHERE ticket_id = 22"); n != 1 {
		t.Fatalf("closes after the first close: %d, want 1", n)
	}
	links := rtLinks(t, h, demo.AnaEmail)

	// A link scanner follows every link: the page shows the choice, and
	// nothing is recorded.
	scanner := h.client()
	for sc, l := range links {
		res, body := scanner.get(l, false)
		if res.StatusCode != http.StatusOK || !strings.Contains(body, `name="token"`) || !strings.Contains(body, recT(h, "rating.score."+sc)) {
			t.Fatalf("rating page for %s: %d %.400s", sc, res.StatusCode, body)
		}
	}
	if ratings() != 0 {
		t.Fatal("a GET of a rating link voted")
	}

	// Forged, altered and expired tokens are refused.
	good := links[model.RatingGood]
	tok := strings.TrimPrefix(good, "/portal/rate/")
	altered := "/portal/rate/" + strings.Replace(tok, ".good.", ".bad.", 1)
	ana := h.contactID(demo.AnaEmail)
	closeID := h.recInt("SELECT id FROM ticket_closes WHERE ticket_id = 22")
	expired := "/portal/rate/" + mail.SignRating(h.srv.Secret, mail.RatingClaim{TicketID: 22, ContactID: ana, CloseID: closeID, Score: "good", Expires: time.Now().Add(-time.Minute)})
	forged := "/portal/rate/" + mail.SignRating([]byte("not-the-server-secret-not-the-server"), mail.RatingClaim{TicketID: 22, ContactID: ana, CloseID: closeID, Score: "good", Expires: time.Now().Add(time.Hour)})
	for _, p := range []string{altered, expired, forged, "/portal/rate/garbage"} {
		if res, _ := scanner.get(p, false); res.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", p, res.StatusCode)
		}
		tk := strings.TrimPrefix(p, "/portal/rate/")
		if res := rtPost(scanner, p, url.Values{"token": {tk}, "comment": {"x"}}, nil); res.StatusCode != http.StatusNotFound {
			t.Errorf("POST %s: %d, want 404", p, res.StatusCode)
		}
	}
	// A contact who can't see the ticket: a valid signature does not help.
	gina := h.contactID(demo.GinaEmail)
	ginaTok := "/portal/rate/" + mail.SignRating(h.srv.Secret, mail.RatingClaim{TicketID: 22, ContactID: gina, CloseID: closeID, Score: "good", Expires: time.Now().Add(time.Hour)})
	if res, _ := scanner.get(ginaTok, false); res.StatusCode != http.StatusNotFound {
		t.Errorf("a link for a contact who can't see the ticket: %d, want 404", res.StatusCode)
	}
	g := h.mlContact(demo.GinaEmail)
	if res, _ := g.post("/portal/tickets/22/rating", url.Values{"score": {"bad"}}, false); res.StatusCode != http.StatusNotFound {
		t.Errorf("Gina rates Ana's ticket: %d, want 404", res.StatusCode)
	}
	// Cross-site posts, and posts without the token in the body.
	if res := rtPost(scanner, good, url.Values{"token": {tok}}, map[string]string{"Origin": "https://evil.example"}); res.StatusCode != http.StatusForbidden {
		t.Errorf("cross-origin POST: %d, want 403", res.StatusCode)
	}
	if res := rtPost(scanner, good, url.Values{"token": {tok}}, map[string]string{"Sec-Fetch-Site": "cross-site"}); res.StatusCode != http.StatusForbidden {
		t.Errorf("cross-site POST: %d, want 403", res.StatusCode)
	}
	if res := rtPost(scanner, good, url.Values{"comment": {"x"}}, nil); res.StatusCode != http.StatusForbidden {
		t.Errorf("POST without the token: %d, want 403", res.StatusCode)
	}
	if ratings() != 0 {
		t.Fatal("a refused request voted")
	}

	// The confirmation page's form records the link's score, logged out.
	res := rtPost(scanner, good, url.Values{"token": {tok}, "score": {"bad"}, "comment": {"Quick and kind (kiwi)."}},
		map[string]string{"Origin": "http://example.com", "Sec-Fetch-Site": "same-origin"})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("confirm: %d, want 303", res.StatusCode)
	}
	if ratings() != 1 || score() != model.RatingGood {
		t.Fatalf("after the email confirm: %d ratings, score %q; want 1 good", ratings(), score())
	}
	if n := h.recCount("SELECT count(*) FROM ticket_ratings WHERE ticket_id = 22 AND comment = ? AND contact_id = ? AND owner_id = ?", "Quick and kind (kiwi).", ana, agent); n != 1 {
		t.Error("the rating lacks its comment, contact or owner")
	}

	// The portal: Ana sees her rating and changes it.
	a := h.mlContact(demo.AnaEmail)
	_, body := a.get("/portal/tickets/22", false)
	if !strings.Contains(body, `data-rated="good"`) || !strings.Contains(body, "kiwi") || !strings.Contains(body, `value="good" class="h-4 w-4 accent-brand" checked`) {
		t.Fatalf("the ticket page lacks the rating: %.300s", body)
	}
	if res, body := a.post("/portal/tickets/22/rating", url.Values{"score": {"nope"}, "comment": {"kept text"}}, false); res.StatusCode != http.StatusUnprocessableEntity ||
		!strings.Contains(body, recT(h, "rating.score_required")) || !strings.Contains(body, "kept text") {
		t.Errorf("bad score: %d", res.StatusCode)
	}
	if res, _ := a.post("/portal/tickets/22/rating", url.Values{"score": {"bad"}, "comment": {"=HYPERLINK(\"x\") slow"}}, false); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("portal rating: %d, want 303", res.StatusCode)
	}
	if ratings() != 1 || score() != model.RatingBad {
		t.Fatalf("after the change: %d ratings, score %q; want 1 bad", ratings(), score())
	}

	// The agent sees it on the ticket and in the report.
	_, body = staff.get("/admin/tickets/22", false)
	if !strings.Contains(body, `data-rating="bad"`) || !strings.Contains(body, "=HYPERLINK(&#34;x&#34;) slow") {
		t.Errorf("the agent's ticket page lacks the rating")
	}
	_, body = staff.get("/admin/ratings", false)
	if !strings.Contains(body, `data-report="agent"`) || !regexp.MustCompile(`data-bad>1<`).MatchString(body) || !strings.Contains(body, "slow") {
		t.Errorf("the report lacks the rating: %.500s", body)
	}
	res, csvBody := staff.get("/admin/ratings.csv", false)
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/csv") {
		t.Fatalf("CSV: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	recs, err := csv.NewReader(strings.NewReader(csvBody)).ReadAll()
	if err != nil || len(recs) < 2 || recs[0][0] != "date" {
		t.Fatalf("CSV: %v, %d records", err, len(recs))
	}
	var mine [][]string
	for _, r := range recs[1:] {
		if r[1] == "22" {
			mine = append(mine, r)
		}
	}
	if len(mine) != 1 || mine[0][3] != "bad" || mine[0][4] != "'=HYPERLINK(\"x\") slow" || mine[0][7] == "" {
		t.Errorf("CSV rows of ticket 22: %q", mine)
	}
	// The demo's rated ticket is in the report too.
	_, body = staff.get("/admin/ratings?weeks=52", false)
	_, csvBody = staff.get("/admin/ratings.csv?weeks=52", false)
	if !strings.Contains(csvBody, demo.RatedComment) || !strings.Contains(body, demo.RatedComment) {
		t.Error("the report lacks the demo's rating")
	}

	// After the window, the rating is read-only.
	h.exec("UPDATE ticket_closes SET closed_at = ? WHERE ticket_id = 22", time.Now().Add(-model.RatingWindow-time.Hour).UTC())
	if res, _ := a.post("/portal/tickets/22/rating", url.Values{"score": {"good"}}, false); res.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("a change after 7 days: %d, want 422", res.StatusCode)
	}
	if score() != model.RatingBad {
		t.Error("a change after 7 days was saved")
	}
	_, body = a.get("/portal/tickets/22", false)
	if !strings.Contains(body, recT(h, "rating.read_only")) || strings.Contains(body, `action="/portal/tickets/22/rating"`) {
		t.Error("the panel is not read-only after 7 days")
	}

	// Reopen and close again: a new close, a new rating; the old links no
	// longer work.
	move(openStage)
	_, body = a.get("/portal/tickets/22", false)
	if strings.Contains(body, `id="rating"`) {
		t.Error("an open ticket shows the rating panel")
	}
	move(closedStage)
	if n := h.recCount("SELECT count(*) FROM ticket_closes WHERE ticket_id = 22"); n != 2 {
		t.Fatalf("closes: %d, want 2", n)
	}
	if res, _ := scanner.get(good, false); res.StatusCode != http.StatusNotFound {
		t.Errorf("the first close's link after a new close: %d, want 404", res.StatusCode)
	}
	links2 := rtLinks(t, h, demo.AnaEmail)
	if links2[model.RatingOkay] == links[model.RatingOkay] {
		t.Error("the new close's mail has the old links")
	}
	if res, _ := a.post("/portal/tickets/22/rating", url.Values{"score": {"okay"}}, false); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("rating the new close: %d", res.StatusCode)
	}
	if ratings() != 2 || score() != model.RatingOkay {
		t.Errorf("after the new close: %d ratings, latest %q; want 2, okay", ratings(), score())
	}

	// Ratings off: no panel, no closing mail.
	h.mlSettings(func(st *model.PortalSettings) { st.Rating.Off = true })
	_, body = a.get("/portal/tickets/22", false)
	if strings.Contains(body, `id="rating"`) {
		t.Error("the panel shows with ratings off")
	}
	mails := len(h.mlMailsTo(demo.AnaEmail, mail.KindClosed))
	move(openStage)
	move(closedStage)
	if len(h.mlMailsTo(demo.AnaEmail, mail.KindClosed)) != mails {
		t.Error("a closing mail went out with ratings off")
	}
}

// The rating switch is saved with the permissions section, on by default
// and shown checked in its fragment.
func TestRatingSettingsSwitch(t *testing.T) {
	t.Parallel()
	h := newPortal(t)
	admin := h.mlStaff(demo.AdminEmail)
	_, body := admin.get("/admin/portal", false)
	if !strings.Contains(body, `name="rating_on" value="1" class="mt-1" aria-describedby="rating_on-hint" checked`) {
		t.Fatal("the settings page lacks the rating switch, on")
	}
	read := func() bool {
		t.Helper()
		st, _, err := store.Settings(context.Background(), h.st.DB)
		if err != nil {
			t.Fatal(err)
		}
		return st.Rating.On()
	}
	if res, _ := admin.post("/admin/portal/permissions", url.Values{"permission": {"company"}, "rating_switch": {"1"}}, false); res.StatusCode >= 400 || read() {
		t.Fatalf("switching off: %d, on %v", res.StatusCode, read())
	}
	res, body := admin.post("/admin/portal/permissions", url.Values{"permission": {"company"}, "rating_switch": {"1"}, "rating_on": {"1"}}, true)
	if res.StatusCode != http.StatusOK || !read() || !strings.Contains(body, `aria-describedby="rating_on-hint" checked`) {
		t.Fatalf("switching on: %d, on %v", res.StatusCode, read())
	}
}
