package web

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"portico/app/auth"
	"portico/app/demo"
	"portico/app/store"
	"portico/app/testutil"
)

// Uploads stream through temporary files into chunks of the database and
// back out; these tests check what a customer and an agent see of it.

func TestUploadsSQLite(t *testing.T) { uploadsSuite(t, newPortal(t)) }

func TestUploadsPostgres(t *testing.T) { uploadsSuite(t, newHarnessOn(t, testutil.Postgres(t))) }

func uploadsSuite(t *testing.T, h *harness) {
	t.Run("round trip", func(t *testing.T) { testUploadRoundTrip(t, h) })
	t.Run("storage fails part way", func(t *testing.T) { testUploadStorageFails(t, h) })
}

// noise is n bytes that don't compress, the same on every run.
func noise(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, seed))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

func pngBytes(t *testing.T) []byte {
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewRGBA(image.Rect(0, 0, 3, 3))); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// testUploadRoundTrip sends a reply with a file of several chunks and an
// image, and downloads both, byte for byte, as the customer and as an
// agent, with the headers that keep them from running in the portal.
func testUploadRoundTrip(t *testing.T, h *harness) {
	c := h.client()
	c.as(demo.AnaEmail)
	big := noise(store.ChunkSize*2+333, 7) // three chunks, under the harness's 1 MiB
	img := pngBytes(t)
	res, _ := c.multipart("/portal/tickets/22/replies", [][2]string{{"body", "Log and screenshot attached."}},
		[]upload{{"trace <1>.log", big}, {"screen.png", img}}, false)
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("reply: status %d", res.StatusCode)
	}
	if n := h.count("SELECT count(*) FROM attachment_chunks WHERE attachment_id = ?", h.attachmentID("trace <1>.log")); n != 3 {
		t.Errorf("%d chunks for the log, want 3", n)
	}
	agent := h.mlStaff(demo.AgentEmail)
	for _, f := range []struct {
		name, ctype, disposition string
		data                     []byte
	}{
		{"trace <1>.log", "application/octet-stream", "attachment", big},
		{"screen.png", "image/png", "attachment", img},
	} {
		id := strconv.FormatInt(h.attachmentID(f.name), 10)
		for _, get := range []struct {
			who  *client
			path string
		}{{c, "/portal/attachments/" + id}, {agent, "/admin/attachments/" + id}} {
			res, body := get.who.get(get.path, false)
			if res.StatusCode != http.StatusOK || body != string(f.data) {
				t.Errorf("%s: status %d, %d bytes back of %d", get.path, res.StatusCode, len(body), len(f.data))
			}
			cd := res.Header.Get("Content-Disposition")
			if !strings.HasPrefix(cd, f.disposition+";") || !strings.Contains(cd, "filename*=UTF-8''") ||
				res.Header.Get("Content-Type") != f.ctype || res.Header.Get("X-Content-Type-Options") != "nosniff" ||
				!strings.Contains(res.Header.Get("Content-Security-Policy"), "sandbox") {
				t.Errorf("%s: headers %v", get.path, res.Header)
			}
		}
	}
	// A browser that accepts compression gets the file as it is, with its
	// length.
	id := strconv.FormatInt(h.attachmentID("trace <1>.log"), 10)
	req := httptest.NewRequest(http.MethodGet, "/portal/attachments/"+id, nil)
	req.Header.Set("Accept-Encoding", "gzip, deflate, br")
	if res, body := c.do(req); res.Header.Get("Content-Encoding") != "" || body != string(big) || res.ContentLength != int64(len(big)) {
		t.Errorf("with compression accepted: encoding %q, length %d, %d bytes back", res.Header.Get("Content-Encoding"), res.ContentLength, len(body))
	}
	// Only the safe image is shown inline when asked.
	id = strconv.FormatInt(h.attachmentID("screen.png"), 10)
	if res, _ := c.get("/portal/attachments/"+id+"?inline=1", false); !strings.HasPrefix(res.Header.Get("Content-Disposition"), "inline;") {
		t.Errorf("image inline: %q", res.Header.Get("Content-Disposition"))
	}
	id = strconv.FormatInt(h.attachmentID("trace <1>.log"), 10)
	if res, _ := c.get("/portal/attachments/"+id+"?inline=1", false); !strings.HasPrefix(res.Header.Get("Content-Disposition"), "attachment;") {
		t.Errorf("log inline: %q", res.Header.Get("Content-Disposition"))
	}

	// An agent's public reply with a file reaches the customer whole.
	reply := noise(store.ChunkSize+1, 8)
	res, _ = agent.multipart("/admin/tickets/22/replies", [][2]string{{"body", "Here is the patched driver."}},
		[]upload{{"driver.bin", reply}}, true)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("agent reply: status %d", res.StatusCode)
	}
	if res, body := c.get("/portal/attachments/"+strconv.FormatInt(h.attachmentID("driver.bin"), 10), false); res.StatusCode != http.StatusOK || body != string(reply) {
		t.Errorf("agent's file: status %d, %d bytes of %d", res.StatusCode, len(body), len(reply))
	}
}

