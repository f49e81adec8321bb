package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/uptrace/bun"

	"portico/app/model"
)

// ErrAlreadyParticipant is the answer to sharing a ticket with a contact
// who is already one of its participants.
var ErrAlreadyParticipant = errors.New("store: already a participant")

// ErrTicketContact is the answer to sharing a ticket with one of its own
// contacts, who sees it already.
var ErrTicketContact = errors.New("store: already a contact of the ticket")

// AddParticipant shares a ticket with a contact: one more visibility row,
// marked shared, so that Visible, the access list and search admit the
// contact from this transaction on. byContact or byStaff tells who added
// them.
func AddParticipant(ctx context.Context, db bun.IDB, ticketID, contactID int64, byContact, byStaff *int64, at time.Time) error {
	return atomically(ctx, db, func(db bun.IDB) error {
		ids, err := lockTickets(ctx, db, "t.id = ?", ticketID)
		if err != nil {
			return err
		}
		if len(ids) == 0 {
			return ErrNotFound
		}
		var rows []bool
		if err := db.NewRaw("SELECT shared FROM ticket_contacts WHERE ticket_id = ? AND contact_id = ?", ticketID, contactID).Scan(ctx, &rows); err != nil {
			return fmt.Errorf("store: unable to read participants: %w", err)
		}
		if len(rows) > 0 {
			if rows[0] {
				return ErrAlreadyParticipant
			}
			return ErrTicketContact
		}
		row := &model.TicketContact{TicketID: ticketID, ContactID: contactID, Shared: true,
			AddedByContactID: byContact, AddedByStaffID: byStaff, AddedAt: bun.NullTime{Time: at.UTC()}}
		if _, err := db.NewInsert().Model(row).Exec(ctx); err != nil {
			return fmt.Errorf("store: unable to add participant: %w", err)
		}
		// Shared rows are counted nowhere, so the sync moves no count; it
		// sets the row's keys and the ticket's access list.
		return syncTicket(ctx, db, ticketID)
	})
}

