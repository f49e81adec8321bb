package model

import (
	"time"

	"github.com/uptrace/bun"
)

// SSO provider kinds.
const (
	SSOKindOIDC = "oidc"
	SSOKindSAML = "saml"
	SSOKindJWT  = "jwt"
)

// SSO access modes of the portal settings (SSOAccess).
const (
	SSOAccessAll   = "all"   // every person the provider vouches for
	SSOAccessLists = "lists" // only contacts on the chosen lists
)

// SSOProvider is one single sign-on provider of the portal. Options holds
// the kind's settings as JSON; Secrets holds the kind's secrets as JSON,
// sealed with the instance's secret key (see app/sso), never in the clear.
type SSOProvider struct {
	bun.BaseModel `bun:"table:sso_providers"`

	ID      int64  `bun:"id,pk,autoincrement"`
	Slug    string `bun:"slug,notnull"` // in the provider's URLs: /portal/sso/<slug>/…
	Kind    string `bun:"kind,notnull"` // oidc, saml or jwt
	Name    string `bun:"name,notnull"` // the login button's label
	Enabled bool   `bun:"enabled,notnull"`
	// AllowLinking lets a first sign-in take over the existing contact
	// with the same email, when the provider asserts the email verified.
	AllowLinking bool   `bun:"allow_linking,notnull"`
	Options      string `bun:"options,notnull"`
	Secrets      string `bun:"secrets,notnull"`
	// CompanyMap maps a company name sent by the provider to a company
	// ID, as JSON; a new contact joins the mapped company.
	CompanyMap string    `bun:"company_map,notnull"`
	CreatedAt  time.Time `bun:"created_at,nullzero,notnull,default:current_timestamp"`
	UpdatedAt  time.Time `bun:"updated_at,nullzero,notnull,default:current_timestamp"`
}