// testUploadStorageFails makes the database refuse a file's second chunk:
// the reply fails visibly with the typed text kept, and nothing of it is
// stored, neither message nor file nor chunk.
func testUploadStorageFails(t *testing.T, h *harness) {
	if h.st.Postgres() {
		h.exec(`CREATE FUNCTION fail_chunk() RETURNS trigger LANGUAGE plpgsql AS $$
			BEGIN RAISE EXCEPTION 'disk full'; END $$`)
		h.exec(`CREATE TRIGGER fail_chunk BEFORE INSERT ON attachment_chunks FOR EACH ROW WHEN (new.seq = 1) EXECUTE FUNCTION fail_chunk()`)
		defer h.exec("DROP FUNCTION fail_chunk() CASCADE")
	} else {
		h.exec(`CREATE TRIGGER fail_chunk BEFORE INSERT ON attachment_chunks WHEN new.seq = 1
			BEGIN SELECT RAISE(ABORT, 'disk full'); END`)
		defer h.exec("DROP TRIGGER fail_chunk")
	}
	c := h.client()
	c.as(demo.AnaEmail)
	count := func() [3]int {
		return [3]int{h.count("SELECT count(*) FROM messages"), h.count("SELECT count(*) FROM attachments"),
			h.count("SELECT count(*) FROM attachment_chunks")}
	}
	before := count()
	for _, htmx := range []bool{false, true} {
		res, body := c.multipart("/portal/tickets/22/replies", [][2]string{{"body", "Typed with care"}},
			[]upload{{"fine.txt", []byte("fine")}, {"two-chunks.bin", noise(store.ChunkSize+10, 9)}}, htmx)
		if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "Typed with care") {
			t.Errorf("htmx=%v: status %d, typed text kept: %v", htmx, res.StatusCode, strings.Contains(body, "Typed with care"))
		}
		if after := count(); after != before {
			t.Errorf("htmx=%v: messages, attachments, chunks %v, were %v", htmx, after, before)
		}
	}
}

