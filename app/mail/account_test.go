package mail_test

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"portico/app/mail"
	"portico/app/model"
	"portico/app/store"
	"portico/app/testutil"
)

var tokenRe = regexp.MustCompile(`token=([A-Za-z0-9_-]+)`)

// tokenOf finds the token in a queued mail's text.
func tokenOf(t *testing.T, r store.OutboxMail) string {
	t.Helper()
	m := tokenRe.FindStringSubmatch(r.TextBody)
	if m == nil {
		t.Fatalf("no token in %q", r.TextBody)
	}
	return m[1]
}

// Each kind of token is stored hashed, works once, only for its purpose,
// and not after it expires.
func TestTokens(t *testing.T) {
	both(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		ct := contact(t, st, "t@example.com", "T", "en")
		for _, purpose := range []string{model.TokenInvite, model.TokenVerify, model.TokenReset} {
			raw, err := store.CreateToken(ctx, st.DB, purpose, ct.ID, time.Hour)
			if err != nil {
				t.Fatal(err)
			}
			var hash string
			if err := st.DB.NewSelect().Table("tokens").Column("hash").Where("hash = ?", store.HashToken(raw)).Scan(ctx, &hash); err != nil {
				t.Fatalf("%s: stored hashed: %v", purpose, err)
			}
			if n, _ := st.DB.NewSelect().Table("tokens").Where("hash = ?", raw).Count(ctx); n != 0 {
				t.Fatalf("%s: the raw token is stored", purpose)
			}
			other := model.TokenReset
			if purpose == model.TokenReset {
				other = model.TokenInvite
			}
			if _, err := store.UseToken(ctx, st.DB, other, raw, time.Now()); !errors.Is(err, store.ErrTokenInvalid) {
				t.Fatalf("%s: used for %s: %v", purpose, other, err)
			}
			if _, err := store.PeekToken(ctx, st.DB, purpose, raw, time.Now()); err != nil {
				t.Fatalf("%s: peek: %v", purpose, err)
			}
			if _, err := store.PeekToken(ctx, st.DB, purpose, raw, time.Now().Add(2*time.Hour)); !errors.Is(err, store.ErrTokenInvalid) {
				t.Fatalf("%s: expired token peeked: %v", purpose, err)
			}
			if _, err := store.UseToken(ctx, st.DB, purpose, raw, time.Now().Add(2*time.Hour)); !errors.Is(err, store.ErrTokenInvalid) {
				t.Fatalf("%s: expired token used: %v", purpose, err)
			}
			// Two racing uses: one wins.
			var wg sync.WaitGroup
			wins := make(chan int64, 4)
			for range 4 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					if tok, err := store.UseToken(ctx, st.DB, purpose, raw, time.Now()); err == nil {
						wins <- *tok.ContactID
					}
				}()
			}
			wg.Wait()
			close(wins)
			if n := len(wins); n != 1 {
				t.Fatalf("%s: %d uses succeeded, want 1", purpose, n)
			}
			if id := <-wins; id != ct.ID {
				t.Fatalf("%s: token for contact %d", purpose, id)
			}
			if _, err := store.UseToken(ctx, st.DB, purpose, raw, time.Now()); !errors.Is(err, store.ErrTokenInvalid) {
				t.Fatalf("%s: used twice: %v", purpose, err)
			}
		}
		if _, err := store.UseToken(ctx, st.DB, model.TokenReset, "", time.Now()); !errors.Is(err, store.ErrTokenInvalid) {
			t.Fatal("an empty token was accepted")
		}
	})
}

