package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"portico/app/model"
)

// Records are what agents manage beside tickets: contacts, companies,
// static lists, pipelines and stages, inboxes and support forms. Every
// writer here takes a bun.IDB so that the handler can run it in one
// transaction with its audit entry.

// ErrEmailTaken is returned when another contact already has the email,
// in any letter case.
var ErrEmailTaken = errors.New("store: email already taken")

// ErrLastOpenStage is returned when a change would leave a pipeline with
// no open stage, where new tickets start.
var ErrLastOpenStage = errors.New("store: a pipeline needs an open stage")

// Page is a page request: a 1-based number and a size.
type Page struct {
	Number, Size int
}

func (p Page) limits() (limit, offset int64) {
	if p.Size <= 0 {
		p.Size = 25
	}
	if p.Number < 1 {
		p.Number = 1
	}
	return int64(p.Size), int64(p.Number-1) * int64(p.Size)
}

// likeTerm is a lowered, escaped LIKE pattern that finds the term anywhere.
func likeTerm(term string) string {
	return "%" + escapeLike(strings.ToLower(strings.TrimSpace(term))) + "%"
}

// isUnique recognises a unique constraint failure on either dialect.
func isUnique(err error) bool {
	if err == nil {
		return false
	}
	s := strings.ToLower(err.Error())
	return strings.Contains(s, "unique") || strings.Contains(s, "23505")
}

// ---------------------------------------------------------------------------
// Inboxes

// InboxRow is an inbox with its number of tickets.
type InboxRow struct {
	ID        int64     `bun:"id"`
	Name      string    `bun:"name"`
	Tickets   int       `bun:"tickets"`
	CreatedAt time.Time `bun:"created_at"`
}

// InboxesWithCounts returns every inbox by name, with ticket counts.
func InboxesWithCounts(ctx context.Context, db bun.IDB) ([]InboxRow, error) {
	var out []InboxRow
	err := db.NewSelect().TableExpr("inboxes AS i").ColumnExpr("i.id, i.name, i.created_at").
		ColumnExpr("(SELECT count(*) FROM tickets AS t WHERE t.inbox_id = i.id) AS tickets").
		OrderExpr("lower(i.name) ASC, i.id ASC").Scan(ctx, &out)
	if err != nil {
		return nil, fmt.Errorf("store: unable to list inboxes: %w", err)
	}
	return out, nil
}

// InboxByID returns one inbox.
func InboxByID(ctx context.Context, db bun.IDB, id int64) (*model.Inbox, error) {
	in := new(model.Inbox)
	if err := db.NewSelect().Model(in).Where("id = ?", id).Scan(ctx); err != nil {
		return nil, notFound(err, "load inbox")
	}
	return in, nil
}

// AddInbox creates an inbox.
func AddInbox(ctx context.Context, db bun.IDB, name string) (*model.Inbox, error) {
	in := &model.Inbox{Name: name, CreatedAt: time.Now().UTC()}
	if _, err := db.NewInsert().Model(in).Exec(ctx); err != nil {
		return nil, fmt.Errorf("store: unable to create inbox: %w", err)
	}
	return in, nil
}

// RenameInbox renames an inbox.
func RenameInbox(ctx context.Context, db bun.IDB, id int64, name string) error {
	return rename(ctx, db, (*model.Inbox)(nil), "inbox", id, name)
}

// rename sets the name column of one row of a model's table.
func rename(ctx context.Context, db bun.IDB, m any, what string, id int64, name string) error {
	res, err := db.NewUpdate().Model(m).Set("name = ?", name).Where("id = ?", id).Exec(ctx)
	if err != nil {
		return fmt.Errorf("store: unable to rename %s: %w", what, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// ---------------------------------------------------------------------------
// Support forms

// AddForm creates a support form.
func AddForm(ctx context.Context, db bun.IDB, f *model.Form) error {
	if f.Fields == nil {
		f.Fields = []model.FormField{}
	}
	if f.CreatedAt.IsZero() {
		f.CreatedAt = time.Now().UTC()
	}
	if _, err := db.NewInsert().Model(f).Exec(ctx); err != nil {
		return fmt.Errorf("store: unable to create form: %w", err)
	}
	return nil
}

// UpdateForm saves a support form's name, inbox, pipeline, attachment
// switch and fields.
func UpdateForm(ctx context.Context, db bun.IDB, f *model.Form) error {
	if f.Fields == nil {
		f.Fields = []model.FormField{}
	}
	res, err := db.NewUpdate().Model(f).Column("name", "inbox_id", "pipeline_id", "allow_attachments", "fields").
		WherePK().Exec(ctx)
	if err != nil {
		return fmt.Errorf("store: unable to update form: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}