// TestUploadCap refuses a contact's third upload at once with a clear
// "try again", before its body is read, and takes it once one finishes.
func TestUploadCap(t *testing.T) {
	limiter := auth.NewMemoryLimiter()
	h := newPortal(t, withSessions(auth.NewMemorySessions(), limiter))
	c := h.client()
	c.as(demo.AnaEmail)
	key := "upload:contact:" + strconv.FormatInt(h.contactID(demo.AnaEmail), 10)
	ctx := context.Background()
	r1, ok1 := limiter.Acquire(ctx, key, 2, time.Minute)
	r2, ok2 := limiter.Acquire(ctx, key, 2, time.Minute)
	if !ok1 || !ok2 {
		t.Fatal("slots taken")
	}
	before := h.count("SELECT count(*) FROM messages")
	res, body := c.multipart("/portal/tickets/22/replies", [][2]string{{"body", "Third at once"}}, []upload{{"a.txt", []byte("a")}}, false)
	if res.StatusCode != http.StatusTooManyRequests || !strings.Contains(body, "try again") || res.Header.Get("Retry-After") == "" {
		t.Errorf("over the cap: status %d, %q", res.StatusCode, h1(body))
	}
	// htmx shows it in the alert area, leaving the form and its text.
	res, _ = c.multipart("/portal/tickets/22/replies", [][2]string{{"body", "Third at once"}}, []upload{{"a.txt", []byte("a")}}, true)
	if res.StatusCode != http.StatusTooManyRequests || res.Header.Get("HX-Retarget") != "#flash" {
		t.Errorf("over the cap, htmx: status %d, retarget %q", res.StatusCode, res.Header.Get("HX-Retarget"))
	}
	// Another contact is not held up.
	ben := h.client()
	ben.as(demo.BenEmail)
	if res, _ := ben.multipart("/portal/tickets/26/replies", [][2]string{{"body", "Mine goes through"}}, []upload{{"b.txt", []byte("b")}}, false); res.StatusCode != http.StatusSeeOther {
		t.Errorf("another contact: status %d", res.StatusCode)
	}
	if n := h.count("SELECT count(*) FROM messages"); n != before+1 {
		t.Errorf("%d messages, want %d", n, before+1)
	}
	r1()
	if res, _ := c.multipart("/portal/tickets/22/replies", [][2]string{{"body", "Now it fits"}}, []upload{{"a.txt", []byte("a")}}, false); res.StatusCode != http.StatusSeeOther {
		t.Errorf("after a release: status %d", res.StatusCode)
	}
	r2()
	// A plain form without files is not an upload.
	c2 := h.client()
	c2.as(demo.AnaEmail)
	r3, _ := limiter.Acquire(ctx, key, 2, time.Minute)
	r4, _ := limiter.Acquire(ctx, key, 2, time.Minute)
	defer r3()
	defer r4()
	if res, _ := c2.post("/portal/tickets/22/replies", map[string][]string{"body": {"Words only"}}, false); res.StatusCode != http.StatusSeeOther {
		t.Errorf("a plain reply while uploads run: status %d", res.StatusCode)
	}
}

// TestUploadCapAcrossInstances shares the cap through Redis: slots held
// by another instance count.
func TestUploadCapAcrossInstances(t *testing.T) {
	rdb, prefix := testutil.Redis(t)
	other := &auth.RedisLimiter{Client: rdb, Prefix: prefix}
	h := newPortal(t, withSessions(auth.NewMemorySessions(), &auth.RedisLimiter{Client: rdb, Prefix: prefix}))
	c := h.client()
	c.as(demo.AnaEmail)
	key := "upload:contact:" + strconv.FormatInt(h.contactID(demo.AnaEmail), 10)
	ctx := context.Background()
	r1, _ := other.Acquire(ctx, key, 2, time.Minute)
	r2, _ := other.Acquire(ctx, key, 2, time.Minute)
	res, _ := c.multipart("/portal/tickets/22/replies", [][2]string{{"body", "Third at once"}}, []upload{{"a.txt", []byte("a")}}, false)
	if res.StatusCode != http.StatusTooManyRequests {
		t.Errorf("over the cap held elsewhere: status %d", res.StatusCode)
	}
	r1()
	r2()
	res, _ = c.multipart("/portal/tickets/22/replies", [][2]string{{"body", "Now it fits"}}, []upload{{"a.txt", []byte("a")}}, false)
	if res.StatusCode != http.StatusSeeOther {
		t.Errorf("after the other instance released: status %d", res.StatusCode)
	}
}

