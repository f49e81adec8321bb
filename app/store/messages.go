package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"portico/app/model"
)

// ErrTicketClosed is returned when someone replies to a closed ticket.
var ErrTicketClosed = errors.New("store: ticket is closed")

// LatestThreadMessages returns the public messages of the ticket's most
// recent thread, with their attachments. Notes and comments never leave
// this function.
func LatestThreadMessages(ctx context.Context, db bun.IDB, ticketID int64) ([]*model.Message, error) {
	var threadID int64
	err := db.NewSelect().Model((*model.Thread)(nil)).Column("id").
		Where("ticket_id = ?", ticketID).Order("created_at DESC", "id DESC").Limit(1).
		Scan(ctx, &threadID)
	if err != nil {
		if notFound(err, "") == ErrNotFound {
			return nil, nil
		}
		return nil, fmt.Errorf("store: unable to find thread: %w", err)
	}
	var msgs []*model.Message
	err = db.NewSelect().Model(&msgs).
		Relation("AuthorContact", func(q *bun.SelectQuery) *bun.SelectQuery { return q.Column("id", "name", "email") }).
		Relation("AuthorStaff", func(q *bun.SelectQuery) *bun.SelectQuery { return q.Column("id", "name") }).
		Relation("Attachments", func(q *bun.SelectQuery) *bun.SelectQuery { return q.Order("id") }).
		Where("message.thread_id = ?", threadID).
		Where("message.kind = ?", model.KindPublic).
		Order("message.created_at ASC", "message.id ASC").
		Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("store: unable to load messages: %w", err)
	}
	return msgs, nil
}

// NewReply is a message written by a contact in the portal.
type NewReply struct {
	TicketID       int64
	ContactID      int64
	Body           string
	Files          []Upload
	DefaultInboxID int64
}

// AddContactReply stores a contact's public reply on the ticket's latest
// thread (or on a new thread in the default inbox), with its attachments,
// and bumps the ticket's last activity. Call it inside a transaction: it
// either saves everything or nothing.
func (s *Store) AddContactReply(ctx context.Context, tx bun.IDB, r NewReply) (*model.Message, error) {
	t := new(model.Ticket)
	q := tx.NewSelect().Model(t).Column("id", "closed", "inbox_id").Where("id = ?", r.TicketID)
	if s.Postgres() {
		// Serialize with a concurrent stage change; SQLite's immediate
		// transactions already do.
		q = q.For("UPDATE")
	}
	if err := q.Scan(ctx); err != nil {
		return nil, notFound(err, "load ticket")
	}
	if t.Closed {
		return nil, ErrTicketClosed
	}
	threadID, err := latestThread(ctx, tx, t.ID)
	if err != nil {
		return nil, err
	}
	if threadID == 0 {
		if r.DefaultInboxID == 0 {
			return nil, fmt.Errorf("store: no default inbox for a new thread")
		}
		th := &model.Thread{TicketID: t.ID, InboxID: r.DefaultInboxID}
		if err := startThread(ctx, tx, t, th); err != nil {
			return nil, err
		}
		threadID = th.ID
	}
	now := time.Now().UTC()
	contactID := r.ContactID
	m := &model.Message{
		ThreadID: threadID, TicketID: t.ID, Kind: model.KindPublic,
		Direction: model.DirectionIncoming, Channel: "portal",
		AuthorContactID: &contactID, Body: r.Body, CreatedAt: now,
	}
	if err := touchTicket(ctx, tx, t.ID, now); err != nil {
		return nil, err
	}
	if err := InsertMessage(ctx, tx, m, r.Files); err != nil {
		return nil, err
	}
	return m, nil
}

// inLatestThread restricts messages (aliased "m") to their ticket's most
// recent thread: the one the portal shows, and so the only one whose text
// portal search finds and whose attachments it serves.
const inLatestThread = `m.thread_id = (SELECT th.id FROM threads AS th WHERE th.ticket_id = m.ticket_id
	ORDER BY th.created_at DESC, th.id DESC LIMIT 1)`

func latestThread(ctx context.Context, db bun.IDB, ticketID int64) (int64, error) {
	var id int64
	err := db.NewSelect().Model((*model.Thread)(nil)).Column("id").
		Where("ticket_id = ?", ticketID).Order("created_at DESC", "id DESC").Limit(1).Scan(ctx, &id)
	if err != nil && notFound(err, "") != ErrNotFound {
		return 0, fmt.Errorf("store: unable to find thread: %w", err)
	}
	return id, nil
}

// touchTicket moves a ticket's last activity. A public message follows
// (InsertMessage), which brings the visibility keys in step.
func touchTicket(ctx context.Context, db bun.IDB, id int64, at time.Time) error {
	if _, err := db.NewUpdate().Model((*model.Ticket)(nil)).Set("last_activity_at = ?", at).
		Where("id = ?", id).Exec(ctx); err != nil {
		return fmt.Errorf("store: unable to touch ticket: %w", err)
	}
	return nil
}

// InsertMessage stores a message and its attachments. A public message
// enters the ticket's search text, and the ticket's visibility keys are
// synced (its last activity may have moved just before).
func InsertMessage(ctx context.Context, db bun.IDB, m *model.Message, files []Upload) error {
	if _, err := db.NewInsert().Model(m).Exec(ctx); err != nil {
		return fmt.Errorf("store: unable to save message: %w", err)
	}
	if m.Kind == model.KindPublic {
		if err := syncTicket(ctx, db, m.TicketID); err != nil {
			return err
		}
	}
	for _, f := range files {
		a, err := saveAttachment(ctx, db, m, f)
		if err != nil {
			return err
		}
		m.Attachments = append(m.Attachments, a)
	}
	return nil
}

func randomKey() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// VisibleAttachment returns an attachment (read its bytes with
// OpenAttachment) when it belongs to a public message of the thread the
// portal shows, on a ticket the
// viewer may see.
func (s *Store) VisibleAttachment(ctx context.Context, db bun.IDB, v Viewer, id int64) (*model.Attachment, error) {
	a := new(model.Attachment)
	q := db.NewSelect().Model(a).
		Join("JOIN messages AS m ON m.id = attachment.message_id").
		Join("JOIN tickets AS t ON t.id = m.ticket_id").
		Where("attachment.id = ?", id).
		Where("m.kind = ?", model.KindPublic).
		Where(inLatestThread)
	q = s.Visible(q, v)
	if err := q.Scan(ctx); err != nil {
		return nil, notFound(err, "load attachment")
	}
	return a, nil
}

// startThread inserts a ticket's new thread. A ticket with no inbox yet
// (one taken by phone) joins the thread's inbox, so that agents find it
// there. The new thread is the one the portal shows from now on, so the
// ticket's search text is rebuilt from it, and a filter rule may name the
// inbox.
func startThread(ctx context.Context, tx bun.IDB, t *model.Ticket, th *model.Thread) error {
	if _, err := tx.NewInsert().Model(th).Exec(ctx); err != nil {
		return fmt.Errorf("store: unable to start thread: %w", err)
	}
	if t.InboxID == nil {
		_, err := tx.NewUpdate().Model((*model.Ticket)(nil)).Set("inbox_id = ?", th.InboxID).Where("id = ?", t.ID).Exec(ctx)
		if err != nil {
			return fmt.Errorf("store: unable to set the ticket's inbox: %w", err)
		}
	}
	return syncTicket(ctx, tx, t.ID)
}
