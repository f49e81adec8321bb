package bench

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"sync"
	"testing"
	"time"

	"portico/app/auth"
	"portico/app/demo"
	"portico/app/model"
	"portico/app/store"
	"portico/app/testutil"
	"portico/app/web/core"
)

// parallelUploads is how many replies one customer sends at once.
const parallelUploads = 6

// BenchmarkUploads measures the process's memory while one customer sends
// six replies at once, each with the most and the largest attachments the
// settings allow (by default 5 × 10 MiB), on SQLite and on Postgres
// (PORTICO_TEST_DATABASE_URL). It prints the resident memory before, at
// its peak during, and after the uploads, and how many replies were
// stored or refused. Each database runs twice: with the default cap on a
// customer's concurrent uploads, and with the cap raised to six, so that
// all six bodies are read at once.
//
//	go test -run '^$' -bench Uploads -benchtime 1x ./app/bench/
func BenchmarkUploads(b *testing.B) {
	for _, db := range []struct {
		name string
		open func(testing.TB) *store.Store
	}{
		{"SQLite", func(tb testing.TB) *store.Store {
			st, err := store.OpenSQLite(filepath.Join(tb.TempDir(), "portico.db"))
			if err != nil {
				tb.Fatal(err)
			}
			tb.Cleanup(func() { st.Close() })
			if _, err := st.Migrate(context.Background(), testutil.Migrations(tb)); err != nil {
				tb.Fatal(err)
			}
			return st
		}},
		{"Postgres", testutil.Postgres},
	} {
		for _, cap := range []string{"", "6"} {
			name := db.name + "/default-cap"
			if cap != "" {
				name = db.name + "/cap-" + cap
			}
			b.Run(name, func(b *testing.B) {
				for range b.N {
					uploadRun(b, name, db.open(b), cap)
				}
				b.ReportMetric(0, "ns/op")
			})
		}
	}
}

