package scaledata

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// gen runs the SQL of one generation; the first error sticks and skips
// everything after it.
type gen struct {
	ctx   context.Context
	tx    *sql.Tx
	p     *plan
	log   func(string, ...any)
	began time.Time
	err   error
}

// exec runs SQL without arguments: values are inlined as literals, since
// the texts hold question marks that a placeholder syntax would take.
func (g *gen) exec(q string) int64 {
	if g.err != nil {
		return 0
	}
	res, err := g.tx.ExecContext(g.ctx, q)
	if err != nil {
		g.err = fmt.Errorf("scaledata: %w\n%s", err, short(q))
		return 0
	}
	n, _ := res.RowsAffected()
	return n
}

func (g *gen) queryRow(q string, dest ...any) bool {
	if g.err != nil {
		return false
	}
	err := g.tx.QueryRowContext(g.ctx, q).Scan(dest...)
	if errors.Is(err, sql.ErrNoRows) {
		return false
	}
	if err != nil {
		g.err = fmt.Errorf("scaledata: %w\n%s", err, short(q))
		return false
	}
	return true
}

func (g *gen) step(name string, f func()) {
	if g.err != nil {
		return
	}
	t := time.Now()
	f()
	if g.err == nil {
		g.log("scaledata: %s %.1fs (total %.1fs)", name, time.Since(t).Seconds(), time.Since(g.began).Seconds())
	}
}

// chunked runs q for IDs 1 to total in slices of chunkSize, replacing
// {lo} and {hi}, so that no statement runs long: the driver gives up on a
// statement that is silent for its read timeout (10 s by default).
func (g *gen) chunked(total int, q string) {
	for lo := 1; lo <= total && g.err == nil; lo += chunkSize {
		hi := min(lo+chunkSize-1, total)
		g.exec(strings.NewReplacer("{lo}", strconv.Itoa(lo), "{hi}", strconv.Itoa(hi)).Replace(q))
	}
}

const chunkSize = 100_000

func short(q string) string {
	if len(q) > 600 {
		return q[:600] + "…"
	}
	return q
}

// The tables Generate fills. Their secondary B-tree indexes are dropped
// while it loads them and rebuilt from their own definitions afterwards,
// which is faster than maintaining them row by row. Text indexes (GIN)
// stay: one build at full size takes longer than the driver's default
// read timeout, while their pending lists absorb the loads in chunks.
var loadedTables = []string{"companies", "contacts", "tickets", "ticket_contacts", "ticket_companies", "threads", "messages"}

func (g *gen) dropIndexes() []string {
	if g.err != nil {
		return nil
	}
	rows, err := g.tx.QueryContext(g.ctx, `SELECT format('DROP INDEX %I.%I', n.nspname, i.relname), pg_get_indexdef(i.oid)
		FROM pg_index x
		JOIN pg_class i ON i.oid = x.indexrelid
		JOIN pg_class t ON t.oid = x.indrelid
		JOIN pg_namespace n ON n.oid = t.relnamespace
		JOIN pg_am am ON am.oid = i.relam
		WHERE am.amname = 'btree' AND n.nspname = current_schema() AND t.relname = ANY (`+textArray(loadedTables)+`)
		  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)
		ORDER BY t.relname, i.relname`)
	if err != nil {
		g.err = err
		return nil
	}
	defer rows.Close()
	var drops, defs []string
	for rows.Next() {
		var d, c string
		if err := rows.Scan(&d, &c); err != nil {
			g.err = err
			return nil
		}
		drops, defs = append(drops, d), append(defs, c)
	}
	if g.err = rows.Err(); g.err != nil {
		return nil
	}
	for _, d := range drops {
		g.exec(d)
	}
	return defs
}

// SQL building blocks. h is a non-negative 63-bit hash of x under a seed,
// u a uniform float in [0, 1), pick an element of a literal array.
func h(x string, seed int) string {
	return fmt.Sprintf("(hashint8extended(%s, %d) & 9223372036854775807)", x, seed)
}

func u(x string, seed int) string {
	return fmt.Sprintf("((hashint8extended(%s, %d) & 9007199254740991)::float8 / 9007199254740992.0)", x, seed)
}

func pick(words []string, x string, seed int) string {
	return fmt.Sprintf("(%s)[1 + %s %% %d]", textArray(words), h(x, seed), len(words))
}

func lit(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

func textArray(words []string) string {
	q := make([]string, len(words))
	for i, w := range words {
		q[i] = lit(w)
	}
	return "ARRAY[" + strings.Join(q, ", ") + "]::text[]"
}

func intArray(v []int64) string {
	var b strings.Builder
	b.WriteString("'{")
	for i, n := range v {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.FormatInt(n, 10))
	}
	b.WriteString("}'::bigint[]")
	return b.String()
}

func ts(t time.Time) string { return "timestamptz '" + t.Format(time.RFC3339) + "'" }

// created is ticket x's creation time: rising with the ID, evenly over the
// three years, whole seconds.
func (g *gen) created(x string) string {
	step := End.Sub(Start).Seconds() / float64(g.p.tickets)
	return fmt.Sprintf("date_trunc('second', %s + ((%s - 1) + %s) * %s * interval '1 second')",
		ts(Start), x, u(x, 1), strconv.FormatFloat(step, 'f', 6, 64))
}
