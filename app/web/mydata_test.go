package web

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"html"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"portico/app/demo"
	"portico/app/model"
	"portico/app/store"
	"portico/app/web/portal"
)

func TestMyDataExportSQLite(t *testing.T) {
	t.Parallel()
	testMyDataExport(t, newPortal(t))
}

func TestMyDataExportPostgresRedis(t *testing.T) {
	t.Parallel()
	h, _, _ := ptHarness(t, true)
	testMyDataExport(t, h)
}

type mdExport struct {
	Profile struct {
		ID    int64  `json:"id"`
		Name  string `json:"name"`
		Email string `json:"email"`
	} `json:"profile"`
	Consents []struct {
		Label string `json:"label"`
	} `json:"consents"`
	Tickets []struct {
		ID       int64  `json:"id"`
		Subject  string `json:"subject"`
		Messages []struct {
			ID          int64  `json:"id"`
			Body        string `json:"body"`
			Attachments []struct {
				ID       int64  `json:"id"`
				Filename string `json:"filename"`
				Size     int64  `json:"size"`
			} `json:"attachments"`
		} `json:"messages"`
	} `json:"tickets"`
}

var mdArticleRe = regexp.MustCompile(`<article `)

// mdDownload fetches the JSON export and checks its headers.
func mdDownload(t *testing.T, c *client) mdExport {
	t.Helper()
	res, body := c.get("/portal/me/data.json", false)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("export: status %d", res.StatusCode)
	}
	if cc := res.Header.Get("Cache-Control"); !strings.Contains(cc, "no-store") {
		t.Errorf("export: Cache-Control %q", cc)
	}
	if cd := res.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment") {
		t.Errorf("export: Content-Disposition %q", cd)
	}
	var e mdExport
	if err := json.Unmarshal([]byte(body), &e); err != nil {
		t.Fatalf("export is no JSON: %v\n%s", err, body)
	}
	return e
}

