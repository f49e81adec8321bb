package store

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/uptrace/bun"

	"portico/app/model"
)

// DeletionRequest is a customer's request that their account be deleted.
type DeletionRequest struct {
	bun.BaseModel `bun:"table:deletion_requests,alias:dr"`

	ID          int64        `bun:"id,pk,autoincrement"`
	ContactID   int64        `bun:"contact_id,notnull"`
	IP          string       `bun:"ip,notnull"`
	RequestedAt time.Time    `bun:"requested_at,nullzero,notnull,default:current_timestamp"`
	ErasedAt    bun.NullTime `bun:"erased_at"`
	ErasedBy    *int64       `bun:"erased_by"`

	Contact *model.Contact `bun:"rel:belongs-to,join:contact_id=id"`
}

// ErasedBody is what an erased contact's messages say instead.
const ErasedBody = "[This message was removed at the request of its author.]"

// ErasedName and ErasedEmail are what an erased contact is called: an
// address in a reserved domain, which no mail can reach.
func ErasedName(id int64) string { return "Deleted contact #" + strconv.FormatInt(id, 10) }

// ErasedEmail is an erased contact's unroutable address.
func ErasedEmail(id int64) string {
	return "deleted-" + strconv.FormatInt(id, 10) + "@deleted.invalid"
}

// AddDeletionRequest records a request, unless the contact has one
// pending already; it returns the pending request either way, and
// whether it is new.
func AddDeletionRequest(ctx context.Context, db bun.IDB, contactID int64, ip string) (*DeletionRequest, bool, error) {
	if r, err := PendingDeletionRequest(ctx, db, contactID); err == nil {
		return r, false, nil
	} else if err != ErrNotFound {
		return nil, false, err
	}
	r := &DeletionRequest{ContactID: contactID, IP: ip, RequestedAt: time.Now().UTC()}
	if _, err := db.NewInsert().Model(r).Exec(ctx); err != nil {
		return nil, false, fmt.Errorf("store: unable to record deletion request: %w", err)
	}
	return r, true, nil
}

// PendingDeletionRequest returns the contact's request not yet carried
// out, or ErrNotFound.
func PendingDeletionRequest(ctx context.Context, db bun.IDB, contactID int64) (*DeletionRequest, error) {
	r := new(DeletionRequest)
	err := db.NewSelect().Model(r).Where("dr.contact_id = ?", contactID).Where("dr.erased_at IS NULL").
		Order("dr.id DESC").Limit(1).Scan(ctx)
	if err != nil {
		return nil, notFound(err, "load deletion request")
	}
	return r, nil
}

// DeletionRequests lists requests, pending ones first, newest first.
func DeletionRequests(ctx context.Context, db bun.IDB, limit int) ([]DeletionRequest, error) {
	var out []DeletionRequest
	err := db.NewSelect().Model(&out).Relation("Contact", func(q *bun.SelectQuery) *bun.SelectQuery {
		return q.Column("id", "name", "email")
	}).OrderExpr("CASE WHEN dr.erased_at IS NULL THEN 0 ELSE 1 END").Order("dr.requested_at DESC", "dr.id DESC").
		Limit(int64(limit)).Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("store: unable to list deletion requests: %w", err)
	}
	return out, nil
}

