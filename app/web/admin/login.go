package admin

import (
	"github.com/gofiber/fiber/v2"

	"portico/app/auth"
	"portico/app/model"
	"portico/app/store"
	"portico/app/web/core"
	"portico/app/web/form"
)

// LoginForm shows the staff login.
func (s *Handler) LoginForm(c *fiber.Ctx) error {
	next := core.SafeNext(c.Query("next"), "")
	if core.StaffOf(c) != nil {
		return core.Redirect(c, core.SafeNext(next, "/admin/inbox"))
	}
	return s.adminPage(c, fiber.StatusOK, "pages/admin/login", fiber.Map{
		"Form": form.Login{Next: next}, "Errors": form.Errors{},
		"Expired": c.Query("expired") == "1", "LoggedOut": c.Query("logged_out") == "1",
	})
}

// Login checks staff credentials, answering unknown emails and wrong
// passwords alike.
func (s *Handler) Login(c *fiber.Ctx) error {
	f := form.NewLogin(c.FormValue)
	errs := f.Validate()
	ctx := c.UserContext()
	if !errs.Any() {
		var u *model.StaffUser
		ok, err := s.CheckCredentials(c, "staff-login", f, func() (string, bool, error) {
			var err error
			if u, err = store.StaffByEmail(ctx, s.Store.DB, f.Email); err != nil {
				return "", false, err
			}
			return u.PasswordHash, u.Disabled, nil
		})
		switch {
		case err != nil:
			return err
		case !ok:
			errs["form"] = "login.failed"
		default:
			if err := s.StartSession(c, auth.KindStaff, u.ID); err != nil {
				return err
			}
			c.Locals(core.LocalStaff, u)
			s.audit(c, "staff.login", "staff:"+u.Email, "", "")
			return core.Redirect(c, core.SafeNext(f.Next, "/admin/inbox"))
		}
	}
	f.Password = ""
	return s.adminPage(c, fiber.StatusUnprocessableEntity, "pages/admin/login", fiber.Map{"Form": f, "Errors": errs})
}

// Logout ends the staff session, and with it any portal preview.
func (s *Handler) Logout(c *fiber.Ctx) error {
	if err := s.EndSession(c, core.StaffCookie); err != nil {
		return err
	}
	return core.Redirect(c, "/admin/login?logged_out=1")
}