// Account emails carry a link at the configured base URL, in the
// contact's language, branded with the portal's title and colour.
func TestAccountEmails(t *testing.T) {
	st := testutil.SQLite(t)
	ctx := context.Background()
	m := newMailer(t, "")
	ps := model.DefaultPortalSettings()
	ps.Title = model.PlainText("Acme <Help>")
	ps.PrimaryColor = "#aa3300"
	ps.BaseURL = "https://support.acme.example"
	es := contact(t, st, "es@example.com", `Élodie "><img src=x onerror=alert(1)>`, "es")
	if err := m.SendReset(ctx, st.DB, ps, es); err != nil {
		t.Fatal(err)
	}
	if err := m.SendVerification(ctx, st.DB, ps, es); err != nil {
		t.Fatal(err)
	}
	if err := m.SendInvite(ctx, st.DB, ps, es); err != nil {
		t.Fatal(err)
	}
	rs := rows(t, st)
	if len(rs) != 3 {
		t.Fatalf("%d mails", len(rs))
	}
	paths := []string{mail.PathResetPassword, mail.PathVerify, mail.PathSetPassword}
	for i, r := range rs {
		link := "https://support.acme.example" + paths[i] + "?token="
		if !strings.Contains(r.TextBody, link) || !strings.Contains(r.HTMLBody, `href="`+link) {
			t.Errorf("%s: no link %s in the bodies", r.Kind, link)
		}
		if !strings.Contains(r.Subject, "Acme <Help>") || !strings.Contains(r.TextBody, "Hola") {
			t.Errorf("%s: not in Spanish or not branded: %q", r.Kind, r.Subject)
		}
		if !strings.Contains(r.HTMLBody, "#aa3300") || !strings.Contains(r.HTMLBody, "Acme &lt;Help&gt;") {
			t.Errorf("%s: HTML not branded", r.Kind)
		}
		if strings.Contains(r.HTMLBody, "<img src=x") || strings.Contains(r.HTMLBody, `"><img`) {
			t.Errorf("%s: a name reached the HTML unescaped", r.Kind)
		}
		if strings.Contains(r.TextBody, "mail.") || strings.Contains(r.HTMLBody, "mail.") {
			t.Errorf("%s: an untranslated key: %s", r.Kind, r.TextBody)
		}
	}
	// Without a base URL in the settings, the configured one is used.
	ps.BaseURL = ""
	en := contact(t, st, "en@example.com", "Ed", "")
	if err := m.SendReset(ctx, st.DB, ps, en); err != nil {
		t.Fatal(err)
	}
	last := rows(t, st)[3]
	if !strings.Contains(last.TextBody, "https://help.example.com/portal/password/reset?token=") || !strings.Contains(last.TextBody, "Hello Ed") {
		t.Errorf("fallback base URL or English missing: %s", last.TextBody)
	}
}

// Invitations go to the listed contacts without a password, once each.
func TestInviteLists(t *testing.T) {
	both(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		m := newMailer(t, "")
		list := &model.List{Name: "VIP"}
		if _, err := st.DB.NewInsert().Model(list).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		a := contact(t, st, "a@example.com", "A", "en")
		b := contact(t, st, "b@example.com", "B", "en")
		contact(t, st, "c@example.com", "C", "en") // on no list
		if err := store.SetContactPassword(ctx, st.DB, b.ID, "hash"); err != nil {
			t.Fatal(err)
		}
		for _, id := range []int64{a.ID, b.ID} {
			if _, err := st.DB.NewInsert().Model(&model.ListMember{ListID: list.ID, ContactID: id}).Exec(ctx); err != nil {
				t.Fatal(err)
			}
		}
		ps := model.DefaultPortalSettings()
		if n, err := m.InviteLists(ctx, st.DB, ps); err != nil || n != 0 {
			t.Fatalf("registration access: %d, %v", n, err)
		}
		ps.Access, ps.AccessLists = model.AccessLists, []int64{list.ID}
		for i, want := range []int{1, 0} {
			n, err := m.InviteLists(ctx, st.DB, ps)
			if err != nil || n != want {
				t.Fatalf("run %d: invited %d (%v), want %d", i, n, err, want)
			}
		}
		rs := rows(t, st)
		if len(rs) != 1 || rs[0].ToAddr != "a@example.com" || rs[0].Kind != mail.KindInvite {
			t.Fatalf("mails: %+v", rs)
		}
		raw := tokenOf(t, rs[0])
		if _, err := store.PeekToken(ctx, st.DB, model.TokenInvite, raw, time.Now().Add(model.DefaultInviteHours*time.Hour-time.Minute)); err != nil {
			t.Fatal("the invitation should still work before it expires")
		}
		if _, err := store.PeekToken(ctx, st.DB, model.TokenInvite, raw, time.Now().Add(model.DefaultInviteHours*time.Hour+time.Minute)); err == nil {
			t.Fatal("the invitation works after it expired")
		}
	})
}
