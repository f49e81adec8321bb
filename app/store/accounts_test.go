package store_test

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/uptrace/bun/driver/pgdriver"

	"portico/app/demo"
	"portico/app/model"
	"portico/app/store"
	"portico/app/testutil"
)

// twoInstances opens two stores on one new, migrated Postgres database,
// each listening for the changes of contacts, as two servers do; they stop
// with the test.
func twoInstances(t *testing.T) (ctx context.Context, url string, a, b *store.Store) {
	t.Helper()
	url = testutil.PostgresURL(t)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	open := func() *store.Store {
		st, err := store.Open(url, "")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		return st
	}
	a, b = open(), open()
	if _, err := a.Migrate(ctx, testutil.Migrations(t)); err != nil {
		t.Fatal(err)
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	go a.WatchAccounts(ctx, quiet)
	go b.WatchAccounts(ctx, quiet)
	return ctx, url, a, b
}

// Two instances on one Postgres database keep customers' contacts between
// requests, and read every change to a contact, its company or the
// settings: their own at once, another instance's or plain SQL's as soon
// as its notification arrives. While the listener is cut off, nothing is
// kept and every read goes to the database.
func TestKeptContactsFollowChanges(t *testing.T) {
	t.Parallel()
	ctx, url, a, b := twoInstances(t)
	if err := demo.Load(ctx, a); err != nil {
		t.Fatal(err)
	}
	plain := sql.OpenDB(pgdriver.NewConnector(pgdriver.WithDSN(url)))
	t.Cleanup(func() { plain.Close() })

	ana, err := store.ContactByEmail(ctx, a.DB, demo.AnaEmail)
	if err != nil {
		t.Fatal(err)
	}
	within := func(what string, ok func() bool) {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for !ok() {
			if time.Now().After(deadline) {
				t.Fatalf("%s: not within 5 s", what)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	read := func(st *store.Store) (*model.Contact, int64) {
		t.Helper()
		c, version, _, err := st.ContactAndSettingsVersion(ctx, ana.ID)
		if err != nil {
			t.Fatal(err)
		}
		return c, version
	}
	name := func(st *store.Store) string { c, _ := read(st); return c.Name }
	company := func(st *store.Store) string {
		c, _ := read(st)
		if c.Company == nil {
			return ""
		}
		return c.Company.Name
	}
	within("both instances keep contacts", func() bool { return a.KeepsContacts() && b.KeepsContacts() })

	// A kept contact is the instance's: changing the copy a request got
	// changes nothing kept.
	c, _ := read(b)
	c.Name, c.Company.Name = "changed by a handler", "changed too"
	if name(b) != ana.Name || company(b) != "Acme Corp" {
		t.Fatalf("a request's copy changed the kept contact: %q, %q", name(b), company(b))
	}
	// Kept: a change the triggers can't see (they are dropped for the
	// moment) is not read.
	if _, err := plain.Exec("ALTER TABLE contacts DISABLE TRIGGER contacts_notify"); err != nil {
		t.Fatal(err)
	}
	if _, err := plain.Exec("UPDATE contacts SET name = 'Unheard' WHERE id = $1", ana.ID); err != nil {
		t.Fatal(err)
	}
	if got := name(b); got != ana.Name {
		t.Fatalf("instance B read %q: it does not keep contacts", got)
	}
	if _, err := plain.Exec("ALTER TABLE contacts ENABLE TRIGGER contacts_notify"); err != nil {
		t.Fatal(err)
	}

	// Its own write: read at once, without waiting for the notification.
	read(a)
	if _, err := a.DB.NewUpdate().Model((*model.Contact)(nil)).Set("name = ?", "Ana by A").Where("id = ?", ana.ID).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	if got := name(a); got != "Ana by A" {
		t.Errorf("instance A after its own write: %q", got)
	}
	within("instance B reads A's change", func() bool { return name(b) == "Ana by A" })
	// A raw statement of its own, a company renamed, a contact moved out
	// of its company, the settings saved: each read by both.
	read(a)
	if _, err := a.DB.ExecContext(ctx, "UPDATE companies SET name = 'Acme Renamed' WHERE id = ?", *ana.CompanyID); err != nil {
		t.Fatal(err)
	}
	if got := company(a); got != "Acme Renamed" {
		t.Errorf("instance A after renaming the company: %q", got)
	}
	within("instance B reads the new company name", func() bool { return company(b) == "Acme Renamed" })
	if _, err := plain.Exec("UPDATE contacts SET company_id = NULL WHERE id = $1", ana.ID); err != nil {
		t.Fatal(err)
	}
	for _, st := range []*store.Store{a, b} {
		within("a contact moved out of its company in plain SQL", func() bool { c, _ := read(st); return c.CompanyID == nil && c.Company == nil })
	}
	_, before := read(b)
	ps, _, err := store.Settings(ctx, a.DB)
	if err != nil {
		t.Fatal(err)
	}
	ps.Title = model.PlainText("Renamed portal")
	after, err := store.SaveSettings(ctx, a.DB, ps)
	if err != nil {
		t.Fatal(err)
	}
	if _, v := read(a); v != after || after == before {
		t.Errorf("instance A's settings version after its save: %d, want %d (was %d)", v, after, before)
	}
	within("instance B reads the settings' new version", func() bool { _, v := read(b); return v == after })

	// The listener cut off: nothing is kept until it hears again, and a
	// change made meanwhile is read at once.
	if _, err := plain.Exec("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN%'"); err != nil {
		t.Fatal(err)
	}
	within("instances notice the lost listener", func() bool { return !a.KeepsContacts() && !b.KeepsContacts() })
	if _, err := plain.Exec("ALTER TABLE contacts DISABLE TRIGGER contacts_notify"); err != nil {
		t.Fatal(err)
	}
	if _, err := plain.Exec("UPDATE contacts SET name = 'Changed while deaf' WHERE id = $1", ana.ID); err != nil {
		t.Fatal(err)
	}
	if !b.KeepsContacts() {
		if got := name(b); got != "Changed while deaf" {
			t.Errorf("instance B without its listener read %q", got)
		}
	}
	if _, err := plain.Exec("ALTER TABLE contacts ENABLE TRIGGER contacts_notify"); err != nil {
		t.Fatal(err)
	}
	within("instances listen again", func() bool { return a.KeepsContacts() && b.KeepsContacts() })

	// A trigger missing (as during a restore, which recreates them at its
	// end): the pings, which come back through every table's trigger,
	// stop answering, and nothing is kept until it is back.
	if _, err := plain.Exec("ALTER TABLE companies DISABLE TRIGGER companies_notify"); err != nil {
		t.Fatal(err)
	}
	// Meanwhile another instance's pings arrive, through the other
	// triggers, every 100 ms: they must not put off the instances' own.
	noise, quiet2 := context.WithCancel(ctx)
	go func() {
		for noise.Err() == nil {
			_, _ = plain.Exec("SELECT pg_notify('portico_accounts', 'ping:other:contacts')")
			time.Sleep(100 * time.Millisecond)
		}
	}()
	within("instances stop keeping without a trigger", func() bool { return !a.KeepsContacts() && !b.KeepsContacts() })
	quiet2()
	if _, err := plain.Exec("UPDATE companies SET name = 'Unannounced' WHERE id = $1", *ana.CompanyID); err != nil {
		t.Fatal(err)
	}
	if _, err := plain.Exec("UPDATE contacts SET company_id = $1 WHERE id = $2", *ana.CompanyID, ana.ID); err != nil {
		t.Fatal(err)
	}
	if got := company(b); got != "Unannounced" && !b.KeepsContacts() {
		t.Errorf("instance B without a trigger read company %q", got)
	}
	if _, err := plain.Exec("ALTER TABLE companies ENABLE TRIGGER companies_notify"); err != nil {
		t.Fatal(err)
	}
	within("instances keep again with the trigger back", func() bool { return a.KeepsContacts() && b.KeepsContacts() })
	within("instance B reads changes again", func() bool {
		if _, err := plain.Exec("UPDATE contacts SET name = 'Back' WHERE id = $1", ana.ID); err != nil {
			t.Fatal(err)
		}
		return name(b) == "Back"
	})
}

// A table locked for a long while (a migration, a restore, a maintenance
// transaction) holds the pings up: the instances stop keeping contacts,
// and each gives its waiting ping up after a second, so that no more than
// one backend per instance waits on the lock, however long it is held.
func TestPingsGiveUpOnLockedTables(t *testing.T) {
	t.Parallel()
	ctx, url, a, b := twoInstances(t)
	stores := []*store.Store{a, b}
	keeping := func(want bool) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for stores[0].KeepsContacts() != want || stores[1].KeepsContacts() != want {
			if time.Now().After(deadline) {
				t.Fatalf("instances keeping contacts: %v and %v, want %v", stores[0].KeepsContacts(), stores[1].KeepsContacts(), want)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	keeping(true)

	plain := sql.OpenDB(pgdriver.NewConnector(pgdriver.WithDSN(url)))
	t.Cleanup(func() { plain.Close() })
	lock, err := plain.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = lock.Rollback() }()
	if _, err := lock.Exec("LOCK TABLE contacts IN ACCESS EXCLUSIVE MODE"); err != nil {
		t.Fatal(err)
	}
	waiting := func() int {
		t.Helper()
		var n int
		if err := plain.QueryRow(`SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()
			AND query LIKE 'UPDATE % SET id = id WHERE false' AND wait_event_type = 'Lock'`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	most := 0
	for end := time.Now().Add(9 * time.Second); time.Now().Before(end); time.Sleep(50 * time.Millisecond) {
		most = max(most, waiting())
	}
	if stores[0].KeepsContacts() || stores[1].KeepsContacts() {
		t.Error("an instance kept contacts while its pings could not pass the lock")
	}
	if most == 0 || most > len(stores) {
		t.Errorf("at most %d pings waited on the lock at once, want 1 to %d (one per instance)", most, len(stores))
	}
	if err := lock.Rollback(); err != nil {
		t.Fatal(err)
	}
	keeping(true)
	if n := waiting(); n != 0 {
		t.Errorf("%d pings still wait after the lock was released", n)
	}
}

// On SQLite, contacts are kept too, and every change committed by any
// connection, of this process or another (the command line, a restore),
// is read by the next request: the kept contact is checked against the
// file's data version first.
func TestKeptContactsSQLite(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "portico.db")
	st, err := store.OpenSQLite(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.Migrate(ctx, testutil.Migrations(t)); err != nil {
		t.Fatal(err)
	}
	if err := demo.Load(ctx, st); err != nil {
		t.Fatal(err)
	}
	// Another process's connection to the same file.
	other, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { other.Close() })

	ana, err := store.ContactByEmail(ctx, st.DB, demo.AnaEmail)
	if err != nil {
		t.Fatal(err)
	}
	read := func() (*model.Contact, int64) {
		t.Helper()
		c, version, _, err := st.ContactAndSettingsVersion(ctx, ana.ID)
		if err != nil {
			t.Fatal(err)
		}
		return c, version
	}
	read()
	read()
	if n := st.KeptContacts(); n != 1 {
		t.Fatalf("kept contacts after two reads: %d, want 1", n)
	}
	// A copy is handed out: changing it changes nothing kept.
	c, _ := read()
	c.Name = "Changed by a handler"
	if c, _ := read(); c.Name != ana.Name {
		t.Errorf("kept contact changed through a copy: %q", c.Name)
	}

	// Changes by the other process and by the store itself, each read by
	// the very next request, though the contact was kept until then.
	for i := range 40 {
		name := fmt.Sprintf("Ana %d", i)
		if i%2 == 0 {
			if _, err := other.Exec("UPDATE contacts SET name = ? WHERE id = ?", name, ana.ID); err != nil {
				t.Fatal(err)
			}
		} else if _, err := st.DB.NewUpdate().Table("contacts").Set("name = ?", name).Where("id = ?", ana.ID).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		if n := st.KeptContacts(); n != 1 {
			t.Fatalf("change %d: kept contacts before the next read: %d, want the stale one", i, n)
		}
		if c, _ := read(); c.Name != name {
			t.Fatalf("change %d: read %q, want %q", i, c.Name, name)
		}
	}
	if _, err := other.Exec("UPDATE companies SET name = 'Renamed elsewhere' WHERE id = ?", *ana.CompanyID); err != nil {
		t.Fatal(err)
	}
	if c, _ := read(); c.Company == nil || c.Company.Name != "Renamed elsewhere" {
		t.Errorf("company after another process renamed it: %+v", c.Company)
	}
	if _, err := other.Exec("UPDATE contacts SET disabled = 1 WHERE id = ?", ana.ID); err != nil {
		t.Fatal(err)
	}
	if c, _ := read(); !c.Disabled {
		t.Error("contact disabled by another process read as enabled")
	}
	_, before := read()
	ps, _, err := store.Settings(ctx, st.DB)
	if err != nil {
		t.Fatal(err)
	}
	ps.Title = model.Text{"en": "Saved", "es": "Guardado"}
	after, err := store.SaveSettings(ctx, st.DB, ps)
	if err != nil {
		t.Fatal(err)
	}
	if _, v := read(); v != after || v == before {
		t.Errorf("settings version after a save: %d, want %d (was %d)", v, after, before)
	}
	// The watchers hold no read transaction between checks: one would
	// keep the write-ahead log from ever being checkpointed.
	var busy, logged, moved int
	if err := other.QueryRow("PRAGMA wal_checkpoint(TRUNCATE)").Scan(&busy, &logged, &moved); err != nil {
		t.Fatal(err)
	}
	if busy != 0 {
		t.Errorf("the log could not be checkpointed after the reads (busy %d, %d frames, %d moved)", busy, logged, moved)
	}
}
