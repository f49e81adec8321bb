package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"portico/app/model"
)

// ErrTokenInvalid is returned for a token that is unknown, already used,
// expired, or meant for something else. The cases are not told apart.
var ErrTokenInvalid = errors.New("store: token is invalid or expired")

// HashToken is how a token is stored: only its SHA-256, so that a copy of
// the database holds no usable link.
func HashToken(raw string) string {
	h := sha256.Sum256([]byte(raw))
	return hex.EncodeToString(h[:])
}

// CreateToken stores a new random single-use token for a contact and
// returns the raw value, which exists only in the email that carries it.
func CreateToken(ctx context.Context, db bun.IDB, purpose string, contactID int64, ttl time.Duration) (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("store: unable to create token: %w", err)
	}
	raw := base64.RawURLEncoding.EncodeToString(b)
	now := time.Now().UTC()
	t := &model.Token{
		Purpose: purpose, Hash: HashToken(raw), ContactID: &contactID,
		ExpiresAt: now.Add(ttl), CreatedAt: now,
	}
	if _, err := db.NewInsert().Model(t).Exec(ctx); err != nil {
		return "", fmt.Errorf("store: unable to create token: %w", err)
	}
	return raw, nil
}

// PeekToken returns a token that is still usable, without using it: for
// showing the form that a later POST completes.
func PeekToken(ctx context.Context, db bun.IDB, purpose, raw string, now time.Time) (*model.Token, error) {
	if raw == "" || len(raw) > 128 {
		return nil, ErrTokenInvalid
	}
	t := new(model.Token)
	err := db.NewSelect().Model(t).
		Where("hash = ?", HashToken(raw)).Where("purpose = ?", purpose).
		Where("used_at IS NULL").Where("expires_at > ?", now.UTC()).Scan(ctx)
	if err != nil {
		if notFound(err, "") == ErrNotFound {
			return nil, ErrTokenInvalid
		}
		return nil, fmt.Errorf("store: unable to load token: %w", err)
	}
	return t, nil
}

// UseToken marks a usable token as used and returns it. The check and the
// mark are one statement, so two requests racing with the same token get
// one success between them.
func UseToken(ctx context.Context, db bun.IDB, purpose, raw string, now time.Time) (*model.Token, error) {
	if raw == "" || len(raw) > 128 {
		return nil, ErrTokenInvalid
	}
	now = now.UTC()
	var out []model.Token
	_, err := db.NewUpdate().Model((*model.Token)(nil)).
		Set("used_at = ?", now).
		Where("hash = ?", HashToken(raw)).Where("purpose = ?", purpose).
		Where("used_at IS NULL").Where("expires_at > ?", now).
		Returning("id, purpose, contact_id, expires_at").
		Exec(ctx, &out)
	if err != nil {
		return nil, fmt.Errorf("store: unable to use token: %w", err)
	}
	if len(out) != 1 || out[0].ContactID == nil {
		return nil, ErrTokenInvalid
	}
	return &out[0], nil
}

// RevokeTokens ends every unused token of a contact for the purposes
// given: once a password is set, older reset and invitation links die.
func RevokeTokens(ctx context.Context, db bun.IDB, contactID int64, now time.Time, purposes ...string) error {
	if len(purposes) == 0 {
		return nil
	}
	_, err := db.NewUpdate().Model((*model.Token)(nil)).
		Set("used_at = ?", now.UTC()).
		Where("contact_id = ?", contactID).Where("purpose IN (?)", bun.In(purposes)).
		Where("used_at IS NULL").Exec(ctx)
	if err != nil {
		return fmt.Errorf("store: unable to revoke tokens: %w", err)
	}
	return nil
}

// MarkContactVerified records that the contact proved it owns its email.
// An earlier verification time is kept.
func MarkContactVerified(ctx context.Context, db bun.IDB, contactID int64, now time.Time) error {
	_, err := db.NewUpdate().Model((*model.Contact)(nil)).
		Set("email_verified_at = ?", now.UTC()).Set("updated_at = ?", now.UTC()).
		Where("id = ?", contactID).Where("email_verified_at IS NULL").Exec(ctx)
	if err != nil {
		return fmt.Errorf("store: unable to verify contact: %w", err)
	}
	return nil
}

// ContactsToInvite returns the enabled contacts on any of the lists who
// have no password yet, and so no way to log in.
func ContactsToInvite(ctx context.Context, db bun.IDB, lists []int64) ([]model.Contact, error) {
	if len(lists) == 0 {
		return nil, nil
	}
	var out []model.Contact
	err := db.NewSelect().Model(&out).
		Where("password_hash = ''").Where("disabled = ?", false).
		Where("id IN (?)", db.NewSelect().Model((*model.ListMember)(nil)).Column("contact_id").
			Where("list_id IN (?)", bun.In(lists))).
		Order("id").Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("store: unable to list contacts to invite: %w", err)
	}
	return out, nil
}
