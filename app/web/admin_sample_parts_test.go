package web

import (
	"html"
	"net/http"
	"os"
	"strings"
	"testing"

	"portico/app/auth"
	"portico/app/demo"
	"portico/app/i18n"
	"portico/app/model"
	"portico/app/testutil"
)

// The settings' previews of the parts customers work together with: the
// ticket's audience, solving and reopening, ratings, notification choices
// and "Your data". Each shows the saved settings, and none reads or
// writes a customer's rows.

func TestSamplePartsSQLite(t *testing.T) {
	t.Parallel()
	samplePartsSuite(t, newPortal(t))
}

func TestSamplePartsPostgresRedis(t *testing.T) {
	t.Parallel()
	if os.Getenv("PORTICO_TEST_DATABASE_URL") == "" {
		testutil.Unavailable(t, "postgres", "PORTICO_TEST_DATABASE_URL is not set")
	}
	rc, prefix := testutil.Redis(t)
	samplePartsSuite(t, newHarnessOn(t, testutil.Postgres(t), withSessions(&auth.RedisSessions{Client: rc, Prefix: prefix},
		&auth.RedisLimiter{Client: rc, Prefix: prefix, Fallback: auth.NewMemoryLimiter()})))
}

// samplePages lists the new previews with a text each must show.
var sampleParts = []string{"detail", "closed", "rate", "notifications", "mydata"}

