package store

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/uptrace/bun"
)

// statements caches prepared statements by their text.
type statements struct {
	mu sync.Mutex
	m  map[string]*sql.Stmt
}

// read runs one of the portal's hot reads. On the store's own handle it
// goes through a prepared statement, cached by its text, so that the
// database parses and plans it once per connection instead of on every
// request; inside a transaction it is a plain query. query takes "?"
// placeholders and plain values only.
func (s *Store) read(ctx context.Context, db bun.IDB, dest any, query string, args ...any) error {
	if d, ok := db.(*bun.DB); !ok || d != s.DB {
		return db.NewRaw(query, args...).Scan(ctx, dest)
	}
	stmt, err := s.prepare(ctx, query)
	if err != nil {
		return err
	}
	rows, err := stmt.QueryContext(ctx, args...)
	if err != nil && serverEnded(err) {
		// The connection died between its check and this read: a read
		// changes nothing, so it runs once more on another connection.
		rows, err = stmt.QueryContext(ctx, args...)
	}
	if err != nil {
		return err
	}
	defer rows.Close()
	if ok, err := scanListRows(rows, dest); ok {
		return err
	}
	return s.DB.ScanRows(ctx, rows, dest)
}

func (s *Store) prepare(ctx context.Context, query string) (*sql.Stmt, error) {
	s.stmts.mu.Lock()
	defer s.stmts.mu.Unlock()
	if stmt, ok := s.stmts.m[query]; ok {
		return stmt, nil
	}
	text := query
	if s.Postgres() {
		text = numberPlaceholders(query)
	}
	stmt, err := s.DB.DB.PrepareContext(ctx, text)
	if err != nil {
		return nil, fmt.Errorf("store: unable to prepare a statement: %w", err)
	}
	if s.stmts.m == nil {
		s.stmts.m = map[string]*sql.Stmt{}
	}
	s.stmts.m[query] = stmt
	return stmt, nil
}

// numberPlaceholders turns "?" placeholders into Postgres's $1, $2, …
func numberPlaceholders(q string) string {
	var b strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}
