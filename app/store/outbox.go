package store

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"portico/app/model"
)

// Outbox statuses. A mail is pending until a worker claims it (sending);
// then it is sent, or pending again with a later attempt, or failed once
// it ran out of attempts.
const (
	MailPending = "pending"
	MailSending = "sending"
	MailSent    = "sent"
	MailFailed  = "failed"
)

// OutboxMail is an outbox row with the columns the email migration added.
type OutboxMail struct {
	model.OutboxMail `bun:",extend"`

	ReplyTo string `bun:"reply_to,notnull"`
	// ListUnsubscribe is the one-click unsubscribe URL of a ticket
	// notification, or "".
	ListUnsubscribe string `bun:"list_unsubscribe,notnull"`
}

// EnqueueMail writes a mail to the outbox. Call it with the transaction of
// the event that causes the mail, so that a rollback takes the mail with
// it. A mail whose dedupe key is already in the outbox is skipped, which
// makes a retried event send nothing twice; the result says whether the
// mail was added.
func EnqueueMail(ctx context.Context, db bun.IDB, m *OutboxMail) (bool, error) {
	now := time.Now().UTC()
	if m.Status == "" {
		m.Status = MailPending
	}
	if m.NextAttemptAt.IsZero() {
		m.NextAttemptAt = now
	}
	if m.CreatedAt.IsZero() {
		m.CreatedAt = now
	}
	res, err := db.NewInsert().Model(m).
		On("CONFLICT (dedupe_key) DO NOTHING").
		Returning("NULL").Exec(ctx)
	if err != nil {
		return false, fmt.Errorf("store: unable to queue mail: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("store: unable to queue mail: %w", err)
	}
	return n == 1, nil
}

// OutboxHas reports whether a mail with the dedupe key was ever queued.
func OutboxHas(ctx context.Context, db bun.IDB, dedupeKey string) (bool, error) {
	ok, err := db.NewSelect().Model((*model.OutboxMail)(nil)).Where("dedupe_key = ?", dedupeKey).Exists(ctx)
	if err != nil {
		return false, fmt.Errorf("store: unable to look up mail: %w", err)
	}
	return ok, nil
}

// ClaimMails takes up to limit due mails for one worker: each is marked
// sending, its attempt counted, and its next attempt pushed past the
// lease. On Postgres the rows are picked with FOR UPDATE SKIP LOCKED, so
// concurrent workers on several instances never take the same mail; SQLite
// runs one statement at a time anyway. A claim whose worker died before
// finishing becomes due again when the lease ends.
func (s *Store) ClaimMails(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]OutboxMail, error) {
	now = now.UTC()
	due := s.DB.NewSelect().Model((*model.OutboxMail)(nil)).Column("id").
		Where("status IN (?)", bun.In([]string{MailPending, MailSending})).
		Where("next_attempt_at <= ?", now).
		Order("next_attempt_at", "id").Limit(int64(limit))
	if s.Postgres() {
		due = due.For("UPDATE SKIP LOCKED")
	}
	var out []OutboxMail
	_, err := s.DB.NewUpdate().Model((*OutboxMail)(nil)).
		Set("status = ?", MailSending).
		Set("attempts = attempts + 1").
		Set("next_attempt_at = ?", now.Add(lease)).
		Where("id IN (?)", due).
		Where("status IN (?)", bun.In([]string{MailPending, MailSending})).
		Returning("*").
		Exec(ctx, &out)
	if err != nil {
		return nil, fmt.Errorf("store: unable to claim mail: %w", err)
	}
	return out, nil
}

