package web

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"portico/app/desk"
	"portico/app/mail"
	"portico/app/store"
	"portico/app/testutil"
)

// Account mail leaves the request: a reset asked for a known and for an
// unknown address gets the same answer, and in both cases the request only
// queues a job: no token, no mail. The worker then makes the known
// address's mail, once; a worker of another process (after a restart)
// finds the jobs the first one left, since they live in the database.
func TestMailJobsLeaveTheRequest(t *testing.T) {
	h := mlHarness(t)
	outbox := func() int { return h.count("SELECT count(*) FROM mail_outbox") }
	tokens := func() int { return h.count("SELECT count(*) FROM tokens") }
	jobs := func() int { return h.count("SELECT count(*) FROM mail_jobs") }
	mails0, tokens0 := outbox(), tokens()

	known, kbody := h.mlForgot(ana)
	unknown, ubody := h.mlForgot("nobody@acme.example")
	if known != http.StatusOK || unknown != known {
		t.Fatalf("statuses %d and %d", known, unknown)
	}
	mlSame(t, kbody, ubody)
	if jobs() != 2 || outbox() != mails0 || tokens() != tokens0 {
		t.Fatalf("after the requests: %d jobs, %d new mails, %d new tokens; want 2, 0, 0", jobs(), outbox()-mails0, tokens()-tokens0)
	}

	// Another process's worker, built from the database alone.
	restarted := &desk.Service{Store: h.st, Log: h.srv.Log, Mailer: h.srv.Mailer}
	n, err := restarted.RunDueJobs(context.Background())
	if err != nil || n != 2 {
		t.Fatalf("the worker did %d jobs (%v), want 2", n, err)
	}
	if jobs() != 0 || outbox() != mails0+1 || tokens() != tokens0+1 {
		t.Fatalf("after the worker: %d jobs, %d new mails, %d new tokens; want 0, 1, 1", jobs(), outbox()-mails0, tokens()-tokens0)
	}
	if len(h.mlMailsTo(ana, mail.KindReset)) != 1 || len(h.mlMailsTo("nobody@acme.example", "")) != 0 {
		t.Fatal("the reset mail went to the wrong address")
	}
	// Nothing is left to do twice.
	if n, _ := restarted.RunDueJobs(context.Background()); n != 0 {
		t.Fatalf("%d jobs done again", n)
	}
}

// Several workers at once (several instances) do each job exactly once,
// on SQLite and on Postgres.
func TestMailJobsExactlyOnce(t *testing.T) {
	stores := map[string]func(testing.TB) *store.Store{"sqlite": testutil.SQLite, "postgres": testutil.Postgres}
	for name, open := range stores {
		t.Run(name, func(t *testing.T) {
			h := newHarnessOn(t, open(t), mlHarnessOpt(t))
			const n = 12
			ctx := context.Background()
			for i := range n {
				if err := h.srv.Desk.RequestRegistration(ctx, desk.Registration{
					Email: fmt.Sprintf("new%d@newco.example", i), Name: "New", PasswordHash: "x", Language: "en", Mail: true,
				}); err != nil {
					t.Fatal(err)
				}
				if err := h.srv.Desk.RequestReset(ctx, ana); err != nil {
					t.Fatal(err)
				}
			}
			var wg sync.WaitGroup
			done := make([]int, 4)
			for w := range done {
				wg.Add(1)
				go func() {
					defer wg.Done()
					worker := &desk.Service{Store: h.st, Log: h.srv.Log, Mailer: h.srv.Mailer}
					for try := 0; ; try++ {
						k, err := worker.RunDueJobs(ctx)
						done[w] += k
						if err == nil {
							return
						}
						// SQLite: a busy database; try again, a bounded
						// number of times.
						if try == 100 {
							t.Errorf("worker %d: %v", w, err)
							return
						}
					}
				}()
			}
			wg.Wait()
			total := 0
			for _, k := range done {
				total += k
			}
			if total != 2*n {
				t.Errorf("the workers did %d jobs, want %d", total, 2*n)
			}
			if got := h.count("SELECT count(*) FROM contacts WHERE email LIKE '%@newco.example'"); got != n {
				t.Errorf("%d accounts made, want %d", got, n)
			}
			if got := h.count("SELECT count(*) FROM mail_outbox WHERE to_addr = ? AND kind = ?", ana, mail.KindReset); got != n {
				t.Errorf("%d reset mails, want %d", got, n)
			}
			if got := h.count("SELECT count(*) FROM mail_jobs"); got != 0 {
				t.Errorf("%d jobs left", got)
			}
		})
	}
}

// A job whose work fails rolls back whole (no token, no mail), is put off
// with its error recorded, and is done once when tried again.
func TestMailJobFailsThenRetries(t *testing.T) {
	h := mlHarness(t)
	ctx := context.Background()
	h.exec(`CREATE TRIGGER fail_outbox BEFORE INSERT ON mail_outbox BEGIN SELECT RAISE(ABORT, 'disk full'); END`)
	tokens0 := h.count("SELECT count(*) FROM tokens")
	if err := h.srv.Desk.RequestReset(ctx, ana); err != nil {
		t.Fatal(err)
	}
	if n, err := h.srv.Desk.RunDueJobs(ctx); err != nil || n != 0 {
		t.Fatalf("a failing job: done %d, %v", n, err)
	}
	var j struct {
		Attempts  int    `bun:"attempts"`
		LastError string `bun:"last_error"`
		Due       int    `bun:"due"`
	}
	if err := h.st.DB.NewRaw("SELECT attempts, last_error, CASE WHEN next_attempt_at > CURRENT_TIMESTAMP THEN 0 ELSE 1 END AS due FROM mail_jobs").Scan(ctx, &j); err != nil {
		t.Fatal(err)
	}
	if j.Attempts != 1 || !strings.Contains(j.LastError, "disk full") || j.Due != 0 {
		t.Fatalf("the failed job: %+v", j)
	}
	if h.count("SELECT count(*) FROM tokens") != tokens0 || h.count("SELECT count(*) FROM mail_outbox WHERE kind = ?", mail.KindReset) != 0 {
		t.Fatal("the failed job left a token or a mail")
	}
	// Later, with the outbox working again.
	h.exec("DROP TRIGGER fail_outbox")
	h.exec("UPDATE mail_jobs SET next_attempt_at = '2000-01-01 00:00:00'")
	if n, err := h.srv.Desk.RunDueJobs(ctx); err != nil || n != 1 {
		t.Fatalf("the retry: done %d, %v", n, err)
	}
	if got := h.count("SELECT count(*) FROM mail_outbox WHERE to_addr = ? AND kind = ?", ana, mail.KindReset); got != 1 {
		t.Fatalf("%d reset mails after the retry, want 1", got)
	}
}
