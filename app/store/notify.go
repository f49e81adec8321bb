package store

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"portico/app/model"
)

// A contact's default for ticket mail. Account mail (invitation,
// verification, password reset) is sent whatever the choice.
const (
	NotifyAll    = "all"    // every public reply, by an agent or another customer
	NotifyAgents = "agents" // only agents' replies
	NotifyNone   = "none"   // no ticket mail at all
)

// ValidNotifyChoice tells whether s is one of the defaults.
func ValidNotifyChoice(s string) bool {
	return s == NotifyAll || s == NotifyAgents || s == NotifyNone
}

// NotifyChoice returns a contact's default for ticket mail: NotifyAll
// until they chose otherwise.
func NotifyChoice(ctx context.Context, db bun.IDB, contactID int64) (string, error) {
	var rows []string
	err := db.NewRaw("SELECT choice FROM contact_notify_prefs WHERE contact_id = ?", contactID).Scan(ctx, &rows)
	if err != nil {
		return "", fmt.Errorf("store: unable to read the notification choice: %w", err)
	}
	if len(rows) == 0 || !ValidNotifyChoice(rows[0]) {
		return NotifyAll, nil
	}
	return rows[0], nil
}

// SetNotifyChoice records a contact's default for ticket mail.
func SetNotifyChoice(ctx context.Context, db bun.IDB, contactID int64, choice string) error {
	if !ValidNotifyChoice(choice) {
		return fmt.Errorf("store: unknown notification choice %q", choice)
	}
	_, err := db.NewRaw(`INSERT INTO contact_notify_prefs (contact_id, choice, updated_at) VALUES (?, ?, ?)
		ON CONFLICT (contact_id) DO UPDATE SET choice = EXCLUDED.choice, updated_at = EXCLUDED.updated_at`,
		contactID, choice, time.Now().UTC()).Exec(ctx)
	if err != nil {
		return fmt.Errorf("store: unable to save the notification choice: %w", err)
	}
	return nil
}

// TicketMuted tells whether a contact muted a ticket.
func TicketMuted(ctx context.Context, db bun.IDB, ticketID, contactID int64) (bool, error) {
	n, err := db.NewSelect().Table("ticket_mutes").
		Where("ticket_id = ? AND contact_id = ?", ticketID, contactID).Count(ctx)
	if err != nil {
		return false, fmt.Errorf("store: unable to read the ticket's mute: %w", err)
	}
	return n > 0, nil
}

// TicketMutedBy lists the contacts who muted a ticket, for agents.
func TicketMutedBy(ctx context.Context, db bun.IDB, ticketID int64) (map[int64]bool, error) {
	var ids []int64
	if err := db.NewSelect().Table("ticket_mutes").Column("contact_id").Where("ticket_id = ?", ticketID).Scan(ctx, &ids); err != nil {
		return nil, fmt.Errorf("store: unable to read the ticket's mutes: %w", err)
	}
	out := make(map[int64]bool, len(ids))
	for _, id := range ids {
		out[id] = true
	}
	return out, nil
}

// SetTicketMuted mutes or unmutes a ticket for a contact. Muting twice,
// or unmuting a ticket that is not muted, changes nothing. Callers check
// first that the contact may see the ticket.
func SetTicketMuted(ctx context.Context, db bun.IDB, ticketID, contactID int64, muted bool) error {
	var err error
	if muted {
		_, err = db.NewRaw(`INSERT INTO ticket_mutes (ticket_id, contact_id, created_at) VALUES (?, ?, ?)
			ON CONFLICT (ticket_id, contact_id) DO NOTHING`, ticketID, contactID, time.Now().UTC()).Exec(ctx)
	} else {
		_, err = db.NewRaw("DELETE FROM ticket_mutes WHERE ticket_id = ? AND contact_id = ?", ticketID, contactID).Exec(ctx)
	}
	if err != nil {
		return fmt.Errorf("store: unable to change the ticket's mute: %w", err)
	}
	return nil
}

// TicketMailRecipients is the one place that decides who gets a ticket's
// notification of a public reply: the enabled contacts and participants of
// the ticket, less the reply's author (authorContactID, 0 for an agent),
// less those who muted the ticket, less those whose default refuses it.
// An agent's reply reaches NotifyAll and NotifyAgents, and NotifyNone too
// when agentsAlways (the portal does not let customers turn agents' replies
// off); a customer's reply reaches NotifyAll only.
func TicketMailRecipients(ctx context.Context, db bun.IDB, ticketID int64, byAgent bool, authorContactID int64, agentsAlways bool) ([]model.Contact, error) {
	choices := []string{NotifyAll}
	if byAgent {
		choices = append(choices, NotifyAgents)
		if agentsAlways {
			choices = append(choices, NotifyNone)
		}
	}
	var out []model.Contact
	err := db.NewSelect().Model(&out).
		Where("disabled = ?", false).
		Where("id <> ?", authorContactID).
		Where("id IN (?)", db.NewSelect().Table("ticket_contacts").Column("contact_id").
			Where("ticket_id = ?", ticketID)).
		Where("id NOT IN (?)", db.NewSelect().Table("ticket_mutes").Column("contact_id").
			Where("ticket_id = ?", ticketID)).
		Where("COALESCE((SELECT p.choice FROM contact_notify_prefs AS p WHERE p.contact_id = contact.id), ?) IN (?)",
			NotifyAll, bun.In(choices)).
		Order("id").Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("store: unable to list the ticket's recipients: %w", err)
	}
	return out, nil
}

// OnTicket tells whether a contact is one of a ticket's contacts or
// participants, the people its notifications go to.
func OnTicket(ctx context.Context, db bun.IDB, ticketID, contactID int64) (bool, error) {
	n, err := db.NewSelect().Table("ticket_contacts").
		Where("ticket_id = ? AND contact_id = ?", ticketID, contactID).Count(ctx)
	if err != nil {
		return false, fmt.Errorf("store: unable to read the ticket's contacts: %w", err)
	}
	return n > 0, nil
}
