package store

import (
	"database/sql"
	"fmt"
	"time"
)

// scanListRows reads the rows of a list statement into dest, a
// *[]TicketRow or a *[]countedRow, without bun's reflection: a list page
// is the portal's most frequent read, and reflection was an eighth of its
// CPU time. It reports false for any other destination. The columns are
// those the list statements select, in their order: the counts first for
// a countedRow, then id, subject, created_at, last_activity_at, closed,
// stage_name, stage_labels, stage_waiting, sort_key. A statement of other
// columns (the counts alone) is left to bun.
func scanListRows(rows *sql.Rows, dest any) (bool, error) {
	cols, err := rows.Columns()
	if err != nil {
		return true, err
	}
	switch d := dest.(type) {
	case *[]TicketRow:
		if len(cols) != ticketColumns {
			return false, nil
		}
		var r TicketRow
		var id sql.NullInt64
		dst := ticketCols(&r, &id)
		for rows.Next() {
			if err := rows.Scan(dst...); err != nil {
				return true, fmt.Errorf("store: unable to read a list row: %w", err)
			}
			r.ID = id.Int64
			*d = append(*d, r)
		}
	case *[]countedRow:
		if len(cols) != 3+ticketColumns {
			return false, nil
		}
		var r countedRow
		var id, open, closed, shared sql.NullInt64
		dst := append([]any{&open, &closed, &shared}, ticketCols(&r.TicketRow, &id)...)
		for rows.Next() {
			if err := rows.Scan(dst...); err != nil {
				return true, fmt.Errorf("store: unable to read a list row: %w", err)
			}
			r.Open, r.Closed, r.Shared = int(open.Int64), int(closed.Int64), int(shared.Int64)
			r.ID = id.Int64
			*d = append(*d, r)
		}
	default:
		return false, nil
	}
	return true, rows.Err()
}

// ticketColumns is the number of a list row's ticket columns.
const ticketColumns = 9

// ticketCols are the scan destinations of a list row's ticket columns;
// every one of them takes a null (the empty page of a counted
// statement).
func ticketCols(r *TicketRow, id *sql.NullInt64) []any {
	return []any{id, (*nullString)(&r.Subject), (*nullTime)(&r.CreatedAt), (*nullTime)(&r.LastActivityAt),
		(*nullBool)(&r.Closed), (*nullString)(&r.StageName), &r.StageLabels, (*nullBool)(&r.StageWaiting),
		(*nullString)(&r.SortKey)}
}

// nullString scans a text column, null as "".
type nullString string

func (s *nullString) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*s = ""
	case string:
		*s = nullString(v)
	case []byte:
		*s = nullString(v)
	default:
		var n sql.NullString
		if err := n.Scan(src); err != nil {
			return err
		}
		*s = nullString(n.String)
	}
	return nil
}

// nullBool scans a boolean column (an integer on SQLite), null as false.
type nullBool bool

func (b *nullBool) Scan(src any) error {
	var n sql.NullBool
	if err := n.Scan(src); err != nil {
		return err
	}
	*b = nullBool(n.Bool)
	return nil
}

// nullTime scans a timestamp, null as the zero time: a time from
// Postgres, the text of one from SQLite (see timeText).
type nullTime time.Time

func (t *nullTime) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*t = nullTime{}
		return nil
	case time.Time:
		*t = nullTime(v)
		return nil
	case string:
		for _, layout := range sqliteTimeLayouts {
			if p, err := time.Parse(layout, v); err == nil {
				*t = nullTime(p)
				return nil
			}
		}
	}
	return fmt.Errorf("store: unable to read a time from %T %q", src, src)
}

// sqliteTimeLayouts are the layouts of SQLite's timestamps: as Portico
// writes them, then as SQLite's own functions do.
var sqliteTimeLayouts = []string{"2006-01-02 15:04:05.999999999-07:00", "2006-01-02 15:04:05.999999999", time.RFC3339Nano}