// MarkMailSent records a delivery. It only succeeds for the claim that is
// still current (same attempt, still sending), so a mail is marked sent
// exactly once; the result says whether this call did it.
func MarkMailSent(ctx context.Context, db bun.IDB, id int64, attempt int, now time.Time) (bool, error) {
	res, err := db.NewUpdate().Model((*model.OutboxMail)(nil)).
		Set("status = ?", MailSent).Set("sent_at = ?", now.UTC()).Set("last_error = ''").
		Where("id = ?", id).Where("attempts = ?", attempt).Where("status = ?", MailSending).
		Exec(ctx)
	if err != nil {
		return false, fmt.Errorf("store: unable to mark mail sent: %w", err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// MarkMailFailed records a failed attempt: the mail is due again at next,
// or failed for good when final.
func MarkMailFailed(ctx context.Context, db bun.IDB, id int64, attempt int, problem string, next time.Time, final bool) error {
	status := MailPending
	if final {
		status = MailFailed
	}
	if len(problem) > 1000 {
		problem = problem[:1000]
	}
	_, err := db.NewUpdate().Model((*model.OutboxMail)(nil)).
		Set("status = ?", status).Set("last_error = ?", problem).Set("next_attempt_at = ?", next.UTC()).
		Where("id = ?", id).Where("attempts = ?", attempt).Where("status = ?", MailSending).
		Exec(ctx)
	if err != nil {
		return fmt.Errorf("store: unable to record mail failure: %w", err)
	}
	return nil
}

// RetryMail makes a failed mail due now, for an admin's "retry".
func RetryMail(ctx context.Context, db bun.IDB, id int64, now time.Time) error {
	_, err := db.NewUpdate().Model((*model.OutboxMail)(nil)).
		Set("status = ?", MailPending).Set("next_attempt_at = ?", now.UTC()).
		Where("id = ?", id).Where("status = ?", MailFailed).Exec(ctx)
	if err != nil {
		return fmt.Errorf("store: unable to retry mail: %w", err)
	}
	return nil
}

// RecentMails lists the outbox newest first, without the bodies.
func RecentMails(ctx context.Context, db bun.IDB, status string, limit, offset int) ([]OutboxMail, int, error) {
	var out []OutboxMail
	q := db.NewSelect().Model(&out).ExcludeColumn("text_body", "html_body")
	if status != "" {
		q = q.Where("status = ?", status)
	}
	n, err := q.Order("id DESC").Limit(int64(limit)).Offset(int64(offset)).ScanAndCount(ctx)
	if err != nil {
		return nil, 0, fmt.Errorf("store: unable to list mail: %w", err)
	}
	return out, int(n), nil
}

// MailByID returns one outbox mail with its bodies.
func MailByID(ctx context.Context, db bun.IDB, id int64) (*OutboxMail, error) {
	m := new(OutboxMail)
	if err := db.NewSelect().Model(m).Where("id = ?", id).Scan(ctx); err != nil {
		return nil, notFound(err, "load mail")
	}
	return m, nil
}

// NotifiableStaff returns the staff users who receive ticket
// notifications: enabled, and not opted out.
func NotifiableStaff(ctx context.Context, db bun.IDB) ([]model.StaffUser, error) {
	var out []model.StaffUser
	err := db.NewSelect().Model(&out).
		Where("disabled = ?", false).Where("notify_opt_out = ?", false).
		Order("id").Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("store: unable to list staff to notify: %w", err)
	}
	return out, nil
}

// NotifiableContacts returns the enabled contacts associated with a
// ticket.
func NotifiableContacts(ctx context.Context, db bun.IDB, ticketID int64) ([]model.Contact, error) {
	var out []model.Contact
	err := db.NewSelect().Model(&out).
		Where("disabled = ?", false).
		Where("id IN (?)", db.NewSelect().Model((*model.TicketContact)(nil)).Column("contact_id").
			Where("ticket_id = ?", ticketID)).
		Order("id").Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("store: unable to list ticket contacts: %w", err)
	}
	return out, nil
}

// TicketForMail returns the ticket fields that notifications show.
func TicketForMail(ctx context.Context, db bun.IDB, id int64) (*model.Ticket, error) {
	t := new(model.Ticket)
	err := db.NewSelect().Model(t).Column("id", "subject", "description", "closed", "inbox_id").
		Where("id = ?", id).Scan(ctx)
	if err != nil {
		return nil, notFound(err, "load ticket")
	}
	return t, nil
}

// AddEmailReply stores a contact's reply that arrived by email as a public
// incoming message on the ticket's latest thread (or a new one in the
// default inbox), and bumps the ticket's last activity. It refuses a
// closed ticket, and a contact no longer associated with it.
func (s *Store) AddEmailReply(ctx context.Context, tx bun.IDB, ticketID, contactID int64, body string, defaultInboxID int64) (*model.Message, error) {
	t := new(model.Ticket)
	q := tx.NewSelect().Model(t).Column("id", "closed", "inbox_id").Where("id = ?", ticketID)
	if s.Postgres() {
		q = q.For("UPDATE")
	}
	if err := q.Scan(ctx); err != nil {
		return nil, notFound(err, "load ticket")
	}
	if t.Closed {
		return nil, ErrTicketClosed
	}
	ok, err := tx.NewSelect().Model((*model.TicketContact)(nil)).
		Where("ticket_id = ?", ticketID).Where("contact_id = ?", contactID).Exists(ctx)
	if err != nil {
		return nil, fmt.Errorf("store: unable to check ticket contact: %w", err)
	}
	if !ok {
		return nil, ErrNotFound
	}
	threadID, err := latestThread(ctx, tx, t.ID)
	if err != nil {
		return nil, err
	}
	if threadID == 0 {
		inbox := defaultInboxID
		if t.InboxID != nil {
			inbox = *t.InboxID
		}
		if inbox == 0 {
			return nil, fmt.Errorf("store: no inbox for a new thread")
		}
		th := &model.Thread{TicketID: t.ID, InboxID: inbox}
		if _, err := tx.NewInsert().Model(th).Exec(ctx); err != nil {
			return nil, fmt.Errorf("store: unable to start thread: %w", err)
		}
		threadID = th.ID
	}
	now := time.Now().UTC()
	m := &model.Message{
		ThreadID: threadID, TicketID: t.ID, Kind: model.KindPublic,
		Direction: model.DirectionIncoming, Channel: "email",
		AuthorContactID: &contactID, Body: body, CreatedAt: now,
	}
	if err := touchTicket(ctx, tx, t.ID, now); err != nil {
		return nil, err
	}
	if err := InsertMessage(ctx, tx, m, nil); err != nil {
		return nil, err
	}
	return m, nil
}

// OutboxBacklog counts the mails waiting to be sent (pending, or claimed
// and not yet done) and tells when the oldest of them was queued.
func (s *Store) OutboxBacklog(ctx context.Context) (waiting int64, oldest time.Time, err error) {
	n, err := s.DB.NewSelect().Model((*model.OutboxMail)(nil)).
		Where("status IN (?)", bun.In([]string{MailPending, MailSending})).Count(ctx)
	if err != nil {
		return 0, time.Time{}, fmt.Errorf("store: unable to count the outbox: %w", err)
	}
	if n == 0 {
		return 0, time.Time{}, nil
	}
	var first model.OutboxMail
	err = s.DB.NewSelect().Model(&first).Column("created_at").
		Where("status IN (?)", bun.In([]string{MailPending, MailSending})).
		Order("created_at").Limit(1).Scan(ctx)
	if err != nil {
		return 0, time.Time{}, fmt.Errorf("store: unable to read the outbox: %w", err)
	}
	return int64(n), first.CreatedAt, nil
}