// uploadRun serves the portal on st and sends the six replies.
func uploadRun(b *testing.B, name string, st *store.Store, cap string) {
	ctx := context.Background()
	if err := demo.Load(ctx, st); err != nil {
		b.Fatal(err)
	}
	ps, _, err := store.Settings(ctx, st.DB)
	if err != nil {
		b.Fatal(err)
	}
	ps.Enabled, ps.BaseURL = true, "http://127.0.0.1"
	if _, err := store.SaveSettings(ctx, st.DB, ps); err != nil {
		b.Fatal(err)
	}
	var flags []string
	if cap != "" {
		flags = append(flags, "--max-concurrent-uploads", cap)
	}
	base, sessions, srv := portalServer(b, st, flags...)
	cfg := srv.Config
	ana, err := store.ContactByEmail(ctx, st.DB, demo.AnaEmail)
	if err != nil {
		b.Fatal(err)
	}
	var ticketID int64
	err = st.DB.NewSelect().Model((*model.Ticket)(nil)).Column("ticket.id").
		Join("JOIN ticket_contacts AS tc ON tc.ticket_id = ticket.id").
		Where("tc.contact_id = ?", ana.ID).Where("ticket.closed = ?", false).
		Order("ticket.id").Limit(1).Scan(ctx, &ticketID)
	if err != nil {
		b.Fatal(err)
	}
	sid := auth.NewSessionID()
	now := time.Now()
	if err := sessions.Put(ctx, sid, &auth.Session{Kind: auth.KindContact, AccountID: ana.ID, CreatedAt: now, LastSeen: now}, 2*time.Hour); err != nil {
		b.Fatal(err)
	}
	url := base + "/portal/tickets/" + strconv.FormatInt(ticketID, 10) + "/replies"
	block := make([]byte, 64<<10)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range block {
		block[i] = byte(r.Uint32())
	}
	client := &http.Client{
		Timeout:       5 * time.Minute,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}

	before := settledRSS()
	resetPeak()
	start := time.Now()
	statuses := make([]int, parallelUploads)
	var wg sync.WaitGroup
	for i := range parallelUploads {
		wg.Add(1)
		go func() {
			defer wg.Done()
			body, size, ctype := replyBody(i, cfg.MaxUploads, cfg.MaxUploadSize, block)
			req, _ := http.NewRequest(http.MethodPost, url, body)
			req.ContentLength = size
			req.Header.Set("Content-Type", ctype)
			req.Header.Set("Cookie", sessionCookie+"="+sid)
			req.Header.Set(core.CSRFHeader, srv.CSRFFor(sid))
			res, err := client.Do(req)
			if err != nil {
				b.Error(err)
				return
			}
			_, _ = io.Copy(io.Discard, res.Body)
			res.Body.Close()
			statuses[i] = res.StatusCode
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	_, peak := rss()
	after := settledRSS()

	stored, refused := 0, 0
	for _, s := range statuses {
		switch s {
		case http.StatusSeeOther:
			stored++
		case http.StatusTooManyRequests:
			refused++
		default:
			b.Errorf("a reply answered %d", s)
		}
	}
	var files int
	var bytes int64
	err = st.DB.NewSelect().Model((*model.Attachment)(nil)).ColumnExpr("count(*), coalesce(sum(size), 0)").
		Where("ticket_id = ?", ticketID).Where("filename LIKE 'upload-%'").Scan(ctx, &files, &bytes)
	if err != nil {
		b.Fatal(err)
	}
	if files != stored*cfg.MaxUploads || bytes != int64(files)*cfg.MaxUploadSize {
		b.Errorf("%d replies stored, but %d files of %d bytes", stored, files, bytes)
	}
	dBefore, dPeak, dBytes, dElapsed := downloadAll(b, st, base, sid, ticketID)
	fmt.Fprintf(os.Stdout, "\n%s: %d parallel replies by one customer, each %d × %d MiB, in %.1f s\n",
		name, parallelUploads, cfg.MaxUploads, cfg.MaxUploadSize>>20, elapsed.Seconds())
	fmt.Fprintf(os.Stdout, "  stored %d, refused %d (try again); %d files, %d MiB in the database\n",
		stored, refused, files, bytes>>20)
	fmt.Fprintf(os.Stdout, "  RSS of the process (server and clients): %.0f MB before, %.0f MB peak, %.0f MB after\n",
		before, peak, after)
	fmt.Fprintf(os.Stdout, "  then %d parallel downloads of those files (%d MiB sent, gzip or br accepted) in %.1f s: RSS %.0f MB before, %.0f MB peak\n",
		parallelUploads, dBytes>>20, dElapsed.Seconds(), dBefore, dPeak)
}

// downloadAll fetches every uploaded file of the ticket, from as many
// clients at once as there were uploads, as a browser would (accepting
// compression), and returns the memory before and at its peak, the bytes
// received and the time taken.
func downloadAll(b *testing.B, st *store.Store, base, sid string, ticketID int64) (before, peak float64, total int64, elapsed time.Duration) {
	var ids []int64
	err := st.DB.NewSelect().Model((*model.Attachment)(nil)).Column("id").
		Where("ticket_id = ?", ticketID).Where("filename LIKE 'upload-%'").Order("id").Scan(context.Background(), &ids)
	if err != nil {
		b.Fatal(err)
	}
	before = settledRSS()
	resetPeak()
	start := time.Now()
	var (
		wg sync.WaitGroup
		mu sync.Mutex
	)
	client := &http.Client{Timeout: 5 * time.Minute, Transport: &http.Transport{DisableCompression: true}}
	for w := range parallelUploads {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < len(ids); i += parallelUploads {
				req, _ := http.NewRequest(http.MethodGet, base+"/portal/attachments/"+strconv.FormatInt(ids[i], 10), nil)
				req.Header.Set("Cookie", sessionCookie+"="+sid)
				req.Header.Set("Accept-Encoding", "gzip, deflate, br")
				res, err := client.Do(req)
				if err != nil {
					b.Error(err)
					return
				}
				n, err := io.Copy(io.Discard, res.Body)
				res.Body.Close()
				if err != nil || res.StatusCode != http.StatusOK || n == 0 {
					b.Errorf("download %d: status %d, %d bytes, %v", ids[i], res.StatusCode, n, err)
				}
				mu.Lock()
				total += n
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	elapsed = time.Since(start)
	_, peak = rss()
	return before, peak, total, elapsed
}

// replyBody streams a reply's multipart body, generated as it is read,
// so that the clients hold no file in memory. It returns the body, its
// exact length (so the request is not chunked) and its content type.
func replyBody(n, files int, size int64, block []byte) (io.Reader, int64, string) {
	boundary := fmt.Sprintf("portico-bench-boundary-%02d", n)
	write := func(w io.Writer, data bool) error {
		mw := multipart.NewWriter(w)
		if err := mw.SetBoundary(boundary); err != nil {
			return err
		}
		if err := mw.WriteField("body", fmt.Sprintf("Reply %d with %d files attached.", n, files)); err != nil {
			return err
		}
		for f := range files {
			fw, err := mw.CreateFormFile("attachments", fmt.Sprintf("upload-%d-%d.bin", n, f))
			if err != nil {
				return err
			}
			if !data {
				if _, err := io.CopyN(fw, zeros{}, size); err != nil {
					return err
				}
				continue
			}
			for left := size; left > 0; {
				chunk := block[:min(int64(len(block)), left)]
				if _, err := fw.Write(chunk); err != nil {
					return err
				}
				left -= int64(len(chunk))
			}
		}
		return mw.Close()
	}
	var cw countWriter
	_ = write(&cw, false)
	pr, pw := io.Pipe()
	go func() { pw.CloseWithError(write(pw, true)) }()
	return pr, int64(cw), "multipart/form-data; boundary=" + boundary
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) { clear(p); return len(p), nil }

type countWriter int64

func (c *countWriter) Write(p []byte) (int, error) { *c += countWriter(len(p)); return len(p), nil }

// settledRSS is the resident memory after a collection that returns what
// it can to the system.
func settledRSS() float64 {
	runtime.GC()
	debug.FreeOSMemory()
	now, _ := rss()
	return now
}

// resetPeak starts the kernel's high-water mark of resident memory again
// from the current value, so that the peak read later is this run's.
func resetPeak() {
	_ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0)
}
