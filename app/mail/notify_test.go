package mail_test

import (
	"context"
	"fmt"
	"net"
	"net/smtp"
	"strings"
	"testing"
	"time"

	"portico/app/demo"
	"portico/app/mail"
	"portico/app/model"
	"portico/app/store"
	"portico/app/testutil"
)

// demoStore is a SQLite store with the demo data.
func demoStore(t *testing.T) *store.Store {
	t.Helper()
	st := testutil.SQLite(t)
	if err := demo.Load(context.Background(), st); err != nil {
		t.Fatal(err)
	}
	return st
}

// openTicketOf returns an open ticket with a thread that the contact is
// associated with.
func openTicketOf(t *testing.T, st *store.Store, email string) (ticketID, contactID int64) {
	t.Helper()
	ctx := context.Background()
	ct, err := store.ContactByEmail(ctx, st.DB, email)
	if err != nil {
		t.Fatal(err)
	}
	err = st.DB.NewSelect().Table("tickets").Column("tickets.id").
		Join("JOIN ticket_contacts AS tc ON tc.ticket_id = tickets.id").
		Where("tc.contact_id = ?", ct.ID).Where("tickets.closed = ?", false).
		Where("EXISTS (SELECT 1 FROM threads WHERE threads.ticket_id = tickets.id)").
		OrderExpr("tickets.id").Limit(1).Scan(ctx, &ticketID)
	if err != nil {
		t.Fatal(err)
	}
	return ticketID, ct.ID
}

func staffMessage(t *testing.T, st *store.Store, ticketID int64, kind, body string) *model.Message {
	t.Helper()
	ctx := context.Background()
	admin, err := store.StaffByEmail(ctx, st.DB, demo.AdminEmail)
	if err != nil {
		t.Fatal(err)
	}
	var threadID int64
	if err := st.DB.NewSelect().Table("threads").Column("id").Where("ticket_id = ?", ticketID).
		OrderExpr("id DESC").Limit(1).Scan(ctx, &threadID); err != nil {
		t.Fatal(err)
	}
	m := &model.Message{ThreadID: threadID, TicketID: ticketID, Kind: kind, Direction: model.DirectionOutgoing,
		Channel: "portal", AuthorStaffID: &admin.ID, Body: body}
	if err := store.InsertMessage(ctx, st.DB, m, nil); err != nil {
		t.Fatal(err)
	}
	return m
}

// An agent's public reply emails the ticket's contacts with the message
// and a portal link; notes never produce mail; a repeat sends nothing new.
func TestNotifyContacts(t *testing.T) {
	st := demoStore(t)
	ctx := context.Background()
	m := newMailer(t, "reply.portico.test")
	ticketID, contactID := openTicketOf(t, st, demo.AnaEmail)
	note := staffMessage(t, st, ticketID, model.KindNote, "internal: customer is difficult")
	if err := m.NotifyContacts(ctx, st.DB, ticketID, note); err != nil {
		t.Fatal(err)
	}
	if n := len(rows(t, st)); n != 0 {
		t.Fatalf("a note queued %d mails", n)
	}
	reply := staffMessage(t, st, ticketID, model.KindPublic, "We fixed it.\nPlease check <b>now</b>.")
	for range 2 {
		if err := m.NotifyContacts(ctx, st.DB, ticketID, reply); err != nil {
			t.Fatal(err)
		}
	}
	rs := rows(t, st)
	if len(rs) == 0 {
		t.Fatal("no notification")
	}
	for _, r := range rs {
		if r.Kind != mail.KindReply {
			t.Errorf("kind %s", r.Kind)
		}
		link := fmt.Sprintf("/portal/tickets/%d", ticketID)
		if !strings.Contains(r.TextBody, link) || !strings.Contains(r.TextBody, "> We fixed it.") {
			t.Errorf("body: %s", r.TextBody)
		}
		if strings.Contains(r.HTMLBody, "<b>now</b>") || strings.Contains(r.TextBody+r.HTMLBody, "internal:") {
			t.Error("the HTML carries raw markup or a note")
		}
		if !strings.HasPrefix(r.ReplyTo, "reply+") || !strings.HasSuffix(r.ReplyTo, "@reply.portico.test") {
			t.Errorf("reply-to %q", r.ReplyTo)
		}
	}
	var ana *store.OutboxMail
	for i := range rs {
		if rs[i].ToAddr == demo.AnaEmail {
			ana = &rs[i]
		}
	}
	if ana == nil {
		t.Fatal("Ana got nothing")
	}
	if tk, ct, ok := mail.ParseReplyAddress([]byte("test-secret-test-secret-test-secret!"), "reply.portico.test", ana.ReplyTo); !ok || tk != ticketID || ct != contactID {
		t.Errorf("reply address %s parses to %d/%d %v", ana.ReplyTo, tk, ct, ok)
	}
}

