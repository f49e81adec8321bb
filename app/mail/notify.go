package mail

import (
	"context"
	"strconv"

	"github.com/uptrace/bun"

	"portico/app/model"
	"portico/app/store"
)

// Events that notify the agents.
const (
	EventReply     = "reply"      // a customer replied to a ticket
	EventNewTicket = "new_ticket" // a customer opened a ticket
)

// NotifyAgents queues, through tx, a notification to every agent who has
// not opted out: a customer replied (EventReply) or opened a ticket
// (EventNewTicket). msg is the customer's public message. Each mail's
// dedupe key names the message and the agent, so a retried event notifies
// nobody twice. Every customer's message passes here (from the portal, the
// support form or by email), so it also queues, through NotifyContacts,
// the mail to the ticket's other contacts and participants whose choices
// want every reply.
func (m *Mailer) NotifyAgents(ctx context.Context, tx bun.IDB, event string, ticketID int64, msg *model.Message) error {
	if msg == nil || msg.Kind != model.KindPublic {
		return nil
	}
	if msg.AuthorContactID != nil {
		if err := m.NotifyContacts(ctx, tx, ticketID, msg); err != nil {
			return err
		}
	}
	st, _, err := store.Settings(ctx, tx)
	if err != nil {
		return err
	}
	t, err := store.TicketForMail(ctx, tx, ticketID)
	if err != nil {
		return err
	}
	staff, err := store.NotifiableStaff(ctx, tx)
	if err != nil || len(staff) == 0 {
		return err
	}
	who := ""
	if msg.AuthorContactID != nil {
		if ct, err := store.ContactByID(ctx, tx, *msg.AuthorContactID); err == nil {
			who = contactLabel(ct)
		}
	}
	l := m.locale(st, "")
	b := m.brand(st, l.Code)
	id := strconv.FormatInt(t.ID, 10)
	subjectKey, bodyKey := "mail.agent.subject_reply", "mail.agent.body_reply"
	if event == EventNewTicket {
		subjectKey, bodyKey = "mail.agent.subject_new", "mail.agent.body_new"
	}
	if who == "" {
		who = l.T("mail.agent.someone")
	}
	c := content{
		L: l, Brand: b,
		Lines:  []string{l.T(bodyKey, who, t.ID)},
		Quote:  quoteLines(msg.Body),
		Button: l.T("mail.agent.button"),
		URL:    m.Link(st, "/admin/tickets/"+id, nil),
		After:  []string{l.T("mail.agent.why")},
		Footer: l.T("mail.footer_staff", b.Title),
	}
	text, html, err := m.render(c)
	if err != nil {
		return err
	}
	subject := l.T(subjectKey, t.ID, t.Subject)
	for _, u := range staff {
		if err := enqueueSkipping(ctx, tx, Mail{
			Kind: KindAgentNotice, ToAddr: u.Email, ToName: u.Name, Subject: subject,
			Text: text, HTML: html,
			DedupeKey: "agent:" + strconv.FormatInt(msg.ID, 10) + ":" + strconv.FormatInt(u.ID, 10),
		}); err != nil {
			return err
		}
	}
	return nil
}

// NotifyContacts queues, through tx, an email to each enabled contact and
// participant of the ticket with a public reply (an agent's, or another
// customer's) and a link to the ticket in the portal, as their mutes and
// defaults allow. Internal notes and comments never produce a mail: only
// a public message is sent. Each mail carries a one-click unsubscribe
// link that mutes the ticket for its recipient. It is called in the
// transaction that saves the reply.
func (m *Mailer) NotifyContacts(ctx context.Context, tx bun.IDB, ticketID int64, msg *model.Message) error {
	if msg == nil || msg.Kind != model.KindPublic || msg.TicketID != ticketID {
		return nil
	}
	st, _, err := store.Settings(ctx, tx)
	if err != nil {
		return err
	}
	t, err := store.TicketForMail(ctx, tx, ticketID)
	if err != nil {
		return err
	}
	// Who gets it (the ticket's contacts and participants, less the
	// author, less those who muted the ticket or whose default refuses
	// this reply) is decided in one place.
	byAgent, author := msg.AuthorContactID == nil, int64(0)
	if !byAgent {
		author = *msg.AuthorContactID
	}
	cts, err := store.TicketMailRecipients(ctx, tx, ticketID, byAgent, author, st.Notify.AgentsAlways)
	if err != nil || len(cts) == 0 {
		return err
	}
	agent := ""
	if msg.AuthorStaffID != nil {
		if u, err := store.StaffByID(ctx, tx, *msg.AuthorStaffID); err == nil {
			agent = HeaderText(u.Name, 100)
		}
	} else if !byAgent {
		if ct, err := store.ContactByID(ctx, tx, author); err == nil {
			agent = HeaderText(ct.Name, 100)
		}
	}
	link := m.Link(st, "/portal/tickets/"+strconv.FormatInt(t.ID, 10), nil)
	for i := range cts {
		ct := &cts[i]
		l := m.locale(st, ct.Language)
		b := m.brand(st, l.Code)
		who := agent
		if who == "" {
			who = l.T("mail.reply.team", b.Title)
		}
		c := content{
			L: l, Brand: b, Greeting: greeting(l, ct.Name),
			Lines:  []string{l.T("mail.reply.body", who, t.ID, HeaderText(t.Subject, 200))},
			Quote:  quoteLines(msg.Body),
			Button: l.T("mail.reply.button"),
			URL:    link,
			Footer: l.T("mail.footer_account", b.Title),
		}
		unsub := m.offerMute(&c, st, t.ID, ct.ID)
		replyTo := m.ReplyAddress(t.ID, ct.ID)
		if replyTo != "" {
			c.Marker = l.T("mail.reply.marker")
			c.After = []string{l.T("mail.reply.by_email")}
		}
		text, html, err := m.render(c)
		if err != nil {
			return err
		}
		if err := enqueueSkipping(ctx, tx, Mail{
			Kind: KindReply, ToAddr: ct.Email, ToName: ct.Name,
			Subject: l.T("mail.reply.subject", t.ID, t.Subject),
			Text:    text, HTML: html, ReplyTo: replyTo, ListUnsubscribe: unsub,
			DedupeKey: "reply:" + strconv.FormatInt(msg.ID, 10) + ":" + strconv.FormatInt(ct.ID, 10),
		}); err != nil {
			return err
		}
	}
	return nil
}

func contactLabel(ct *model.Contact) string {
	name := HeaderText(ct.Name, 100)
	if name == "" {
		return ct.Email
	}
	return name + " <" + ct.Email + ">"
}

// offerMute puts the "mute this ticket" link in a mail about a ticket to
// one of its contacts, and returns the URL for its List-Unsubscribe
// header: "" when no secret signs such links.
func (m *Mailer) offerMute(c *content, st model.PortalSettings, ticketID, contactID int64) string {
	if len(m.cfg.Secret) == 0 {
		return ""
	}
	c.Mute, c.MuteURL = c.L.T("notify.mail_mute"), m.UnsubscribeURL(st, ticketID, contactID)
	return c.MuteURL
}