// EraseContact anonymises a contact: name and address replaced, password,
// identities, tokens and consent addresses cleared, the body of every
// message they wrote, and the description of a ticket that repeats one,
// replaced by ErasedBody (the threads stay whole for
// whoever else is on them), their attachments removed, and their
// participation in others' tickets ended. Their own tickets stay for the
// help desk. Every ticket touched is resynced, so that its visibility
// keys and search text follow. Pending requests are marked done by
// staffID. Call it inside a transaction.
func EraseContact(ctx context.Context, db bun.IDB, contactID int64, staffID *int64) error {
	res, err := db.NewUpdate().Model((*model.Contact)(nil)).
		Set("name = ?", ErasedName(contactID)).Set("email = ?", ErasedEmail(contactID)).
		Set("password_hash = ''").Set("disabled = ?", true).Set("email_verified_at = NULL").
		Set("updated_at = ?", time.Now().UTC()).
		Where("id = ?", contactID).Exec(ctx)
	if err != nil {
		return fmt.Errorf("store: unable to anonymise contact: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	for _, q := range []string{
		"DELETE FROM contact_identities WHERE contact_id = ?",
		"DELETE FROM tokens WHERE contact_id = ?",
		"UPDATE consent_records SET ip = '' WHERE contact_id = ?",
		"DELETE FROM list_members WHERE contact_id = ?",
	} {
		if _, err := db.NewRaw(q, contactID).Exec(ctx); err != nil {
			return fmt.Errorf("store: unable to erase contact data: %w", err)
		}
	}
	var tickets []int64
	if err := db.NewRaw("SELECT DISTINCT ticket_id FROM messages WHERE author_contact_id = ?", contactID).Scan(ctx, &tickets); err != nil {
		return fmt.Errorf("store: unable to list the contact's tickets: %w", err)
	}
	mine := "SELECT id FROM messages WHERE author_contact_id = ?"
	if _, err := db.NewRaw("DELETE FROM attachment_chunks WHERE attachment_id IN (SELECT id FROM attachments WHERE message_id IN ("+mine+"))", contactID).Exec(ctx); err != nil {
		return fmt.Errorf("store: unable to remove attachment data: %w", err)
	}
	if _, err := db.NewRaw("DELETE FROM attachments WHERE message_id IN ("+mine+")", contactID).Exec(ctx); err != nil {
		return fmt.Errorf("store: unable to remove attachments: %w", err)
	}
	// A ticket opened by the contact repeats their first message as its
	// description.
	if _, err := db.NewRaw(`UPDATE tickets SET description = ? WHERE description <> '' AND EXISTS
		(SELECT 1 FROM messages AS m WHERE m.ticket_id = tickets.id AND m.author_contact_id = ? AND m.body = tickets.description)`,
		ErasedBody, contactID).Exec(ctx); err != nil {
		return fmt.Errorf("store: unable to erase ticket descriptions: %w", err)
	}
	if _, err := db.NewRaw("UPDATE messages SET body = ? WHERE author_contact_id = ?", ErasedBody, contactID).Exec(ctx); err != nil {
		return fmt.Errorf("store: unable to erase messages: %w", err)
	}
	var shared []int64
	if err := db.NewRaw("SELECT ticket_id FROM ticket_contacts WHERE contact_id = ? AND shared", contactID).Scan(ctx, &shared); err != nil {
		return fmt.Errorf("store: unable to list participations: %w", err)
	}
	for _, id := range shared {
		if err := RemoveParticipant(ctx, db, id, contactID); err != nil && err != ErrNotFound {
			return err
		}
	}
	for _, id := range tickets {
		if err := syncTicket(ctx, db, id); err != nil {
			return err
		}
	}
	_, err = db.NewUpdate().Model((*DeletionRequest)(nil)).Set("erased_at = ?", time.Now().UTC()).Set("erased_by = ?", staffID).
		Where("contact_id = ?", contactID).Where("erased_at IS NULL").Exec(ctx)
	if err != nil {
		return fmt.Errorf("store: unable to close deletion requests: %w", err)
	}
	return nil
}

// SettingsStaff returns the enabled staff users who may change the portal
// settings: the ones who handle deletion requests.
func SettingsStaff(ctx context.Context, db bun.IDB) ([]model.StaffUser, error) {
	var out []model.StaffUser
	err := db.NewSelect().Model(&out).Where("disabled = ?", false).Where("can_portal_settings = ?", true).
		Order("id").Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("store: unable to list settings staff: %w", err)
	}
	return out, nil
}
