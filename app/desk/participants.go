package desk

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"portico/app/mail"
	"portico/app/model"
	"portico/app/store"
)

// ErrShareAddress is the answer to sharing a ticket with an address that
// is not an email address.
var ErrShareAddress = errors.New("desk: not an email address")

// ErrShareNotColleague is the answer to a contact sharing a ticket with an
// address that is not a contact of their company, while the settings
// allow only colleagues. It does not tell whether the address is known.
var ErrShareNotColleague = errors.New("desk: only colleagues may be added")

// Sharer is who adds or removes a participant: a contact in the portal,
// or an agent in the back office.
type Sharer struct {
	Contact *model.Contact // the contact, in the portal
	Actor                  // the agent, in the back office
}

func (w Sharer) audit(action string, ticketID, contactID int64) *model.AuditEntry {
	e := &model.AuditEntry{ActorType: "staff", ActorID: w.StaffID, Action: action,
		Target: "ticket:" + strconv.FormatInt(ticketID, 10), After: "contact:" + strconv.FormatInt(contactID, 10), IP: w.IP}
	if w.Contact != nil {
		e.ActorType, e.ActorID = "contact", &w.Contact.ID
	}
	return e
}

// AddParticipant shares a ticket with the contact of an email address.
// A contact may add colleagues of their company; with the settings'
// ShareAnyAddress, or for an agent, any address, and an unknown one
// becomes a new contact who is invited to the portal. The participant,
// the new contact, the invitation and the audit entry commit together.
func (s *Service) AddParticipant(ctx context.Context, w Sharer, st model.PortalSettings, ticketID int64, email string) (*model.Contact, error) {
	email = strings.TrimSpace(email)
	if !mail.ValidAddress(email) {
		return nil, ErrShareAddress
	}
	anyAddress := w.Contact == nil || st.ShareAnyAddress
	var ct *model.Contact
	invited := false
	err := s.Store.DB.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		var err error
		ct, err = store.ContactByEmail(ctx, tx, email)
		switch {
		case errors.Is(err, store.ErrNotFound):
			if !anyAddress {
				return ErrShareNotColleague
			}
			now := time.Now().UTC()
			ct = &model.Contact{Email: email, Name: strings.SplitN(email, "@", 2)[0], CreatedAt: now, UpdatedAt: now}
			if err := store.CreateContact(ctx, tx, ct); err != nil {
				return err
			}
			if err := store.EnqueueJob(ctx, tx, JobInvite, inviteJob{ContactID: ct.ID}); err != nil {
				return err
			}
			invited = true
		case err != nil:
			return err
		case !anyAddress && !sameCompany(w.Contact, ct):
			return ErrShareNotColleague
		}
		var byContact *int64
		if w.Contact != nil {
			byContact = &w.Contact.ID
		}
		if err := store.AddParticipant(ctx, tx, ticketID, ct.ID, byContact, w.StaffID, time.Now()); err != nil {
			return err
		}
		return store.AddAudit(ctx, tx, w.audit("ticket.participant_add", ticketID, ct.ID))
	})
	if err != nil {
		return nil, err
	}
	if invited {
		s.wakeJobs()
	}
	return ct, nil
}

func sameCompany(a, b *model.Contact) bool {
	return a != nil && b != nil && a.CompanyID != nil && b.CompanyID != nil && *a.CompanyID == *b.CompanyID
}

// RemoveParticipant ends a participant's access to a ticket, with its
// audit entry.
func (s *Service) RemoveParticipant(ctx context.Context, w Sharer, ticketID, contactID int64) error {
	return s.Store.DB.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if err := store.RemoveParticipant(ctx, tx, ticketID, contactID); err != nil {
			return err
		}
		return store.AddAudit(ctx, tx, w.audit("ticket.participant_remove", ticketID, contactID))
	})
}

// LeaveTicket ends the access of a participant who asks for it
// themselves, with its audit entry.
func (s *Service) LeaveTicket(ctx context.Context, w Sharer, ticketID int64) error {
	return s.Store.DB.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if err := store.RemoveParticipant(ctx, tx, ticketID, w.Contact.ID); err != nil {
			return err
		}
		return store.AddAudit(ctx, tx, w.audit("ticket.participant_leave", ticketID, w.Contact.ID))
	})
}

// ShareError is the translation key of the field error AddParticipant's
// error stands for, or "" when the error is not the address's fault.
func ShareError(err error) string {
	switch {
	case errors.Is(err, ErrShareAddress):
		return "share.email_invalid"
	case errors.Is(err, ErrShareNotColleague):
		return "share.not_colleague"
	case errors.Is(err, store.ErrAlreadyParticipant):
		return "share.already_participant"
	case errors.Is(err, store.ErrTicketContact):
		return "share.already_contact"
	}
	return ""
}