func samplePartsSuite(t *testing.T, h *harness) {
	bundle, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	// tr is a text of the locale as the page shows it, escaped.
	tr := func(lang, key string, args ...any) string {
		return html.EscapeString(bundle.Locale(lang).T(key, args...))
	}
	h.updateSettings(func(st *model.PortalSettings) {
		st.Languages = []string{"en", "es"}
		st.Permission = model.PermissionCompany
		st.ShareAnyAddress, st.Notify.AgentsAlways, st.MyData.NoSelfDeletion = false, false, false
		st.Rating = model.RatingSettings{}
	})
	h.exec("UPDATE pipelines SET reopen_policy = ?, reopen_days = ?", model.ReopenFollowUp, 0)
	admin := h.recStaff(demo.AdminEmail)
	tables := []string{"tickets", "ticket_contacts", "ticket_ratings", "ticket_closes", "ticket_mutes", "contact_notify_prefs", "deletion_requests", "audit_log"}
	before := map[string]int{}
	for _, tb := range tables {
		before[tb] = h.recCount("SELECT count(*) FROM " + tb)
	}
	get := func(page, lang string) string {
		t.Helper()
		res, body := admin.get("/admin/portal/sample/"+page+"?lang="+lang, false)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("%s in %s: %d", page, lang, res.StatusCode)
		}
		return body
	}

	t.Run("EveryPageInEveryLanguage", func(t *testing.T) {
		for _, lang := range []string{"en", "es"} {
			company := bundle.Locale(lang).T("sample.company_name")
			want := map[string][]string{
				"detail": {tr(lang, "share.title"), tr(lang, "sample.colleague_name"), tr(lang, "share.why_participant_by", bundle.Locale(lang).T("sample.contact_name")),
					tr(lang, "share.everyone_at", company), tr(lang, "share.hint_company", company), tr(lang, "solve.title"), tr(lang, "solve.button"), tr(lang, "notify.mute")},
				"closed":        {tr(lang, "rating.title"), tr(lang, "rating.submit"), tr(lang, "solve.closed_title"), tr(lang, "solve.reply_follows_up"), tr(lang, "share.title")},
				"rate":          {tr(lang, "rating.confirm"), tr(lang, "rating.confirm_intro", bundle.Locale(lang).T("rating.score.good"), 1036)},
				"notifications": {tr(lang, "notify.legend"), `value="none"`, tr(lang, "notify.choice_none")},
				"mydata":        {tr(lang, "mydata.json_title"), tr(lang, "mydata.delete_submit")},
			}
			for _, page := range sampleParts {
				body := get(page, lang)
				if !strings.Contains(body, `<html lang="`+lang+`"`) || !strings.Contains(body, tr(lang, "layout.sample")) {
					t.Errorf("%s in %s: not in that language, or without the sample banner", page, lang)
				}
				for _, w := range want[page] {
					if !strings.Contains(body, w) {
						t.Errorf("%s in %s: lacks %q", page, lang, w)
					}
				}
				// A preview's forms post nowhere (no action, no token), and
				// its own links lead to the other previews.
				for _, bad := range []string{`method="post"`, "hx-post", `name="_csrf"`, "Ana", demo.AnaEmail,
					`href="/portal/me/`, `href="/portal/notifications"`, `href="/portal/tickets/1036"`, `href="/portal/tickets/1040`} {
					if strings.Contains(body, bad) {
						t.Errorf("%s in %s: shows %q", page, lang, bad)
					}
				}
			}
		}
	})

	t.Run("SwitchesChangeThePreviews", func(t *testing.T) {
		if body := get("closed", "en"); !strings.Contains(body, "data-rating") {
			t.Fatal("ratings on: the closed ticket has no rating panel")
		}
		if body := get("mydata", "en"); !strings.Contains(body, `id="deletion-submit"`) {
			t.Fatal("self-service deletion on: no deletion form")
		}
		h.updateSettings(func(st *model.PortalSettings) {
			st.Rating.Off, st.MyData.NoSelfDeletion, st.Notify.AgentsAlways, st.ShareAnyAddress = true, true, true, true
			st.Permission = model.PermissionContact
		})
		if body := get("closed", "en"); strings.Contains(body, "data-rating") || strings.Contains(body, tr("en", "rating.title")) {
			t.Error("ratings off: the closed ticket still shows the rating panel")
		}
		if body := get("rate", "en"); !strings.Contains(body, tr("en", "rating.link_title")) || strings.Contains(body, tr("en", "rating.confirm")) {
			t.Error("ratings off: the rating link's page still offers to rate")
		}
		if body := get("mydata", "en"); strings.Contains(body, `id="deletion-submit"`) || strings.Contains(body, tr("en", "mydata.delete_title")) {
			t.Error("deletion off: the deletion form is still shown")
		}
		if body := get("notifications", "es"); strings.Contains(body, `value="none"`) || !strings.Contains(body, `value="agents"`) {
			t.Error("agents' replies always sent: \"none\" is still offered")
		}
		body := get("detail", "en")
		if !strings.Contains(body, tr("en", "share.hint_any")) || strings.Contains(body, tr("en", "share.hint_company", "Example Ltd")) {
			t.Error("sharing with any address: the help text did not change")
		}
		if strings.Contains(body, tr("en", "share.everyone_at", "Example Ltd")) {
			t.Error("contact permission: the company still sees the sample ticket")
		}
		// The closed ticket says what a reply does under the default
		// pipeline's policy.
		h.exec("UPDATE pipelines SET reopen_policy = ?, reopen_days = ?", model.ReopenWithin, 14)
		if body := get("closed", "en"); !strings.Contains(body, tr("en", "solve.reply_reopens")) {
			t.Error("reopen within 14 days: the closed sample does not say a reply reopens it")
		}
		h.exec("UPDATE pipelines SET reopen_policy = ?, reopen_days = ?", model.ReopenReadOnly, 0)
		if body := get("closed", "en"); !strings.Contains(body, tr("en", "solve.read_only")) {
			t.Error("read-only: the closed sample does not say it takes no replies")
		}
	})

	t.Run("WritesNothing", func(t *testing.T) {
		for _, tb := range tables {
			if n := h.recCount("SELECT count(*) FROM " + tb); n != before[tb] {
				t.Errorf("%s: %d rows before the previews, %d after", tb, before[tb], n)
			}
		}
	})

	t.Run("SettingsStaffOnly", func(t *testing.T) {
		agent := h.recStaff(demo.AgentEmail)
		anon := h.client()
		for _, page := range sampleParts {
			if res, _ := agent.get("/admin/portal/sample/"+page, false); res.StatusCode != http.StatusForbidden {
				t.Errorf("%s for an agent without the settings permission: %d", page, res.StatusCode)
			}
			res, _ := anon.get("/admin/portal/sample/"+page, false)
			if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/admin/login") {
				t.Errorf("%s anonymous: %d %q", page, res.StatusCode, res.Header.Get("Location"))
			}
		}
	})

	t.Run("SettingsPageLinksThem", func(t *testing.T) {
		_, body := admin.get("/admin/portal", false)
		for _, page := range sampleParts {
			for _, lang := range []string{"en", "es"} {
				if !strings.Contains(body, `href="/admin/portal/sample/`+page+`?lang=`+lang+`"`) {
					t.Errorf("the permissions section has no link to the %s preview in %s", page, lang)
				}
			}
		}
	})
}
