package faults

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"portico/app/demo"
)

var csrfRe = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

// customer is one browser: cookies, the page's CSRF token, no redirects
// followed.
type customer struct {
	base, email string
	ticket      int64
	http        *http.Client
	csrf        string
}

func newCustomer(base, email string, ticket int64) *customer {
	jar, _ := cookiejar.New(nil)
	return &customer{base: base, email: email, ticket: ticket, http: &http.Client{
		Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

func (c *customer) do(req *http.Request) (status int, body, location string, err error) {
	if c.csrf != "" {
		req.Header.Set("X-CSRF-Token", c.csrf)
	}
	res, err := c.http.Do(req)
	if err != nil {
		return 0, "", "", err
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if m := csrfRe.FindSubmatch(b); m != nil {
		c.csrf = string(m[1])
	}
	return res.StatusCode, string(b), res.Header.Get("Location"), nil
}

func (c *customer) get(path string) (int, string, string, error) {
	req, _ := http.NewRequest(http.MethodGet, c.base+path, nil)
	return c.do(req)
}

// login answers the status of the login post, or of the page before it
// when that failed.
func (c *customer) login() (int, error) {
	status, _, _, err := c.get("/portal/login")
	if err != nil || status != http.StatusOK {
		return status, err
	}
	form := url.Values{"email": {c.email}, "password": {demo.Password}, "_csrf": {c.csrf}}
	req, _ := http.NewRequest(http.MethodPost, c.base+"/portal/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	status, _, loc, err := c.do(req)
	if err != nil || status != http.StatusSeeOther || strings.Contains(loc, "/login") {
		return status, err
	}
	// The new session's token.
	status, _, _, err = c.get(fmt.Sprintf("/portal/tickets/%d", c.ticket))
	return status, err
}

// reply posts a reply with one attachment.
func (c *customer) reply(marker string, file []byte) (status int, body, location string, err error) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	_ = mw.WriteField("_csrf", c.csrf)
	_ = mw.WriteField("body", marker)
	fw, _ := mw.CreateFormFile("attachments", marker+".bin")
	_, _ = fw.Write(file)
	_ = mw.Close()
	req, _ := http.NewRequest(http.MethodPost, fmt.Sprintf("%s/portal/tickets/%d/replies", c.base, c.ticket), &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return c.do(req)
}

// results is what the customers saw.
func waitGroup(t *testing.T, wg *sync.WaitGroup, within time.Duration) {
	t.Helper()
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(within):
		t.Fatal("the customers did not all log in")
	}
}

type results struct {
	mu       sync.Mutex
	statuses map[string]int  // "reply 303", "login 503", …
	acked    []string        // replies answered as saved
	after    int             // replies saved after the fault was over
	bad      []string        // answers that must never happen
	retry    []time.Duration // how long each "try again" took
}

func (r *results) add(what string, status int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.statuses[fmt.Sprintf("%s %d", what, status)]++
}

func (r *results) fail(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.bad) < 20 {
		r.bad = append(r.bad, fmt.Sprintf(format, args...))
	}
}

// runLoad has workers customers reply with an attachment, over and over,
// for warm before fault runs, while it runs, and for cool after it
// returned.
func runLoad(t *testing.T, r *rig, tag string, workers int, file []byte, warm, cool time.Duration, fault func()) *results {
	t.Helper()
	emails := []string{demo.AnaEmail, demo.BenEmail, demo.GinaEmail, demo.CarlaEmail}
	out := &results{statuses: map[string]int{}}
	ctx, cancel := context.WithCancel(context.Background())
	over := make(chan struct{})
	var wg, ready sync.WaitGroup
	ready.Add(workers)
	for w := range workers {
		email := emails[w%len(emails)]
		c := newCustomer(r.base, email, r.openTicket(t, email))
		wg.Add(1)
		go func() {
			defer wg.Done()
			loggedIn, first := false, true
			for n := 0; ctx.Err() == nil; n++ {
				if loggedIn && first {
					first = false
					ready.Done()
				}
				if !loggedIn {
					status, err := c.login()
					switch {
					case err != nil:
						out.fail("login: %v", err)
					case status == http.StatusOK:
						loggedIn = true
					case status >= 500 && status != http.StatusServiceUnavailable:
						out.fail("login answered %d", status)
					}
					out.add("login", status)
					if !loggedIn {
						time.Sleep(100 * time.Millisecond)
					}
					continue
				}
				marker := fmt.Sprintf("fault-%s-%d-%d", tag, w, n)
				start := time.Now()
				status, body, loc, err := c.reply(marker, file)
				took := time.Since(start)
				out.add("reply", status)
				switch {
				case err != nil:
					out.fail("reply %s: %v", marker, err)
				case status == http.StatusSeeOther && strings.Contains(loc, "/login"):
					loggedIn = false // the session went with the store
				case status == http.StatusSeeOther:
					out.mu.Lock()
					out.acked = append(out.acked, marker)
					select {
					case <-over:
						out.after++
					default:
					}
					out.mu.Unlock()
				case status == http.StatusUnprocessableEntity:
					// Failed visibly: the typed text must be shown again.
					if !strings.Contains(body, marker) {
						out.fail("reply %s: 422 without the typed text", marker)
					}
				case status == http.StatusServiceUnavailable:
					if !strings.Contains(body, "try again") {
						out.fail("reply %s: 503 without the try-again page", marker)
					}
					out.mu.Lock()
					out.retry = append(out.retry, took)
					out.mu.Unlock()
					time.Sleep(50 * time.Millisecond)
				case status == http.StatusTooManyRequests:
					time.Sleep(500 * time.Millisecond)
				default:
					out.fail("reply %s answered %d", marker, status)
				}
			}
		}()
	}
	// The fault comes once every customer is replying.
	waitGroup(t, &ready, time.Minute)
	time.Sleep(warm)
	fault()
	close(over)
	// Load goes on for cool, and until as many replies as there are
	// customers were saved after the fault (bounded: check fails the test
	// when none was).
	time.Sleep(cool)
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		out.mu.Lock()
		n := out.after
		out.mu.Unlock()
		if n >= workers {
			break
		}
	}
	cancel()
	wg.Wait()
	return out
}

// check asserts what must hold after a fault: no 500 and no broken
// connection, every saved reply whole (one attachment of the full size),
// every acknowledged reply saved once, and replies saved again after the
// fault.
func check(t *testing.T, r *rig, tag string, out *results, size int) {
	t.Helper()
	t.Logf("answers: %v; saved replies: %d, after the fault: %d", out.statuses, len(out.acked), out.after)
	if n := len(out.retry); n > 0 {
		slices.Sort(out.retry)
		t.Logf("'try again' answered in: median %v, 90th percentile %v, slowest %v",
			out.retry[n/2], out.retry[n*9/10], out.retry[n-1])
	}
	for _, b := range out.bad {
		t.Error(b)
	}
	rows, err := r.st.DB.QueryContext(context.Background(), `SELECT m.body, count(a.id), coalesce(sum(a.size), 0)
		FROM messages m LEFT JOIN attachments a ON a.message_id = m.id
		WHERE m.body LIKE ? GROUP BY m.id, m.body`, "fault-"+tag+"-%")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	saved := map[string]int{}
	for rows.Next() {
		var body string
		var n, bytes int64
		if err := rows.Scan(&body, &n, &bytes); err != nil {
			t.Fatal(err)
		}
		saved[body]++
		if n != 1 || bytes != int64(size) {
			t.Errorf("reply %s is half-saved: %d attachments, %d bytes", body, n, bytes)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	for _, m := range out.acked {
		if saved[m] != 1 {
			t.Errorf("reply %s was answered as saved but is stored %d times", m, saved[m])
		}
	}
	for m, n := range saved {
		if n != 1 {
			t.Errorf("reply %s stored %d times", m, n)
		}
	}
	if out.after == 0 {
		t.Error("no reply was saved after the fault: the app did not recover")
	}
}
