package model

import (
	"strings"
	"time"
)

// Access modes for the portal.
const (
	AccessRegistration = "registration" // anyone may register
	AccessLists        = "lists"        // only contacts on the chosen lists
)

// Ticket permission modes.
const (
	PermissionContact = "contact" // a contact sees their own tickets
	PermissionCompany = "company" // plus every ticket of their primary company
)

// Filter rule operators.
const (
	OpIs      = "is"
	OpIsNot   = "is_not"
	OpAnyOf   = "any_of"
	OpNoneOf  = "none_of"
	OpKnown   = "known"
	OpUnknown = "unknown"
)

// FilterRule restricts which tickets the portal shows. Property is one of
// pipeline, stage, priority, category, source, inbox, or "custom:<name>".
// Values are compared as strings (IDs for pipeline, stage and inbox).
type FilterRule struct {
	Property string   `json:"property"`
	Operator string   `json:"operator"`
	Values   []string `json:"values"`
}

// MenuItem is one entry of the portal's navigation menu.
type MenuItem struct {
	Label Text   `json:"label"`
	URL   string `json:"url"`
}

// PageText is the editable heading and intro of a system page.
type PageText struct {
	Heading Text `json:"heading"`
	Intro   Text `json:"intro"`
}

// PortalSettings is the whole configuration of the portal. Texts an admin
// writes are kept per language (Text); an empty one falls back to the
// default language's, then to Portico's translated default.
type PortalSettings struct {
	Enabled             bool                `json:"enabled"`
	Title               Text                `json:"title"`
	Slug                string              `json:"slug"`
	PreviousSlugs       []string            `json:"previous_slugs"`
	BaseURL             string              `json:"base_url"`
	Language            string              `json:"language"`
	Languages           []string            `json:"languages"`
	Access              string              `json:"access"`
	AccessLists         []int64             `json:"access_lists"`
	SSOAccess           string              `json:"sso_access"`
	SSOLists            []int64             `json:"sso_lists"`
	SSOOnly             bool                `json:"sso_only"` // no password form, no registration
	Permission          string              `json:"permission"`
	DefaultInboxID      int64               `json:"default_inbox_id"`
	FormID              int64               `json:"form_id"`
	ShowStageNames      bool                `json:"show_stage_names"`
	PrimaryColor        string              `json:"primary_color"`
	AccentColor         string              `json:"accent_color"`
	LogoURL             string              `json:"logo_url"`
	FaviconURL          string              `json:"favicon_url"`
	Font                string              `json:"font"`
	Menu                []MenuItem          `json:"menu"`
	Filters             []FilterRule        `json:"filters"`
	ConsentVersionID    int64               `json:"consent_version_id"`
	IdleTimeoutSec      int                 `json:"idle_timeout_seconds"`
	MaxLifetimeHours    int                 `json:"max_lifetime_hours"`
	RequireVerification bool                `json:"require_verification"`
	InviteHours         int                 `json:"invite_hours"`
	Pages               map[string]PageText `json:"pages"`

	// ShareAnyAddress lets a contact share a ticket with any address (an
	// unknown one is invited as a new contact); otherwise only with
	// contacts of the same company.
	ShareAnyAddress bool `json:"share_any_address"`
	// NoSharing stops customers from sharing tickets with colleagues;
	// those shared already stay shared until someone removes them, and
	// agents may still add participants. Off by default: customers share.
	NoSharing bool `json:"no_sharing"`
	// NoCustomerSolve stops customers from marking their tickets solved.
	// Off by default: they may.
	NoCustomerSolve bool `json:"no_customer_solve"`

	// Notify holds the options of customers' notification choices.
	Notify NotifySettings `json:"notify"`
	// Rating asks customers to rate a ticket when it closes.
	Rating RatingSettings `json:"rating"`
	// MyData holds the settings of the customers' "Your data" page.
	MyData MyDataSettings `json:"mydata"`
}

// MyDataSettings are the settings of the "Your data" page.
type MyDataSettings struct {
	// NoSelfDeletion stops customers from asking for their account's
	// deletion from the portal. Off by default: customers may ask.
	NoSelfDeletion bool `json:"no_self_deletion"`
}

// IdleTimeout is the inactivity after which a session ends.
func (s PortalSettings) IdleTimeout() time.Duration {
	if s.IdleTimeoutSec <= 0 {
		return 30 * time.Minute
	}
	return time.Duration(s.IdleTimeoutSec) * time.Second
}

// DefaultInviteHours is how long an invitation link works when the
// settings name no other time.
const DefaultInviteHours = 24

// InviteTTL is how long an invitation link works.
func (s PortalSettings) InviteTTL() time.Duration {
	if s.InviteHours <= 0 {
		return DefaultInviteHours * time.Hour
	}
	return time.Duration(s.InviteHours) * time.Hour
}

// PortalPath is the portal's URL path, "/portal" unless the slug says
// otherwise. Portico's routes live under "/portal"; PortalURL maps them.
func (s PortalSettings) PortalPath() string {
	if s.Slug == "" {
		return "/portal"
	}
	return "/" + s.Slug
}

// PortalURL turns an internal "/portal/…" path into the public one.
func (s PortalSettings) PortalURL(path string) string {
	if rest, ok := strings.CutPrefix(path, "/portal"); ok && (rest == "" || rest[0] == '/' || rest[0] == '?') {
		return s.PortalPath() + rest
	}
	return path
}

// SelfRegistration reports whether anyone may register: never when the
// portal is reached by single sign-on only.
func (s PortalSettings) SelfRegistration() bool { return s.Access == AccessRegistration && !s.SSOOnly }

// DefaultPortalSettings is what a new installation starts with: switched
// off until an admin completes the activation checklist.
func DefaultPortalSettings() PortalSettings {
	return PortalSettings{
		Title:               Text{"en": "Customer portal", "es": "Portal de clientes"},
		Slug:                "portal",
		Language:            "en",
		Languages:           []string{"en", "es"},
		Access:              AccessRegistration,
		SSOAccess:           "all",
		Permission:          PermissionContact,
		PrimaryColor:        "#2563eb",
		AccentColor:         "#0f766e",
		IdleTimeoutSec:      30 * 60,
		MaxLifetimeHours:    12,
		RequireVerification: true,
		InviteHours:         DefaultInviteHours,
	}
}
