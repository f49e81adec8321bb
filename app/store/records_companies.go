package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"portico/app/model"
)

// ---------------------------------------------------------------------------
// Companies

// CompanyRow is one line of the company list.
type CompanyRow struct {
	ID        int64     `bun:"id"`
	Name      string    `bun:"name"`
	Domain    string    `bun:"domain"`
	Contacts  int       `bun:"contacts"`
	CreatedAt time.Time `bun:"created_at"`
}

// ListCompanies lists companies by name, optionally only those whose name
// or domain contains the term, with their number of contacts.
func ListCompanies(ctx context.Context, db bun.IDB, term string, p Page) ([]CompanyRow, int, error) {
	q := db.NewSelect().TableExpr("companies AS co")
	if strings.TrimSpace(term) != "" {
		pat := likeTerm(term)
		q = q.WhereGroup(" AND ", func(q *bun.SelectQuery) *bun.SelectQuery {
			return q.Where(`lower(co.name) LIKE ? ESCAPE '\'`, pat).WhereOr(`lower(co.domain) LIKE ? ESCAPE '\'`, pat)
		})
	}
	total, err := q.Count(ctx)
	if err != nil {
		return nil, 0, fmt.Errorf("store: unable to count companies: %w", err)
	}
	limit, offset := p.limits()
	var rows []CompanyRow
	err = q.ColumnExpr("co.id, co.name, co.domain, co.created_at").
		ColumnExpr("(SELECT count(*) FROM contacts AS c WHERE c.company_id = co.id) AS contacts").
		OrderExpr("lower(co.name) ASC, co.id ASC").Limit(limit).Offset(offset).Scan(ctx, &rows)
	if err != nil {
		return nil, 0, fmt.Errorf("store: unable to list companies: %w", err)
	}
	return rows, int(total), nil
}

// AddCompany creates a company.
func AddCompany(ctx context.Context, db bun.IDB, name, domain string) (*model.Company, error) {
	c := &model.Company{Name: name, Domain: domain, CreatedAt: time.Now().UTC()}
	if _, err := db.NewInsert().Model(c).Exec(ctx); err != nil {
		return nil, fmt.Errorf("store: unable to create company: %w", err)
	}
	return c, nil
}

// UpdateCompany renames a company and sets its domain.
func UpdateCompany(ctx context.Context, db bun.IDB, id int64, name, domain string) error {
	res, err := db.NewUpdate().Model((*model.Company)(nil)).Set("name = ?", name).Set("domain = ?", domain).
		Where("id = ?", id).Exec(ctx)
	if err != nil {
		return fmt.Errorf("store: unable to update company: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// CompanyContacts returns the contacts whose primary company this is, by
// name, at most limit of them, with their total.
func CompanyContacts(ctx context.Context, db bun.IDB, companyID int64, limit int) ([]model.Contact, int, error) {
	var out []model.Contact
	q := db.NewSelect().Model(&out).ExcludeColumn("password_hash").Where("company_id = ?", companyID)
	total, err := q.Count(ctx)
	if err != nil {
		return nil, 0, fmt.Errorf("store: unable to count company contacts: %w", err)
	}
	if err := q.OrderExpr("lower(name) ASC, id ASC").Limit(int64(limit)).Scan(ctx); err != nil {
		return nil, 0, fmt.Errorf("store: unable to load company contacts: %w", err)
	}
	return out, int(total), nil
}

// CompanyTickets returns one page of the tickets associated with a
// company, by last activity, with the total.
func CompanyTickets(ctx context.Context, db bun.IDB, companyID int64, p Page) ([]AdminTicketRow, int, error) {
	total, err := db.NewSelect().TableExpr("ticket_companies").Where("company_id = ?", companyID).Count(ctx)
	if err != nil {
		return nil, 0, fmt.Errorf("store: unable to count company tickets: %w", err)
	}
	limit, offset := p.limits()
	var rows []AdminTicketRow
	err = db.NewSelect().TableExpr("tickets AS t").
		ColumnExpr("t.id, t.subject, t.priority, t.source, t.closed, t.created_at, t.last_activity_at").
		ColumnExpr("s.name AS stage_name, s.waits_on_customer AS stage_waiting, p.name AS pipeline_name, COALESCE(u.name, '') AS owner_name").
		Join("JOIN ticket_companies AS tco ON tco.ticket_id = t.id").
		Join("JOIN stages AS s ON s.id = t.stage_id").
		Join("JOIN pipelines AS p ON p.id = t.pipeline_id").
		Join("LEFT JOIN staff_users AS u ON u.id = t.owner_id").
		Where("tco.company_id = ?", companyID).
		OrderExpr("t.last_activity_at DESC, t.id DESC").Limit(limit).Offset(offset).Scan(ctx, &rows)
	if err != nil {
		return nil, 0, fmt.Errorf("store: unable to list company tickets: %w", err)
	}
	return rows, int(total), nil
}