// A customer's message notifies the agents who did not opt out, once.
func TestNotifyAgents(t *testing.T) {
	st := demoStore(t)
	ctx := context.Background()
	m := newMailer(t, "")
	if _, err := st.DB.NewUpdate().Table("staff_users").Set("notify_opt_out = ?", true).
		Where("email = ?", demo.AgentEmail).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	ticketID, contactID := openTicketOf(t, st, demo.AnaEmail)
	msg := &model.Message{TicketID: ticketID, Kind: model.KindPublic, AuthorContactID: &contactID, Body: "Any news?"}
	var threadID int64
	_ = st.DB.NewSelect().Table("threads").Column("id").Where("ticket_id = ?", ticketID).Limit(1).Scan(ctx, &threadID)
	msg.ThreadID = threadID
	if err := store.InsertMessage(ctx, st.DB, msg, nil); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := m.NotifyAgents(ctx, st.DB, mail.EventReply, ticketID, msg); err != nil {
			t.Fatal(err)
		}
	}
	rs := rows(t, st)
	if len(rs) != 1 || rs[0].ToAddr != demo.AdminEmail || rs[0].Kind != mail.KindAgentNotice {
		t.Fatalf("mails: %v", rs)
	}
	if !strings.Contains(rs[0].TextBody, fmt.Sprintf("https://help.example.com/admin/tickets/%d", ticketID)) ||
		!strings.Contains(rs[0].TextBody, "Any news?") {
		t.Errorf("body: %s", rs[0].TextBody)
	}
}

func TestReplyAddressAndTrim(t *testing.T) {
	secret := []byte("test-secret-test-secret-test-secret!")
	m := newMailer(t, "reply.portico.test")
	addr := m.ReplyAddress(42, 7)
	if tk, ct, ok := mail.ParseReplyAddress(secret, "reply.portico.test", "<"+strings.ToUpper(addr)+">"); !ok || tk != 42 || ct != 7 {
		t.Fatalf("%s: %d %d %v", addr, tk, ct, ok)
	}
	forged := strings.Replace(addr, "reply+42-7-", "reply+43-7-", 1)
	bad := []string{forged, strings.Replace(addr, "reply.portico.test", "evil.example", 1), "reply+42-7@reply.portico.test",
		"someone@reply.portico.test", addr[:len(addr)-25] + "0000@reply.portico.test"}
	for _, b := range bad {
		if _, _, ok := mail.ParseReplyAddress(secret, "reply.portico.test", b); ok {
			t.Errorf("accepted %s", b)
		}
	}
	if _, _, ok := mail.ParseReplyAddress([]byte("another-secret-another-secret-xx"), "reply.portico.test", addr); ok {
		t.Error("accepted with another secret")
	}
	cases := map[string]string{
		"Thanks!\n\nOn Mon, 1 Dec 2026 at 10:00, Help <help@x.example> wrote:\n> old\n> older": "Thanks!",
		"Gracias\r\n\r\nEl lun, 1 dic 2026, Ayuda <a@x.example> escribió:\r\n> antiguo":        "Gracias",
		"Top\n##- Please type your reply above this line -##\nHello Ana":                       "Top",
		"Line 1\n> quoted\nLine 2\n-- \nSig":                                                   "Line 1\nLine 2",
		"A\n-----Original Message-----\nFrom: x":                                               "A",
		"> only quoted":                                                                        "",
	}
	for in, want := range cases {
		if got := mail.TrimReply(in); got != want {
			t.Errorf("TrimReply(%q) = %q, want %q", in, got, want)
		}
	}
}

