package store

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"portico/app/model"
)

// ---------------------------------------------------------------------------
// Static lists

// ListRow is a static list with its number of members.
type ListRow struct {
	ID        int64     `bun:"id"`
	Name      string    `bun:"name"`
	Members   int       `bun:"members"`
	CreatedAt time.Time `bun:"created_at"`
}

// ListsWithCounts returns every static list by name, with member counts.
func ListsWithCounts(ctx context.Context, db bun.IDB) ([]ListRow, error) {
	var out []ListRow
	err := db.NewSelect().TableExpr("lists AS l").ColumnExpr("l.id, l.name, l.created_at").
		ColumnExpr("(SELECT count(*) FROM list_members AS lm WHERE lm.list_id = l.id) AS members").
		OrderExpr("lower(l.name) ASC, l.id ASC").Scan(ctx, &out)
	if err != nil {
		return nil, fmt.Errorf("store: unable to list lists: %w", err)
	}
	return out, nil
}

// ListByID returns one static list.
func ListByID(ctx context.Context, db bun.IDB, id int64) (*model.List, error) {
	l := new(model.List)
	if err := db.NewSelect().Model(l).Where("id = ?", id).Scan(ctx); err != nil {
		return nil, notFound(err, "load list")
	}
	return l, nil
}

// AddList creates a static list.
func AddList(ctx context.Context, db bun.IDB, name string) (*model.List, error) {
	l := &model.List{Name: name, CreatedAt: time.Now().UTC()}
	if _, err := db.NewInsert().Model(l).Exec(ctx); err != nil {
		return nil, fmt.Errorf("store: unable to create list: %w", err)
	}
	return l, nil
}

// RenameList renames a static list.
func RenameList(ctx context.Context, db bun.IDB, id int64, name string) error {
	return rename(ctx, db, (*model.List)(nil), "list", id, name)
}

// ListMembers returns one page of a list's members, by name, with the total.
func ListMembers(ctx context.Context, db bun.IDB, listID int64, p Page) ([]ContactRow, int, error) {
	q := db.NewSelect().TableExpr("contacts AS c").
		Join("JOIN list_members AS lm ON lm.contact_id = c.id").Where("lm.list_id = ?", listID)
	total, err := q.Count(ctx)
	if err != nil {
		return nil, 0, fmt.Errorf("store: unable to count list members: %w", err)
	}
	limit, offset := p.limits()
	var rows []ContactRow
	err = q.ColumnExpr("c.id, c.name, c.email, c.disabled, c.company_id, c.created_at").
		ColumnExpr("COALESCE(co.name, '') AS company_name").
		Join("LEFT JOIN companies AS co ON co.id = c.company_id").
		OrderExpr("lower(c.name) ASC, c.id ASC").Limit(limit).Offset(offset).Scan(ctx, &rows)
	if err != nil {
		return nil, 0, fmt.Errorf("store: unable to list members: %w", err)
	}
	return rows, int(total), nil
}

// AddListMember puts a contact on a list. It reports false when the
// contact was on it already.
func AddListMember(ctx context.Context, db bun.IDB, listID, contactID int64) (bool, error) {
	res, err := db.NewInsert().Model(&model.ListMember{ListID: listID, ContactID: contactID, CreatedAt: time.Now().UTC()}).
		On("CONFLICT DO NOTHING").Exec(ctx)
	if err != nil {
		return false, fmt.Errorf("store: unable to add list member: %w", err)
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// RemoveListMember takes a contact off a list. It reports false when the
// contact was not on it.
func RemoveListMember(ctx context.Context, db bun.IDB, listID, contactID int64) (bool, error) {
	res, err := db.NewDelete().Model((*model.ListMember)(nil)).
		Where("list_id = ? AND contact_id = ?", listID, contactID).Exec(ctx)
	if err != nil {
		return false, fmt.Errorf("store: unable to remove list member: %w", err)
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}
