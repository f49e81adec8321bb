package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"net"
	"os"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/driver/pgdriver"

	"portico/app/model"
)

// Every request of a logged-in customer needs their contact and the
// settings' version. On Postgres, reading them was one of a list's two
// round trips, and a third of the database's time for a short list. They
// change seldom, so an instance keeps them while it can hear about every
// change:
//
//   - triggers on contacts, companies and portal_settings send a
//     notification on accountsChannel at the commit of any change, from
//     any instance or from plain SQL (a fix, an import, a restore);
//   - each instance listens (WatchAccounts), and forgets every kept contact
//     when one arrives;
//   - its own writes to those tables forget them at once, as the statement
//     runs (accountWrites), so that its next request reads the change even
//     before the notification is back;
//   - nothing is kept while the listener is not known to work: before its
//     first ping came back through every table's trigger, after an error,
//     or when a ping goes missing (a restore drops the triggers, and
//     recreates them only at its end);
//   - nothing is kept longer than keepFor.
//
// Another instance thus reads a change at most the notification's trip
// later (well under a millisecond on one network). On SQLite, which
// other processes (the command line) write to unheard, what is kept is
// checked against the file's data version before each use instead
// (dataversion.go).

// accountsChannel is the channel of the triggers' notifications.
const accountsChannel = "portico_accounts"

// accountCacheSize bounds the contacts kept; past it, all are forgotten.
const accountCacheSize = 20000

// keepFor bounds how long a contact is kept, whatever is heard: a change
// made where no trigger fires (a replica's apply, a trigger disabled by
// hand) is read within it.
const keepFor = time.Minute

// accountCache keeps contacts with the settings' version and stamp.
type accountCache struct {
	mu   sync.Mutex
	live bool   // the listener is known to hear every change
	gen  uint64 // moves at every forgetting, so that a read begun before it is not kept
	m    map[int64]cachedContact
}

type cachedContact struct {
	contact model.Contact
	version int64
	stamp   string
	at      time.Time
}

// get answers a kept contact, as a copy of its own.
func (c *accountCache) get(id int64) (*model.Contact, int64, string, bool) {
	c.mu.Lock()
	e, ok := c.m[id]
	c.mu.Unlock()
	if !ok || time.Since(e.at) > keepFor {
		return nil, 0, "", false
	}
	ct := cloneContact(e.contact)
	return &ct, e.version, e.stamp, true
}

// cloneContact copies a contact and what it points to: a kept contact
// shares nothing with the requests that read it.
func cloneContact(ct model.Contact) model.Contact {
	if ct.CompanyID != nil {
		id := *ct.CompanyID
		ct.CompanyID = &id
	}
	if ct.Company != nil {
		co := *ct.Company
		ct.Company = &co
	}
	return ct
}

// begin is called before a read that may be kept.
func (c *accountCache) begin() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gen
}

// put keeps what a read begun at gen found, unless something was forgotten
// since, or the listener is not known to work.
func (c *accountCache) put(gen uint64, ct *model.Contact, version int64, stamp string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.live || c.gen != gen {
		return
	}
	if c.m == nil || len(c.m) >= accountCacheSize {
		c.m = map[int64]cachedContact{}
	}
	c.m[ct.ID] = cachedContact{contact: cloneContact(*ct), version: version, stamp: stamp, at: time.Now()}
}

// forget drops every kept contact.
func (c *accountCache) forget() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	c.m = nil
}

// setLive forgets every kept contact and sets whether the listener works.
func (c *accountCache) setLive(live bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	c.m = nil
	c.live = live
}

// isLive tells whether contacts are being kept.
func (c *accountCache) isLive() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.live
}

// KeepsContacts tells whether the store keeps contacts between requests:
// on Postgres, while WatchAccounts hears every change; on SQLite, always,
// each checked against the data version before use.
func (s *Store) KeepsContacts() bool { return s.accounts.isLive() }

// accountTables finds a statement that writes to the tables the kept
// contacts come from (not ticket_contacts: an underscore is part of a
// word).
var accountTables = regexp.MustCompile(`(?i)\b(?:insert\s+into|update|delete\s+from|truncate(?:\s+table)?)\s+(?:only\s+)?"?(?:contacts|companies|portal_settings)\b`)

// accountWrites forgets the kept contacts when this instance writes to
// their tables, as the statement runs. A request that reads them before
// the commit may keep the old row: the commit's notification then
// forgets it.
type accountWrites struct{ c *accountCache }

func (accountWrites) BeforeQuery(ctx context.Context, _ *bun.QueryEvent) context.Context { return ctx }

func (h accountWrites) AfterQuery(_ context.Context, e *bun.QueryEvent) {
	// A plain SELECT writes nothing: most statements stop here.
	q := strings.TrimLeft(e.Query, " \t\r\n(")
	if len(q) >= 6 && strings.EqualFold(q[:6], "select") {
		return
	}
	if accountTables.MatchString(q) {
		h.c.forget()
	}
}

