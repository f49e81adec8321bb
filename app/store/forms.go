package store

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"portico/app/model"
)

// FormByID returns one support form.
func FormByID(ctx context.Context, db bun.IDB, id int64) (*model.Form, error) {
	f := new(model.Form)
	if err := db.NewSelect().Model(f).Where("id = ?", id).Scan(ctx); err != nil {
		return nil, notFound(err, "load form")
	}
	return f, nil
}

// Submission is a filled-in support form.
type Submission struct {
	Form           *model.Form
	Contact        *model.Contact
	IdempotencyKey string
	Subject        string
	Description    string
	Priority       string
	Category       string
	Properties     map[string]string
	Files          []Upload
}

// SubmissionTicket returns the ticket a submission with this key created,
// or 0 when there is none yet.
func SubmissionTicket(ctx context.Context, db bun.IDB, key string) (int64, error) {
	var id int64
	err := db.NewSelect().Model((*model.FormSubmission)(nil)).Column("ticket_id").
		Where("idempotency_key = ?", key).Scan(ctx, &id)
	if err != nil && notFound(err, "") != ErrNotFound {
		return 0, fmt.Errorf("store: unable to look up submission: %w", err)
	}
	return id, nil
}

// CreateFormTicket turns a submission into one ticket, with a thread in the
// form's inbox holding the description. Run it in a transaction; the unique
// idempotency key makes a concurrent double submit fail rather than
// create a second ticket.
func CreateFormTicket(ctx context.Context, tx bun.IDB, sub Submission) (int64, error) {
	stage, err := FirstOpenStage(ctx, tx, sub.Form.PipelineID)
	if err != nil {
		return 0, err
	}
	now := time.Now().UTC()
	inbox := sub.Form.InboxID
	t := &model.Ticket{
		Subject: sub.Subject, Description: sub.Description,
		PipelineID: sub.Form.PipelineID, StageID: stage.ID, Closed: stage.IsClosed,
		Priority: sub.Priority, Category: sub.Category, Source: model.SourceForm,
		InboxID: &inbox, Properties: sub.Properties, CreatedAt: now, LastActivityAt: now,
	}
	var companies []int64
	if sub.Contact.CompanyID != nil {
		companies = append(companies, *sub.Contact.CompanyID)
	}
	if err := CreateTicket(ctx, tx, t, []int64{sub.Contact.ID}, companies); err != nil {
		return 0, err
	}
	fs := &model.FormSubmission{FormID: sub.Form.ID, TicketID: t.ID, ContactID: sub.Contact.ID, IdempotencyKey: sub.IdempotencyKey}
	if _, err := tx.NewInsert().Model(fs).Exec(ctx); err != nil {
		return 0, fmt.Errorf("store: unable to record submission: %w", err)
	}
	th := &model.Thread{TicketID: t.ID, InboxID: inbox, CreatedAt: now}
	if _, err := tx.NewInsert().Model(th).Exec(ctx); err != nil {
		return 0, fmt.Errorf("store: unable to start thread: %w", err)
	}
	contactID := sub.Contact.ID
	m := &model.Message{
		ThreadID: th.ID, TicketID: t.ID, Kind: model.KindPublic, Direction: model.DirectionIncoming,
		Channel: "form", AuthorContactID: &contactID, Body: sub.Description, CreatedAt: now,
	}
	if err := InsertMessage(ctx, tx, m, sub.Files); err != nil {
		return 0, err
	}
	return t.ID, nil
}
