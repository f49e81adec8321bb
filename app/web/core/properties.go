package core

import (
	"github.com/gofiber/fiber/v2"

	"portico/app/model"
	"portico/app/store"
)

// CustomProperties labels a ticket's custom properties with the fields of
// the portal's support form that fill them. A missing form leaves the
// labels made from the keys.
func (s *Core) CustomProperties(c *fiber.Ctx, props map[string]string) ([]model.Property, error) {
	if len(props) == 0 {
		return nil, nil
	}
	var fields []model.FormField
	if id := SettingsOf(c).FormID; id != 0 {
		f, err := store.FormByID(c.UserContext(), s.Store.DB, id)
		switch {
		case err == nil:
			fields = f.Fields
		case !IsNotFound(err):
			return nil, err
		}
	}
	return model.CustomProperties(props, fields), nil
}
