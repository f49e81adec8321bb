package form

import (
	"strconv"
	"strings"

	"portico/app/model"
)

// applyAccounts reads the access section's account settings: whether new
// customers confirm their address, and how many hours an invitation link
// works (1 to 168). An empty field keeps the current time; a number out
// of range is kept in the copy, to be shown again with its error.
func applyAccounts(s *model.PortalSettings, g Getter, e Errors) {
	s.RequireVerification = g.Get("require_verification") == "yes"
	raw := strings.TrimSpace(g.Get("invite_hours"))
	if raw == "" {
		return
	}
	h, err := strconv.Atoi(raw)
	if err == nil && h > -1<<20 && h < 1<<20 {
		s.InviteHours = h
	}
	if err != nil || h < 1 || h > 24*7 {
		e["invite_hours"] = "settings.invite_range"
	}
}
