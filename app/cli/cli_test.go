package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"portico/app/auth"
	"portico/app/model"
	"portico/app/store"
	"portico/app/testutil"
)

func assets(t *testing.T) Assets {
	root := os.DirFS(testutil.Root(t))
	return Assets{Views: root, Static: root, Migrations: root}
}

func TestMigrateCommand(t *testing.T) {
	dir := t.TempDir()
	if code := Run([]string{"--data-dir", dir, "--log-level", "error", "migrate"}, assets(t)); code != 0 {
		t.Fatalf("migrate exited %d", code)
	}
	st, err := store.OpenSQLite(filepath.Join(dir, "portico.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	n, err := st.DB.NewSelect().Table("tickets").Count(context.Background())
	if err != nil || n != 0 {
		t.Fatalf("tickets table after migrate: n=%d err=%v", n, err)
	}
	if _, err := os.Stat(filepath.Join(dir, "secret.key")); !os.IsNotExist(err) {
		t.Fatal("migrate alone should not need the secret key")
	}
}

func TestBadSettingExitsWithTwo(t *testing.T) {
	if code := Run([]string{"--addr", "nowhere"}, assets(t)); code != 2 {
		t.Fatalf("want exit 2 for a bad setting, got %d", code)
	}
	if code := Run([]string{"--help"}, assets(t)); code != 0 {
		t.Fatalf("--help exits 0, got %d", code)
	}
}

func TestAdminCreate(t *testing.T) {
	ctx := context.Background()
	st := testutil.SQLite(t)

	var out bytes.Buffer
	err := adminCommand(ctx, st, []string{"create", "--email", "Boss@Example.com", "--role", "admin"}, strings.NewReader(""), &out)
	if err != nil {
		t.Fatal(err)
	}
	line := ""
	for _, l := range strings.Split(out.String(), "\n") {
		if p, ok := strings.CutPrefix(l, "password: "); ok {
			line = p
		}
	}
	if len(line) < 16 {
		t.Fatalf("a generated password is printed once: %q", out.String())
	}
	u, err := store.StaffByEmail(ctx, st.DB, "boss@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if u.Role != model.RoleAdmin || !u.CanPortalSettings || !auth.VerifyPassword(u.PasswordHash, line) {
		t.Fatalf("admin stored wrongly: %+v", u)
	}

	out.Reset()
	err = adminCommand(ctx, st, []string{"create", "--email", "agent@example.com", "--role", "agent"}, strings.NewReader("a sturdy passphrase\n"), &out)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out.String(), "password:") {
		t.Fatal("a password given on standard input is never printed")
	}
	a, _ := store.StaffByEmail(ctx, st.DB, "agent@example.com")
	if a.Role != model.RoleAgent || a.CanPortalSettings || !auth.VerifyPassword(a.PasswordHash, "a sturdy passphrase") {
		t.Fatalf("agent stored wrongly: %+v", a)
	}

	for _, args := range [][]string{
		{"create", "--email", "x@example.com", "--role", "root"},
		{"create", "--role", "admin"},
		{"delete"},
	} {
		if err := adminCommand(ctx, st, args, strings.NewReader(""), &out); err == nil {
			t.Errorf("%v accepted", args)
		}
	}
	if err := adminCommand(ctx, st, []string{"create", "--email", "weak@example.com"}, strings.NewReader("password\n"), &out); err == nil {
		t.Error("a common password is refused")
	}
}
