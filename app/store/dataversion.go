package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
)

// On SQLite, kept contacts are checked against the database file's data
// version before each use. SQLite's data_version changes on a connection
// whenever another connection, of this process or of another one (the
// command line, a restore), has committed a change since that connection
// last asked. A few connections of their own, which never write, ask it;
// one that sees it move makes the store forget every kept contact. Any
// commit is seen by whichever of them asks next, and each one's first
// answer forgets too, so nothing committed before a check is ever
// answered from what was kept before it.
//
// Several of them, each keeping its own last answer, so that requests do
// not queue on one connection to ask (with one, a 16-client table gained
// nothing).

// versionWatchers is how many connections ask for the data version.
const versionWatchers = 4

type versionWatch struct {
	db    *sql.DB
	conns chan *watchConn
	once  sync.Once
	err   error
}

type watchConn struct {
	conn *sql.Conn
	ask  *sql.Stmt // PRAGMA data_version, prepared on conn
	last int64
	seen bool
}

// openVersionWatch prepares the watchers of a SQLite file, opened with
// dsn; their connections are made on first use.
func openVersionWatch(dsn string) (*versionWatch, error) {
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("store: unable to open sqlite: %w", err)
	}
	db.SetMaxOpenConns(versionWatchers)
	db.SetMaxIdleConns(versionWatchers)
	return &versionWatch{db: db, conns: make(chan *watchConn, versionWatchers)}, nil
}

// connect makes the watchers' connections, once.
func (w *versionWatch) connect(ctx context.Context) error {
	w.once.Do(func() {
		for range versionWatchers {
			c, err := w.db.Conn(context.WithoutCancel(ctx))
			if err != nil {
				w.err = fmt.Errorf("store: unable to watch the data version: %w", err)
				return
			}
			ask, err := c.PrepareContext(context.WithoutCancel(ctx), "PRAGMA data_version")
			if err != nil {
				_ = c.Close()
				w.err = fmt.Errorf("store: unable to watch the data version: %w", err)
				return
			}
			w.conns <- &watchConn{conn: c, ask: ask}
		}
	})
	return w.err
}

var errNoWatch = errors.New("store: the data version is not watched")

// check asks the data version on a free watcher, and makes the cache
// forget when it moved since that watcher last asked. An error means the
// cache must not be used for this read.
func (w *versionWatch) check(ctx context.Context, cache *accountCache) error {
	if w == nil {
		return errNoWatch
	}
	if err := w.connect(ctx); err != nil {
		return err
	}
	var c *watchConn
	select {
	case c = <-w.conns:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { w.conns <- c }()
	var v int64
	if err := c.ask.QueryRowContext(ctx).Scan(&v); err != nil {
		// The connection's answers can no longer be compared: it asks
		// afresh next time.
		c.seen = false
		cache.forget()
		return fmt.Errorf("store: unable to read the data version: %w", err)
	}
	if !c.seen || v != c.last {
		cache.forget()
		c.last, c.seen = v, true
	}
	return nil
}

// close closes the watchers' connections.
func (w *versionWatch) close() error {
	if w == nil {
		return nil
	}
	w.once.Do(func() { w.err = errNoWatch }) // no connection after this
	for {
		select {
		case c := <-w.conns:
			_ = c.ask.Close()
			_ = c.conn.Close()
		default:
			return w.db.Close()
		}
	}
}
