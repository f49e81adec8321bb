package web

import (
	"github.com/gofiber/fiber/v2"

	"portico/app/auth"
	"portico/app/model"
	"portico/app/store"
	"portico/app/web/form"
)

const adminLayout = "layouts/admin"

// adminPage renders a back-office page inside the admin layout.
func (s *Server) adminPage(c *fiber.Ctx, status int, name string, m fiber.Map) error {
	c.Vary("HX-Request")
	c.Status(status)
	m = s.view(c, m)
	m["Staff"] = staffOf(c)
	return c.Render(name, m, adminLayout)
}

// adminFragment renders a back-office partial alone.
func (s *Server) adminFragment(c *fiber.Ctx, status int, name string, m fiber.Map) error {
	c.Vary("HX-Request")
	c.Status(status)
	m = s.view(c, m)
	m["Staff"] = staffOf(c)
	return c.Render(name, m)
}

// adminLoginForm shows the staff login.
func (s *Server) adminLoginForm(c *fiber.Ctx) error {
	next := safeNext(c.Query("next"), "")
	if staffOf(c) != nil {
		return redirect(c, safeNext(next, "/admin/inbox"))
	}
	return s.adminPage(c, fiber.StatusOK, "pages/admin/login", fiber.Map{
		"Form": form.Login{Next: next}, "Errors": form.Errors{},
		"Expired": c.Query("expired") == "1", "LoggedOut": c.Query("logged_out") == "1",
	})
}

// adminLogin checks staff credentials, answering unknown emails and wrong
// passwords alike.
func (s *Server) adminLogin(c *fiber.Ctx) error {
	f := form.NewLogin(c.FormValue)
	errs := f.Validate()
	ctx := c.UserContext()
	if !errs.Any() {
		var u *model.StaffUser
		ok, err := s.checkCredentials(c, "staff-login", f, func() (string, bool, error) {
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
			if err := s.startSession(c, auth.KindStaff, u.ID); err != nil {
				return err
			}
			c.Locals(localStaff, u)
			s.audit(c, "staff.login", "staff:"+u.Email, "", "")
			return redirect(c, safeNext(f.Next, "/admin/inbox"))
		}
	}
	f.Password = ""
	return s.adminPage(c, fiber.StatusUnprocessableEntity, "pages/admin/login", fiber.Map{"Form": f, "Errors": errs})
}

// adminLogout ends the staff session, and with it any portal preview.
func (s *Server) adminLogout(c *fiber.Ctx) error {
	if err := s.endSession(c, staffCookie); err != nil {
		return err
	}
	return redirect(c, "/admin/login?logged_out=1")
}

// audit records a security event or a change made by the current staff
// user; a failure to write it is logged, never shown.
func (s *Server) audit(c *fiber.Ctx, action, target, before, after string) {
	e := &model.AuditEntry{ActorType: "anonymous", Action: action, Target: target, Before: before, After: after, IP: c.IP()}
	if u := staffOf(c); u != nil {
		e.ActorType, e.ActorID = "staff", &u.ID
	}
	if err := store.AddAudit(c.UserContext(), s.Store.DB, e); err != nil {
		s.Log.Error("audit log write failed", "err", err)
	}
}
