package cli

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/base64"
	"flag"
	"fmt"
	"io"
	"strings"

	"portico/app/auth"
	"portico/app/model"
	"portico/app/store"
)

// adminCommand runs "admin create --email E --role admin|agent". The
// password comes from standard input, or is generated and printed once.
func adminCommand(ctx context.Context, st *store.Store, args []string, in io.Reader, out io.Writer) error {
	if len(args) == 0 || args[0] != "create" {
		return fmt.Errorf("usage: portico admin create --email E --role admin|agent [--name N]")
	}
	fs := flag.NewFlagSet("admin create", flag.ContinueOnError)
	email := fs.String("email", "", "email of the staff user")
	role := fs.String("role", model.RoleAdmin, "admin or agent")
	name := fs.String("name", "", "display name")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if *email == "" || !strings.Contains(*email, "@") {
		return fmt.Errorf("admin create: --email is required")
	}
	if *role != model.RoleAdmin && *role != model.RoleAgent {
		return fmt.Errorf("admin create: --role must be admin or agent")
	}
	pw := ""
	if sc := bufio.NewScanner(in); sc.Scan() {
		pw = strings.TrimRight(sc.Text(), "\r\n")
	}
	generated := pw == ""
	if generated {
		b := make([]byte, 15)
		_, _ = rand.Read(b)
		pw = base64.RawURLEncoding.EncodeToString(b)
	} else if err := auth.CheckPassword(pw); err != nil {
		return fmt.Errorf("admin create: %v", err)
	}
	hash, err := auth.HashPassword(pw)
	if err != nil {
		return err
	}
	u := &model.StaffUser{Email: strings.ToLower(*email), Name: *name, PasswordHash: hash, Role: *role,
		CanPortalSettings: *role == model.RoleAdmin}
	if err := store.CreateStaff(ctx, st.DB, u); err != nil {
		return err
	}
	fmt.Fprintf(out, "created %s %s\n", *role, u.Email)
	if generated {
		fmt.Fprintf(out, "password: %s\n", pw)
	}
	return nil
}