// WatchAccounts listens to the notifications of changes to contacts,
// companies and settings until ctx ends, reconnecting after a failure. It
// does nothing on SQLite. Contacts are kept only while it runs and hears.
func (s *Store) WatchAccounts(ctx context.Context, log *slog.Logger) {
	if !s.Postgres() {
		return
	}
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	ping := "ping:" + hex.EncodeToString(b)
	// While the listener fails over and over (a table locked by a long
	// migration), the warning is repeated once a minute, not on every try.
	var warned time.Time
	for ctx.Err() == nil {
		err := s.listen(ctx, ping)
		s.accounts.setLive(false)
		if ctx.Err() != nil {
			return
		}
		if time.Since(warned) >= time.Minute {
			log.Warn("not keeping contacts between requests: the listener for their changes stopped; retrying", slog.Any("err", err))
			warned = time.Now()
		}
		select {
		case <-ctx.Done():
		case <-time.After(time.Second):
		}
	}
}

// pingEvery is how often the listener checks, with a ping of its own
// through the triggers, that it still hears.
const pingEvery = 2 * time.Second

// pingWait is how long the server lets one statement of a ping wait.
const pingWait = time.Second

var errPingLost = errors.New("store: a ping of the listener did not come back")

// accountTableNames are the tables whose triggers announce changes.
var accountTableNames = []string{"contacts", "companies", "portal_settings"}

// ping sends a ping through the triggers of every table: a transaction
// that names the ping (portico.ping) and updates no row of each table. It
// goes around the query hook, which would take it for a write, and waits
// for a pool connection no longer than a ping's period: notifications are
// not read while it waits.
//
// The server gives the transaction up by itself when a table is locked
// (a migration, a restore, a long maintenance transaction): a client that
// stops waiting does not stop the server's backend, which would otherwise
// wait on for the lock, holding a connection, while the listener sends a
// new ping every few seconds, until the database refused connections.
func (s *Store) ping(ctx context.Context, ping string) error {
	ctx, cancel := context.WithTimeout(ctx, pingEvery)
	defer cancel()
	tx, err := s.DB.DB.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }()
	if _, err := tx.ExecContext(ctx, "SELECT set_config('portico.ping', $1, true), set_config('lock_timeout', $2, true), set_config('statement_timeout', $3, true)",
		ping, pingWait.String(), pingWait.String()); err != nil {
		return err
	}
	for _, t := range accountTableNames {
		if _, err := tx.ExecContext(ctx, "UPDATE "+t+" SET id = id WHERE false"); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// pingBack tracks the answers to the last ping: one per table.
type pingBack map[string]bool

// note records a notification; it answers true when it was a change, to
// be acted on, and false for a ping (this instance's, or another's).
func (p pingBack) note(ping, payload string) (change bool) {
	if table, ok := strings.CutPrefix(payload, ping+":"); ok {
		p[table] = true
		return false
	}
	return !strings.HasPrefix(payload, "ping:")
}

// complete tells whether every table answered.
func (p pingBack) complete() bool {
	for _, t := range accountTableNames {
		if !p[t] {
			return false
		}
	}
	return true
}

// listen runs one listening connection until it fails. Contacts are kept
// from the moment a ping of its own has come back through every table's
// trigger: the LISTEN is then in force (the driver sends it without
// waiting for its answer, so the first pings may go unheard), and the
// triggers are there. A ping is sent every pingEvery; an answer still
// incomplete when the next one is due stops the keeping.
func (s *Store) listen(ctx context.Context, ping string) error {
	ln := pgdriver.NewListener(s.DB)
	defer ln.Close()
	if err := ln.Listen(ctx, accountsChannel); err != nil {
		return err
	}
	back := pingBack{}
	for try := 0; !back.complete(); try++ {
		if try == 40 {
			return errPingLost
		}
		clear(back)
		if err := s.ping(ctx, ping); err != nil {
			return err
		}
		for !back.complete() {
			_, payload, err := ln.ReceiveTimeout(ctx, 250*time.Millisecond)
			if isTimeout(err) {
				break
			}
			if err != nil {
				return err
			}
			back.note(ping, payload)
		}
	}
	s.accounts.setLive(true)
	sent := time.Now()
	for ctx.Err() == nil {
		// Pings go on a clock of their own: other instances' pings and
		// changes must not put them off, since they may come through
		// some of the triggers only.
		wait := pingEvery - time.Since(sent)
		if wait <= 0 {
			if !back.complete() {
				return errPingLost
			}
			clear(back)
			if err := s.ping(ctx, ping); err != nil {
				return err
			}
			sent = time.Now()
			continue
		}
		_, payload, err := ln.ReceiveTimeout(ctx, wait)
		switch {
		case err == nil:
			if back.note(ping, payload) {
				s.accounts.forget()
			}
		case isTimeout(err):
		default:
			return err
		}
	}
	return ctx.Err()
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.Is(err, os.ErrDeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout())
}