// The inbound listener puts a signed reply on the ticket's latest thread,
// trimmed of its quoted history, and refuses forged or stale addresses.
func TestInboundReply(t *testing.T) {
	st := demoStore(t)
	ctx := context.Background()
	secret := []byte("test-secret-test-secret-test-secret!")
	m := newMailer(t, "reply.portico.test")
	in := &mail.Inbound{Store: st, Mailer: m, Secret: secret, Domain: "reply.portico.test"}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := in.Server()
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { _ = srv.Close() })
	addr := l.Addr().String()

	ticketID, contactID := openTicketOf(t, st, demo.AnaEmail)
	to := m.ReplyAddress(ticketID, contactID)
	body := "From: Ana <ana@acme.example>\r\nTo: " + to + "\r\nSubject: Re: your ticket\r\n" +
		"Content-Type: text/plain; charset=utf-8\r\n\r\n" +
		"It works now, thank you.\r\n\r\nOn Tue, Help <help@portico.test> wrote:\r\n> We fixed it.\r\n"
	if err := smtp.SendMail(addr, nil, "ana@acme.example", []string{to}, []byte(body)); err != nil {
		t.Fatalf("a signed reply was refused: %v", err)
	}
	msgs, err := store.LatestThreadMessages(ctx, st.DB, ticketID)
	if err != nil {
		t.Fatal(err)
	}
	last := msgs[len(msgs)-1]
	if last.Body != "It works now, thank you." || last.Channel != "email" || last.Kind != model.KindPublic ||
		last.AuthorContactID == nil || *last.AuthorContactID != contactID {
		t.Fatalf("stored message: %+v", last)
	}
	if n := len(rows(t, st)); n == 0 {
		t.Error("the agents were not notified")
	}

	// A forged signature, another ticket with Ana's signature, a stranger's address.
	forged := strings.Replace(to, fmt.Sprintf("reply+%d-", ticketID), fmt.Sprintf("reply+%d-", ticketID+1), 1)
	for _, bad := range []string{forged, "support@reply.portico.test", strings.Replace(to, "reply.portico.test", "evil.example", 1)} {
		if err := smtp.SendMail(addr, nil, "x@evil.example", []string{bad}, []byte("Subject: x\r\n\r\nspam\r\n")); err == nil {
			t.Errorf("accepted mail to %s", bad)
		}
	}
	// A correctly signed address for a ticket the contact is not on.
	other, _ := openTicketOf(t, st, demo.GinaEmail)
	stale := m.ReplyAddress(other, contactID)
	if err := smtp.SendMail(addr, nil, "ana@acme.example", []string{stale}, []byte("Subject: x\r\n\r\nhello\r\n")); err == nil {
		t.Error("accepted a reply to a ticket the contact is not on")
	}
	after, _ := store.LatestThreadMessages(ctx, st.DB, other)
	for _, msg := range after {
		if msg.Body == "hello" {
			t.Error("the stale reply was stored")
		}
	}
	// An out-of-office answer is taken and dropped.
	auto := "Auto-Submitted: auto-replied\r\nSubject: Out of office\r\n\r\nI am away.\r\n"
	if err := smtp.SendMail(addr, nil, "ana@acme.example", []string{to}, []byte(auto)); err != nil {
		t.Fatal(err)
	}
	time.Sleep(10 * time.Millisecond)
	msgs, _ = store.LatestThreadMessages(ctx, st.DB, ticketID)
	if msgs[len(msgs)-1].Body == "I am away." {
		t.Error("an automatic answer was stored")
	}
}
