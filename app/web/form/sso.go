package form

import (
	"regexp"
	"strings"
)

// SSOProvider is the part of the provider form every kind shares; the
// kind's own fields are read by the kind (sso.FormReader).
type SSOProvider struct {
	Kind         string
	Name         string
	Slug         string
	Enabled      bool
	AllowLinking bool
	// Companies maps company names the provider sends to Portico's
	// companies, one "sent name = company name" per line.
	Companies string
}

var ssoSlugRe = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,39}$`)

// NewSSOProvider reads the shared fields.
func NewSSOProvider(get func(string, ...string) string) SSOProvider {
	return SSOProvider{
		Kind: get("kind"), Name: oneLine(get("name")), Slug: strings.ToLower(oneLine(get("slug"))),
		Enabled: get("enabled") == "on", AllowLinking: get("allow_linking") == "on",
		Companies: clean(get("companies")),
	}
}

// Validate checks the shared fields.
func (f SSOProvider) Validate() Errors {
	e := Errors{}
	if f.Name == "" {
		e["name"] = "form.required"
	} else if tooLong(f.Name, 80) {
		e["name"] = "form.too_long"
	}
	if !ssoSlugRe.MatchString(f.Slug) {
		e["slug"] = "settings.slug_invalid"
	}
	for _, line := range f.CompanyLines() {
		if line[0] == "" || line[1] == "" {
			e["companies"] = "sso.companies_invalid"
		}
	}
	return e
}

// CompanyLines are the mapping's lines, as (sent name, company name).
func (f SSOProvider) CompanyLines() [][2]string {
	var out [][2]string
	for _, line := range strings.Split(f.Companies, "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		from, to, _ := strings.Cut(line, "=")
		out = append(out, [2]string{strings.TrimSpace(from), strings.TrimSpace(to)})
	}
	return out
}
