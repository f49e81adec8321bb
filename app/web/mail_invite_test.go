package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"portico/app/demo"
	"portico/app/mail"
	"portico/app/model"
	"portico/app/store"
)

// mlListedContact creates a contact without a password on the first list.
func (h *harness) mlListedContact(email string) (contactID, listID int64) {
	h.t.Helper()
	ctx := context.Background()
	ls, err := store.Lists(ctx, h.st.DB)
	if err != nil || len(ls) == 0 {
		h.t.Fatalf("lists: %v", err)
	}
	ct := &model.Contact{Email: email, Name: "Ivan Invited", Language: "es"}
	if err := store.CreateContact(ctx, h.st.DB, ct); err != nil {
		h.t.Fatal(err)
	}
	h.exec("INSERT INTO list_members (list_id, contact_id) VALUES (?, ?)", ls[0].ID, ct.ID)
	return ct.ID, ls[0].ID
}

// Saving access "by lists" invites the listed contacts without a
// password, once; the invitation's link sets a password and logs in, once.
func TestMailInvitationOnAccessSave(t *testing.T) {
	h := mlHarness(t)
	const email = "ivan@acme.example"
	contactID, listID := h.mlListedContact(email)
	admin := h.mlStaff(demo.AdminEmail)
	form := url.Values{"access": {"lists"}, "access_lists": {strconv.FormatInt(listID, 10)}, "sso_access": {"all"}}
	for range 2 {
		res, _ := admin.post("/admin/portal/access", form, true)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("save access: %d", res.StatusCode)
		}
	}
	invites := h.mlMailsTo(email, mail.KindInvite)
	if len(invites) != 1 {
		t.Fatalf("%d invitations, want 1", len(invites))
	}
	if !strings.Contains(invites[0].Subject, "invitado") {
		t.Errorf("not in the contact's language: %q", invites[0].Subject)
	}
	for _, m := range h.mlMails() {
		if m.Kind == mail.KindInvite && m.ToAddr != email {
			t.Errorf("%s, who has a password, was invited", m.ToAddr)
		}
	}
	path := mlPath(h.mlLink(email, mail.KindInvite))
	if !strings.HasPrefix(path, "/portal/password/set?token=") {
		t.Fatalf("link %s", path)
	}
	token := path[strings.Index(path, "token=")+6:]
	b := h.client()
	if res, _ := b.get(path, false); res.StatusCode != http.StatusOK {
		t.Fatalf("set-password page: %d", res.StatusCode)
	}
	res, _ := b.post("/portal/password/set", url.Values{"token": {token}, "password": {"my first passphrase"}}, false)
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("set password: %d", res.StatusCode)
	}
	if res, _ := b.get("/portal/tickets", false); res.StatusCode != http.StatusOK {
		t.Fatalf("the invited contact is not let in: %d", res.StatusCode)
	}
	ct, _ := store.ContactByID(context.Background(), h.st.DB, contactID)
	if ct.PasswordHash == "" || ct.EmailVerifiedAt.IsZero() {
		t.Fatal("password not set or address not marked verified")
	}
	if res, _ := h.client().get(path, false); res.StatusCode != http.StatusGone {
		t.Fatalf("the invitation works twice: %d", res.StatusCode)
	}
	// Now that the contact has a password, saving again invites nobody.
	admin.post("/admin/portal/access", form, true)
	if n := len(h.mlMailsTo(email, mail.KindInvite)); n != 1 {
		t.Fatalf("%d invitations after the password was set", n)
	}
}

