package sso

import (
	"encoding/json"
	"net/url"
	"slices"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// Endpoint is a URL an admin copies into the provider's settings. Label
// is a translation key.
type Endpoint struct{ Label, URL string }

// Endpointer is implemented by kinds that have URLs to show the admin
// (redirect URI, ACS URL, entity ID, metadata URL…).
type Endpointer interface {
	Endpoints(c *fiber.Ctx, p *Provider) []Endpoint
}

// FormReader is implemented by kinds an admin configures in the settings
// page: ReadForm applies the kind's fields of the provider form to
// p.Options, and answers the secrets typed (write-only: "" keeps the
// stored one) and the errors, as translation keys by field name. stored
// tells which secrets the provider already has.
type FormReader interface {
	ReadForm(get func(string) string, p *Provider, stored map[string]bool) (secrets, errs map[string]string)
}

// Endpoints are the URLs of the provider to copy into its settings.
func (s *Service) Endpoints(c *fiber.Ctx, p *Provider) []Endpoint {
	if e, ok := s.kind(p.Kind).(Endpointer); ok {
		return e.Endpoints(c, p)
	}
	return nil
}

// ReadForm applies the kind's fields of the provider form.
func (s *Service) ReadForm(get func(string) string, p *Provider) (secrets, errs map[string]string) {
	r, ok := s.kind(p.Kind).(FormReader)
	if !ok {
		return nil, map[string]string{"kind": "form.invalid"}
	}
	stored := map[string]bool{}
	if p.ID != 0 {
		if sec, err := s.Secrets(p); err == nil {
			for k, v := range sec {
				stored[k] = v != ""
			}
		}
	}
	return r.ReadForm(get, p, stored)
}

// Kinds are the names of the registered kinds, sorted.
func (s *Service) Kinds() []string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]string, 0, len(s.kinds))
	for k := range s.kinds {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// Endpoints implements Endpointer.
func (k *oidcKind) Endpoints(c *fiber.Ctx, p *Provider) []Endpoint {
	return []Endpoint{{"sso.url_redirect", k.s.URL(c, p, "callback")}, {"sso.url_login", k.s.URL(c, p, "login")}}
}

// Endpoints implements Endpointer.
func (k *jwtKind) Endpoints(c *fiber.Ctx, p *Provider) []Endpoint {
	return []Endpoint{{"sso.url_jwt", k.s.URL(c, p, "jwt")}, {"sso.url_login", k.s.URL(c, p, "login")}}
}

// ReadForm implements FormReader.
func (k *oidcKind) ReadForm(get func(string) string, p *Provider, stored map[string]bool) (map[string]string, map[string]string) {
	e := map[string]string{}
	o := OIDCOptions{Preset: get("preset"), ClientID: oneLine(get("client_id")), CompanyClaim: oneLine(get("company_claim"))}
	if _, ok := OIDCPresets[o.Preset]; !ok {
		e["preset"] = "form.invalid"
	}
	typed := oneLine(get("issuer"))
	if o.Preset != "google" && typed == "" {
		e["issuer"] = "form.required"
	} else if o.Issuer = OIDCIssuer(o.Preset, typed); !absoluteURL(o.Issuer) || !SecureURL(o.Issuer) {
		e["issuer"] = "sso.issuer_invalid"
	}
	if o.ClientID == "" {
		e["client_id"] = "form.required"
	}
	secret := strings.TrimSpace(get("client_secret"))
	if secret == "" && !stored[SecretOIDC] {
		e["client_secret"] = "form.required"
	}
	b, _ := json.Marshal(o)
	p.Options = string(b)
	return map[string]string{SecretOIDC: secret}, e
}

// ReadForm implements FormReader.
func (k *jwtKind) ReadForm(get func(string) string, p *Provider, stored map[string]bool) (map[string]string, map[string]string) {
	e := map[string]string{}
	o := JWTOptions{LoginURL: oneLine(get("login_url")), LogoutURL: oneLine(get("logout_url")), Algorithm: get("algorithm"),
		PublicKey: strings.TrimSpace(get("public_key")), Issuer: oneLine(get("issuer")), Audience: oneLine(get("audience")),
		VerifiesEmail: checked(get("verifies_email")), Unsolicited: checked(get("unsolicited"))}
	if !absoluteURL(o.LoginURL) {
		e["login_url"] = "sso.url_invalid"
	} else if o.Issuer == "" {
		// The remote login URL's origin, unless the admin typed another.
		u, _ := url.Parse(o.LoginURL)
		o.Issuer = u.Scheme + "://" + u.Host
	}
	if o.Audience == "" {
		e["audience"] = "form.required"
	}
	if o.LogoutURL != "" && !absoluteURL(o.LogoutURL) {
		e["logout_url"] = "sso.url_invalid"
	}
	secret := get("shared_secret")
	switch o.Algorithm {
	case "HS256":
		o.PublicKey = ""
		if secret == "" && !stored[SecretJWT] {
			e["shared_secret"] = "form.required"
		} else if secret != "" && len(secret) < 32 {
			e["shared_secret"] = "sso.secret_short"
		}
	case "RS256", "ES256":
		secret = ""
		if _, err := ParsePublicKey(o.Algorithm, o.PublicKey); err != nil {
			e["public_key"] = "sso.key_invalid"
		}
	default:
		e["algorithm"] = "form.invalid"
	}
	b, _ := json.Marshal(o)
	p.Options = string(b)
	return map[string]string{SecretJWT: secret}, e
}

// checked tells whether a checkbox was ticked.
func checked(v string) bool { return v == "on" || v == "true" || v == "1" }

func oneLine(v string) string {
	v = strings.TrimSpace(v)
	if i := strings.IndexAny(v, "\r\n"); i >= 0 {
		v = v[:i]
	}
	return v
}

func absoluteURL(v string) bool {
	u, err := url.Parse(v)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != "" && u.User == nil
}