// TestUploadQuota refuses files beyond the contact's storage quota at the
// field, keeping the typed text, on replies and on the support form.
func TestUploadQuota(t *testing.T) {
	h := newPortal(t)
	ana := h.contactID(demo.AnaEmail)
	used, err := store.ContactUploadBytes(context.Background(), h.st.DB, ana)
	if err != nil {
		t.Fatal(err)
	}
	h.srv.Config.UploadQuota = used + 100
	c := h.client()
	c.as(demo.AnaEmail)
	if res, _ := c.multipart("/portal/tickets/22/replies", [][2]string{{"body", "Within"}}, []upload{{"in.txt", bytes.Repeat([]byte("a"), 60)}}, false); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("within the quota: status %d", res.StatusCode)
	}
	before := h.count("SELECT count(*) FROM messages")
	res, body := c.multipart("/portal/tickets/22/replies", [][2]string{{"body", "Over the quota, typed"}}, []upload{{"over.txt", bytes.Repeat([]byte("b"), 60)}}, true)
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(fieldErrors(body)["attachments"], "storage limit") ||
		!strings.Contains(body, "Over the quota, typed") {
		t.Errorf("over the quota: status %d, errors %v", res.StatusCode, fieldErrors(body))
	}
	// The support form too.
	res, body = c.multipart("/portal/tickets", [][2]string{{"idempotency_key", "0123456789abcdef"}, {"subject", "Quota subject"}, {"description", "Quota text"}},
		[]upload{{"over.txt", bytes.Repeat([]byte("b"), 60)}}, false)
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(fieldErrors(body)["attachments"], "storage limit") ||
		!strings.Contains(body, "Quota subject") {
		t.Errorf("support form over the quota: status %d, errors %v", res.StatusCode, fieldErrors(body))
	}
	if n := h.count("SELECT count(*) FROM messages"); n != before {
		t.Errorf("%d messages, was %d", n, before)
	}
	// Without files the reply still goes through.
	if res, _ := c.multipart("/portal/tickets/22/replies", [][2]string{{"body", "No files"}}, nil, false); res.StatusCode != http.StatusSeeOther {
		t.Errorf("no files over the quota: status %d", res.StatusCode)
	}
}

// TestBodyLimits refuses from the headers a plain form over 1 MiB and a
// body of unknown length; a multipart body may be as large as the upload
// set.
func TestBodyLimits(t *testing.T) {
	h := newPortal(t)
	c := h.client()
	c.as(demo.AnaEmail)
	big := "body=" + strings.Repeat("a", 1<<20)
	req := httptest.NewRequest(http.MethodPost, "/portal/tickets/22/replies", strings.NewReader(big))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-CSRF-Token", c.csrf)
	if res, _ := c.do(req); res.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("plain form over 1 MiB: status %d", res.StatusCode)
	}
	req = httptest.NewRequest(http.MethodPost, "/portal/tickets/22/replies", strings.NewReader("body=hi"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-CSRF-Token", c.csrf)
	req.ContentLength = -1
	req.TransferEncoding = []string{"chunked"}
	if res, _ := c.do(req); res.StatusCode != http.StatusLengthRequired {
		t.Errorf("chunked body: status %d", res.StatusCode)
	}
	// A multipart body cut short (the browser went away) stores nothing.
	before := h.count("SELECT count(*) FROM messages")
	cut := "--xyz\r\nContent-Disposition: form-data; name=\"body\"\r\n\r\nCut short\r\n" +
		"--xyz\r\nContent-Disposition: form-data; name=\"attachments\"; filename=\"a.txt\"\r\n\r\nhalf a fi"
	req = httptest.NewRequest(http.MethodPost, "/portal/tickets/22/replies", strings.NewReader(cut))
	req.Header.Set("Content-Type", "multipart/form-data; boundary=xyz")
	req.Header.Set("X-CSRF-Token", c.csrf)
	if res, _ := c.do(req); res.StatusCode != http.StatusBadRequest {
		t.Errorf("multipart cut short: status %d", res.StatusCode)
	}
	if n := h.count("SELECT count(*) FROM messages"); n != before {
		t.Errorf("%d messages, was %d", n, before)
	}
	// Two files of 1 MiB (the harness's largest) with their text fit.
	res, _ := c.multipart("/portal/tickets/22/replies", [][2]string{{"body", "Two large files"}},
		[]upload{{"one.bin", noise(1<<20, 1)}, {"two.bin", noise(1<<20, 2)}}, false)
	if res.StatusCode != http.StatusSeeOther {
		t.Errorf("largest files: status %d", res.StatusCode)
	}
}