// An admin with the settings permission can resend an invitation; an
// agent without it cannot; a contact with a password gets none.
func TestMailResendInvitation(t *testing.T) {
	h := mlHarness(t)
	contactID, _ := h.mlListedContact("ivan@acme.example")
	path := fmt.Sprintf("/admin/contacts/%d/invite", contactID)
	if res, _ := h.client().post(path, nil, false); res.StatusCode == http.StatusSeeOther && !strings.HasPrefix(res.Header.Get("Location"), "/admin/login") {
		t.Fatalf("anonymous: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	agent := h.mlStaff(demo.AgentEmail)
	if res, _ := agent.post(path, nil, false); res.StatusCode != http.StatusForbidden {
		t.Fatalf("agent: %d", res.StatusCode)
	}
	admin := h.mlStaff(demo.AdminEmail)
	for i := range 2 {
		res, _ := admin.post(path, nil, false)
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/admin/outbox?invited=1" {
			t.Fatalf("resend %d: %d %s", i, res.StatusCode, res.Header.Get("Location"))
		}
	}
	if n := len(h.mlMailsTo("ivan@acme.example", mail.KindInvite)); n != 2 {
		t.Fatalf("%d invitations, want 2", n)
	}
	if res, _ := admin.post(fmt.Sprintf("/admin/contacts/%d/invite", h.contactID(ana)), nil, false); res.StatusCode != http.StatusConflict {
		t.Fatalf("a contact with a password: %d", res.StatusCode)
	}
	if res, _ := admin.post("/admin/contacts/999999/invite", nil, false); res.StatusCode != http.StatusNotFound {
		t.Fatalf("a missing contact: %d", res.StatusCode)
	}
}

// Invitation links last 24 hours unless the access section says
// otherwise; the time is checked at the field, saved with an audit entry,
// told in the mail, and used by an admin's resend.
func TestMailInvitationLifetime(t *testing.T) {
	h := mlHarness(t)
	contactID, listID := h.mlListedContact("ivan@acme.example")
	admin := h.mlStaff(demo.AdminEmail)
	path := fmt.Sprintf("/admin/contacts/%d/invite", contactID)
	expiry := func() time.Duration {
		t.Helper()
		h.drainJobs()
		var at time.Time
		if err := h.st.DB.NewRaw("SELECT expires_at FROM tokens WHERE contact_id = ? AND purpose = ? ORDER BY id DESC LIMIT 1",
			contactID, model.TokenInvite).Scan(context.Background(), &at); err != nil {
			t.Fatal(err)
		}
		return time.Until(at)
	}
	lastInvite := func() store.OutboxMail {
		ms := h.mlMailsTo("ivan@acme.example", mail.KindInvite)
		if len(ms) == 0 {
			t.Fatal("no invitation")
		}
		return ms[len(ms)-1]
	}

	// By default: a day.
	if res, _ := admin.post(path, nil, false); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("resend: %d", res.StatusCode)
	}
	if d := expiry(); d < 23*time.Hour || d > 24*time.Hour {
		t.Errorf("the default invitation lasts %v, want 24h", d)
	}
	if m := lastInvite(); !strings.Contains(m.TextBody, "24 horas") {
		t.Errorf("the mail does not tell the 24 hours: %q", m.TextBody)
	}

	// Out of range: refused at the field, nothing saved.
	access := func(hours string) url.Values {
		return url.Values{"access": {"lists"}, "access_lists": {strconv.FormatInt(listID, 10)}, "sso_access": {"all"}, "invite_hours": {hours}}
	}
	for _, bad := range []string{"0", "169", "a day"} {
		res, body := admin.post("/admin/portal/access", access(bad), true)
		if res.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("invite_hours %q: %d", bad, res.StatusCode)
		}
		recInvalid(t, body, "invite_hours", recT(h, "settings.invite_range"))
		if recValue(body, "invite_hours") != bad && bad != "a day" {
			t.Errorf("what was typed is lost: %q", recValue(body, "invite_hours"))
		}
	}
	if got := h.settingsNow().InviteHours; got != model.DefaultInviteHours {
		t.Fatalf("a refused save changed the time to %d", got)
	}

	// Saved: the audit log has it, and a resend uses it.
	if res, _ := admin.post("/admin/portal/access", access("48"), true); res.StatusCode != http.StatusOK {
		t.Fatalf("save: %d", res.StatusCode)
	}
	if got := h.settingsNow().InviteHours; got != 48 {
		t.Fatalf("saved %d hours, want 48", got)
	}
	if a := h.admLastAudit(); a.Action != "settings.access" || !strings.Contains(a.After, `"invite_hours":48`) {
		t.Errorf("audit entry %s: %s", a.Action, a.After)
	}
	if res, _ := admin.post(path, nil, false); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("resend: %d", res.StatusCode)
	}
	if d := expiry(); d < 47*time.Hour || d > 48*time.Hour {
		t.Errorf("the invitation lasts %v, want 48h", d)
	}
	if m := lastInvite(); !strings.Contains(m.TextBody, "48 horas") {
		t.Errorf("the mail does not tell the 48 hours: %q", m.TextBody)
	}
}
