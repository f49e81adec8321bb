package web

import (
	"context"
	"net/http"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/uptrace/bun"

	"portico/app/mail"
	"portico/app/model"
	"portico/app/store"
	"portico/app/testutil"
)

// The agents' work: inbox, ticket page, replies and notes, ticket changes,
// associations, phone tickets, access and attachments, on both dialects.
// Every subtest builds its own server on a fresh database with the demo
// data and the agent-reply mail hook wired as in production.

func TestBackOfficeSQLite(t *testing.T) {
	btSuite(t, func(t *testing.T) *store.Store { return testutil.SQLite(t) })
}

func TestBackOfficePostgres(t *testing.T) {
	if os.Getenv("PORTICO_TEST_DATABASE_URL") == "" {
		testutil.Unavailable(t, "postgres", "PORTICO_TEST_DATABASE_URL is not set")
	}
	btSuite(t, func(t *testing.T) *store.Store { return testutil.Postgres(t) })
}

func btSuite(t *testing.T, newStore func(*testing.T) *store.Store) {
	tests := []struct {
		name string
		run  func(*testing.T, *harness)
	}{
		{"Inbox", testBtInbox},
		{"TicketPage", testBtTicketPage},
		{"ReplyAndNote", testBtReplyAndNote},
		{"Properties", testBtProperties},
		{"Associations", testBtAssociations},
		{"PhoneTicket", testBtPhoneTicket},
		{"Access", testBtAccess},
		{"Attachments", testBtAttachments},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.run(t, newHarnessOn(t, newStore(t), btMailHook(t)))
		})
	}
}

// ---------------------------------------------------------------------------
// Helpers. Names start with "bt" so as not to collide with other tests.

// btMailHook gives the server a real mailer and queues the customers'
// notification on an agent's public reply.
func btMailHook(t *testing.T) harnessOpt {
	return func(d *Deps) {
		m, err := mail.NewFromConfig(d.Config, d.Views, d.I18n, d.Secret)
		if err != nil {
			t.Fatal(err)
		}
		d.Mail = m
		d.OnAgentReply = func(ctx context.Context, tx bun.Tx, ticketID int64, msg *model.Message) error {
			return m.NotifyContacts(ctx, tx, ticketID, msg)
		}
	}
}

var (
	btRowRe  = regexp.MustCompile(`<td><a href="/admin/tickets/(\d+)">`)
	btNextRe = regexp.MustCompile(`<a href="([^"]+)" hx-get="[^"]+" rel="next"`)
)

func btRows(body string) []int64 {
	var ids []int64
	for _, m := range btRowRe.FindAllStringSubmatch(body, -1) {
		id, _ := strconv.ParseInt(m[1], 10, 64)
		ids = append(ids, id)
	}
	return ids
}

// btInboxIDs walks every page of an inbox query and returns the ticket IDs
// in the order shown, and the count the page announces.
func btInboxIDs(t *testing.T, c *client, query string) []int64 {
	t.Helper()
	var all []int64
	path := "/admin/inbox?" + query
	for i := 0; path != "" && i < 10; i++ {
		res, body := c.get(path, true)
		recWant(t, "GET "+path, res, http.StatusOK)
		all = append(all, btRows(body)...)
		path = ""
		if m := btNextRe.FindStringSubmatch(body); m != nil {
			path = strings.ReplaceAll(m[1], "&amp;", "&")
		}
	}
	return all
}

// btSQLIDs returns the ticket IDs a query selects, sorted.
func (h *harness) btSQLIDs(query string, args ...any) []int64 {
	h.t.Helper()
	var ids []int64
	if err := h.st.DB.NewRaw(query, args...).Scan(context.Background(), &ids); err != nil {
		h.t.Fatalf("%s: %v", query, err)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	return ids
}

func btSorted(ids []int64) []int64 {
	out := append([]int64(nil), ids...)
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

func btSame(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func (h *harness) btTicket(id int64) *model.Ticket {
	h.t.Helper()
	tk := new(model.Ticket)
	if err := h.st.DB.NewSelect().Model(tk).Where("id = ?", id).Scan(context.Background()); err != nil {
		h.t.Fatalf("ticket %d: %v", id, err)
	}
	return tk
}

func btPath(id int64, rest string) string {
	return "/admin/tickets/" + strconv.FormatInt(id, 10) + rest
}

// btMultipartHeader posts a multipart form with the CSRF token in the
// X-CSRF-Token header instead of the _csrf field, as htmx does.
func (c *client) btMultipartHeader(path string, fields [][2]string, files []upload) (*http.Response, string) {
	c.h.t.Helper()
	token := c.csrf
	c.csrf = ""
	req := c.multipartRequest(path, fields, files, true)
	c.csrf = token
	req.Header.Set("X-CSRF-Token", token)
	return c.do(req)
}

// ---------------------------------------------------------------------------