// RemoveParticipant ends a participant's access to a ticket, in this
// transaction: every route asks Visible, which reads the rows. It removes
// only a shared row, never one of the ticket's own contacts.
func RemoveParticipant(ctx context.Context, db bun.IDB, ticketID, contactID int64) error {
	return atomically(ctx, db, func(db bun.IDB) error {
		if _, err := lockTickets(ctx, db, "t.id = ?", ticketID); err != nil {
			return err
		}
		res, err := db.NewRaw("DELETE FROM ticket_contacts WHERE ticket_id = ? AND contact_id = ? AND shared", ticketID, contactID).Exec(ctx)
		if err != nil {
			return fmt.Errorf("store: unable to remove participant: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		return syncTicket(ctx, db, ticketID)
	})
}

// Person is someone who can see a ticket.
type Person struct {
	ID      int64  `bun:"id"`
	Name    string `bun:"name"`
	Email   string `bun:"email"`
	Company string `bun:"company"`
}

// Participant is a contact a ticket is shared with, with who added them
// and when.
type Participant struct {
	Person
	AddedAt        bun.NullTime `bun:"added_at"`
	AddedByContact *int64       `bun:"added_by_contact_id"`
	AddedByStaff   *int64       `bun:"added_by_staff_id"`
	AddedByName    string       `bun:"added_by_name"`
}

// CompanyAudience is "everyone at a company": the company's contacts see
// the ticket through the company permission and the Organization view.
type CompanyAudience struct {
	ID    int64  `bun:"id"`
	Name  string `bun:"name"`
	Count int    `bun:"n"` // how many contacts the company has
	// Members are the company's contacts, read by WhoCanSeePeople only:
	// the panels show the count.
	Members []Person `bun:"-"`
}

// Audience is who can see a ticket in the portal, and why.
type Audience struct {
	// Hidden is set when the portal's filter rules hide the ticket: then
	// nobody sees it there.
	Hidden       bool
	Contacts     []Person
	Participants []Participant
	Companies    []CompanyAudience
}

// People is every contact who can see the ticket, once each, by ID; an
// Audience from WhoCanSeePeople holds the companies' members.
func (a *Audience) People() []int64 {
	var ids []int64
	for _, p := range a.Contacts {
		ids = append(ids, p.ID)
	}
	for _, p := range a.Participants {
		ids = append(ids, p.ID)
	}
	for _, c := range a.Companies {
		for _, p := range c.Members {
			ids = append(ids, p.ID)
		}
	}
	slices.Sort(ids)
	return slices.Compact(ids)
}

// IsParticipant tells whether the contact is one of the participants.
func (a *Audience) IsParticipant(contactID int64) bool {
	return slices.ContainsFunc(a.Participants, func(p Participant) bool { return p.ID == contactID })
}

// IsContact tells whether the contact is one of the ticket's own contacts.
func (a *Audience) IsContact(contactID int64) bool {
	return slices.ContainsFunc(a.Contacts, func(p Person) bool { return p.ID == contactID })
}

// WhoCanSee is who Visible admits to a ticket, and why, read from the
// same visibility rows: the ticket's contacts, its participants, and,
// when companyView is set (the company permission, under which the
// ticket page and the Organization view widen a contact's view to the
// primary company), everyone whose primary company holds the ticket.
func WhoCanSee(ctx context.Context, db bun.IDB, ticketID int64, companyView bool) (*Audience, error) {
	a := &Audience{}
	var hidden []bool
	if err := db.NewRaw("SELECT hidden FROM tickets WHERE id = ?", ticketID).Scan(ctx, &hidden); err != nil {
		return nil, fmt.Errorf("store: unable to read ticket: %w", err)
	}
	if len(hidden) == 0 {
		return nil, ErrNotFound
	}
	a.Hidden = hidden[0]
	err := db.NewRaw(`SELECT c.id, c.name, c.email, coalesce(co.name, '') AS company
		FROM ticket_contacts AS tc JOIN contacts AS c ON c.id = tc.contact_id LEFT JOIN companies AS co ON co.id = c.company_id
		WHERE tc.ticket_id = ? AND NOT tc.hidden AND NOT tc.shared ORDER BY c.name, c.id`, ticketID).Scan(ctx, &a.Contacts)
	if err != nil {
		return nil, fmt.Errorf("store: unable to read ticket contacts: %w", err)
	}
	err = db.NewRaw(`SELECT c.id, c.name, c.email, coalesce(co.name, '') AS company, tc.added_at, tc.added_by_contact_id, tc.added_by_staff_id,
			coalesce(ac.name, su.name, '') AS added_by_name
		FROM ticket_contacts AS tc JOIN contacts AS c ON c.id = tc.contact_id LEFT JOIN companies AS co ON co.id = c.company_id
		LEFT JOIN contacts AS ac ON ac.id = tc.added_by_contact_id LEFT JOIN staff_users AS su ON su.id = tc.added_by_staff_id
		WHERE tc.ticket_id = ? AND NOT tc.hidden AND tc.shared ORDER BY tc.added_at, c.name, c.id`, ticketID).Scan(ctx, &a.Participants)
	if err != nil {
		return nil, fmt.Errorf("store: unable to read participants: %w", err)
	}
	if !companyView {
		return a, nil
	}
	err = db.NewRaw(`SELECT co.id, co.name, (SELECT count(*) FROM contacts AS c WHERE c.company_id = co.id) AS n
		FROM ticket_companies AS tco JOIN companies AS co ON co.id = tco.company_id
		WHERE tco.ticket_id = ? AND NOT tco.hidden ORDER BY co.name, co.id`, ticketID).Scan(ctx, &a.Companies)
	if err != nil {
		return nil, fmt.Errorf("store: unable to read ticket companies: %w", err)
	}
	return a, nil
}

// WhoCanSeePeople is WhoCanSee with every member of the companies, so
// that People names each contact who can see the ticket.
func WhoCanSeePeople(ctx context.Context, db bun.IDB, ticketID int64, companyView bool) (*Audience, error) {
	a, err := WhoCanSee(ctx, db, ticketID, companyView)
	if err != nil {
		return nil, err
	}
	for i := range a.Companies {
		err := db.NewRaw(`SELECT c.id, c.name, c.email, ? AS company FROM contacts AS c WHERE c.company_id = ? ORDER BY c.name, c.id`,
			a.Companies[i].Name, a.Companies[i].ID).Scan(ctx, &a.Companies[i].Members)
		if err != nil {
			return nil, fmt.Errorf("store: unable to read company members: %w", err)
		}
	}
	return a, nil
}
