package desk

import (
	"context"
	"strconv"

	"github.com/uptrace/bun"

	"portico/app/model"
	"portico/app/store"
)

// RequestDeletion records a contact's request that their account be
// deleted, audits it and queues the admins' mail, all in one
// transaction. A second request while one is pending changes nothing.
func (s *Service) RequestDeletion(ctx context.Context, ct *model.Contact, ip string) error {
	return s.Store.DB.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		r, added, err := store.AddDeletionRequest(ctx, tx, ct.ID, ip)
		if err != nil || !added {
			return err
		}
		id := ct.ID
		err = store.AddAudit(ctx, tx, &model.AuditEntry{ActorType: "contact", ActorID: &id, Action: "contact.deletion_requested",
			Target: "contact:" + strconv.FormatInt(ct.ID, 10), After: "request:" + strconv.FormatInt(r.ID, 10), IP: ip})
		if err != nil {
			return err
		}
		if s.Mailer == nil {
			return nil
		}
		m, err := s.Mailer()
		if err != nil {
			return err
		}
		return m.NotifyDeletionRequest(ctx, tx, r.ID, ct)
	})
}

// EraseContact anonymises a contact for good (see store.EraseContact) and
// audits it, in one transaction. The caller ends the contact's sessions.
func (s *Service) EraseContact(ctx context.Context, who Actor, contactID int64) error {
	return s.Store.DB.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if err := store.EraseContact(ctx, tx, contactID, who.StaffID); err != nil {
			return err
		}
		return store.AddAudit(ctx, tx, &model.AuditEntry{ActorType: "staff", ActorID: who.StaffID, Action: "contact.erased",
			Target: "contact:" + strconv.FormatInt(contactID, 10), IP: who.IP})
	})
}