func testMyDataExport(t *testing.T, h *harness) {
	ctx := context.Background()
	// A filter rule hides every ticket of one priority from the portal.
	var hiddenPriority string
	if err := h.st.DB.QueryRowContext(ctx, "SELECT priority FROM tickets ORDER BY id LIMIT 1").Scan(&hiddenPriority); err != nil {
		t.Fatal(err)
	}
	h.updateSettings(func(s *model.PortalSettings) {
		s.Filters = []model.FilterRule{{Property: "priority", Operator: model.OpIsNot, Values: []string{hiddenPriority}}}
	})
	var all []int64
	rows, err := h.st.DB.QueryContext(ctx, "SELECT id FROM tickets ORDER BY id")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id int64
		_ = rows.Scan(&id)
		all = append(all, id)
	}
	rows.Close()
	hiddenByRule := h.count("SELECT COUNT(*) FROM tickets WHERE priority = ?", hiddenPriority)
	if hiddenByRule == 0 {
		t.Fatal("the filter rule hides nothing")
	}

	zipped, withheld := 0, 0
	for _, email := range []string{demo.AnaEmail, demo.BenEmail, demo.GinaEmail, demo.CarlaEmail} {
		c := h.client()
		c.as(email)
		if _, page := c.get("/portal/me/data", false); !strings.Contains(page, `href="/portal/me/data.json"`) ||
			!strings.Contains(page, `<a href="/portal/me/data" aria-current="page"`) {
			t.Fatalf("%s: the Your data page lacks the JSON download or the header's current link", email)
		}
		e := mdDownload(t, c)
		if e.Profile.Email != email || e.Profile.ID != h.contactID(email) {
			t.Errorf("%s: profile %+v", email, e.Profile)
		}
		exported := map[int64]int{}
		for i, tk := range e.Tickets {
			exported[tk.ID] = i
		}
		// Every ticket whose portal page opens is in the export, and no other.
		visible := 0
		for _, id := range all {
			res, page := c.get("/portal/tickets/"+strconv.FormatInt(id, 10), false)
			i, in := exported[id]
			if res.StatusCode != http.StatusOK {
				if in {
					t.Errorf("%s: ticket %d is exported but its page answers %d", email, id, res.StatusCode)
				}
				continue
			}
			visible++
			if !in {
				t.Errorf("%s: ticket %d is shown but not exported", email, id)
				continue
			}
			tk := e.Tickets[i]
			// Notes, comments and older threads' messages this ticket holds,
			// which neither the page nor the export may show.
			withheld += h.count(`SELECT COUNT(*) FROM messages AS m WHERE m.ticket_id = ? AND (m.kind <> ? OR m.thread_id <>
				(SELECT th.id FROM threads AS th WHERE th.ticket_id = m.ticket_id ORDER BY th.created_at DESC, th.id DESC LIMIT 1))`,
				id, model.KindPublic)
			if got := len(mdArticleRe.FindAllString(page, -1)); got != len(tk.Messages) {
				t.Errorf("%s: ticket %d shows %d messages, the export has %d", email, id, got, len(tk.Messages))
			}
			for _, m := range tk.Messages {
				if !strings.Contains(page, html.EscapeString(m.Body)) {
					t.Errorf("%s: ticket %d: exported message %d is not on the page", email, id, m.ID)
				}
				// Never a note or comment, never an older thread's message.
				if n := h.count(`SELECT COUNT(*) FROM messages AS m WHERE m.id = ? AND m.kind = ? AND m.thread_id =
					(SELECT th.id FROM threads AS th WHERE th.ticket_id = m.ticket_id ORDER BY th.created_at DESC, th.id DESC LIMIT 1)`,
					m.ID, model.KindPublic); n != 1 {
					t.Errorf("%s: ticket %d: message %d is not a public message of the latest thread", email, id, m.ID)
				}
			}
		}
		if visible != len(e.Tickets) {
			t.Errorf("%s: %d tickets shown, %d exported", email, visible, len(e.Tickets))
		}
		if visible == 0 {
			t.Errorf("%s: sees no ticket; the check proves nothing", email)
		}
		for _, tk := range e.Tickets {
			if n := h.count("SELECT COUNT(*) FROM tickets WHERE id = ? AND priority = ?", tk.ID, hiddenPriority); n != 0 {
				t.Errorf("%s: ticket %d, hidden by the filter rule, is exported", email, tk.ID)
			}
		}

		// The ZIP holds exactly the attachments the portal serves, byte for byte.
		res, body := c.get("/portal/me/attachments.zip", false)
		if res.StatusCode != http.StatusOK || !strings.Contains(res.Header.Get("Cache-Control"), "no-store") ||
			!strings.HasPrefix(res.Header.Get("Content-Disposition"), "attachment") {
			t.Fatalf("%s: zip status %d, headers %v", email, res.StatusCode, res.Header)
		}
		zr, err := zip.NewReader(bytes.NewReader([]byte(body)), int64(len(body)))
		if err != nil {
			t.Fatalf("%s: zip: %v", email, err)
		}
		want := map[string]int64{}
		for _, tk := range e.Tickets {
			for _, m := range tk.Messages {
				for _, a := range m.Attachments {
					att := &model.Attachment{ID: a.ID, TicketID: tk.ID, Filename: a.Filename}
					want[portal.ZipName(att)] = a.ID
				}
			}
		}
		if len(zr.File) != len(want) {
			t.Errorf("%s: zip has %d files, the export lists %d attachments", email, len(zr.File), len(want))
		}
		zipped += len(zr.File)
		for _, f := range zr.File {
			id, ok := want[f.Name]
			if !ok {
				t.Errorf("%s: zip holds %s, which the export does not list", email, f.Name)
				continue
			}
			rc, err := f.Open()
			if err != nil {
				t.Fatal(err)
			}
			var got bytes.Buffer
			_, _ = got.ReadFrom(rc)
			rc.Close()
			res, served := c.get("/portal/attachments/"+strconv.FormatInt(id, 10), false)
			if res.StatusCode != http.StatusOK || served != got.String() {
				t.Errorf("%s: %s differs from the attachment the portal serves (status %d)", email, f.Name, res.StatusCode)
			}
			a := &model.Attachment{ID: id}
			if err := h.st.DB.NewSelect().Model(a).WherePK().Scan(ctx); err != nil {
				t.Fatal(err)
			}
			raw, err := store.ReadAttachment(h.st.DB, a)
			if err != nil || !bytes.Equal(raw, got.Bytes()) {
				t.Errorf("%s: %s is not the stored bytes", email, f.Name)
			}
		}
	}

	if withheld == 0 {
		t.Error("no visible ticket holds a note or an older thread; the check proves nothing")
	}
	if zipped == 0 {
		t.Error("no demo contact has an attachment in the ZIP; the check proves nothing")
	}

	// Logged out, nothing downloads.
	anon := h.client()
	for _, p := range []string{"/portal/me/data", "/portal/me/data.json", "/portal/me/attachments.zip"} {
		res, body := anon.get(p, false)
		if res.StatusCode == http.StatusOK && (strings.Contains(body, `"profile"`) || strings.HasPrefix(body, "PK")) {
			t.Errorf("%s answers a visitor with data", p)
		}
	}
}
