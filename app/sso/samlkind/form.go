package samlkind

import (
	"context"
	"encoding/json"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"portico/app/sso"
	"portico/app/sso/saml"
)

// Form is the SAML part of the provider form: where the IdP's metadata
// comes from, the attribute names, and the two switches. Each field is
// named after its key in Options, as the provider form expects.
type Form struct {
	MetadataURL   string
	MetadataXML   string
	EmailAttr     string
	FirstNameAttr string
	LastNameAttr  string
	CompanyAttr   string
	IdPInitiated  bool
	EmailVerified bool
}

// ReadForm binds the SAML fields of a posted form, through get.
func ReadForm(get func(key string) string) Form {
	on := func(k string) bool { v := get(k); return v == "on" || v == "1" || v == "true" }
	return Form{
		MetadataURL:   strings.TrimSpace(get("metadata_url")),
		MetadataXML:   strings.TrimSpace(get("metadata_xml")),
		EmailAttr:     strings.TrimSpace(get("email_attr")),
		FirstNameAttr: strings.TrimSpace(get("first_name_attr")),
		LastNameAttr:  strings.TrimSpace(get("last_name_attr")),
		CompanyAttr:   strings.TrimSpace(get("company_attr")),
		IdPInitiated:  on("idp_initiated"),
		EmailVerified: on("email_verified"),
	}
}

// Validate checks the fields on their own; errors map a field name to the
// translation key of its problem.
func (f Form) Validate() map[string]string {
	e := map[string]string{}
	switch {
	case f.MetadataURL == "" && f.MetadataXML == "":
		e["metadata_url"] = "saml.form.metadata_required"
	case f.MetadataURL != "":
		if _, err := saml.CheckMetadataURL(f.MetadataURL); err != nil || utf8.RuneCountInString(f.MetadataURL) > 2000 {
			e["metadata_url"] = "saml.form.metadata_url_invalid"
		}
	default:
		if len(f.MetadataXML) > saml.MaxMetadataSize {
			e["metadata_xml"] = "form.too_long"
		} else if _, err := saml.ParseMetadata([]byte(f.MetadataXML)); err != nil {
			e["metadata_xml"] = "saml.form.metadata_invalid"
		}
	}
	for k, v := range map[string]string{"email_attr": f.EmailAttr, "first_name_attr": f.FirstNameAttr,
		"last_name_attr": f.LastNameAttr, "company_attr": f.CompanyAttr} {
		if utf8.RuneCountInString(v) > 200 {
			e[k] = "form.too_long"
		}
	}
	return e
}

// Apply turns a valid form into the provider's options and new secrets:
// it fetches the metadata from its URL (an error is the URL field's), and
// generates the SP's key pair the first time (old is nil, or has no
// certificate, or hasKey is false). entityID names the certificate.
func (k *Kind) Apply(ctx context.Context, f Form, old *Options, hasKey bool, entityID string) (Options, map[string]string, map[string]string) {
	o := Options{MetadataURL: f.MetadataURL, MetadataXML: f.MetadataXML, EmailAttr: f.EmailAttr,
		FirstNameAttr: f.FirstNameAttr, LastNameAttr: f.LastNameAttr, CompanyAttr: f.CompanyAttr,
		IdPInitiated: f.IdPInitiated, EmailVerified: f.EmailVerified}
	if f.MetadataURL != "" {
		data, err := saml.FetchMetadata(ctx, k.s.HTTPClient, f.MetadataURL)
		if err != nil {
			k.s.Log.Info("saml: unable to fetch the IdP metadata", "url", f.MetadataURL, "err", err)
			return o, nil, map[string]string{"metadata_url": "saml.form.metadata_fetch_failed"}
		}
		o.MetadataXML = string(data)
	}
	secrets := map[string]string{}
	if old != nil && old.Certificate != "" && hasKey {
		o.Certificate = old.Certificate
		return o, secrets, nil
	}
	keys, err := saml.GenerateKeys(entityID)
	if err != nil {
		k.s.Log.Error("saml: unable to generate the SP keys", "err", err)
		return o, nil, map[string]string{"metadata_url": "saml.form.keys_failed"}
	}
	o.Certificate, secrets[SecretKey] = keys.Certificate, keys.Key
	return o, secrets, nil
}

// Info is what the provider form shows an admin to paste into the IdP.
type Info struct {
	ACSURL, EntityID, MetadataURL, SLOURL string
	Certificate                           string
}

// InfoOf is the Info of a saved SAML provider.
func (k *Kind) InfoOf(c *fiber.Ctx, p *sso.Provider) *Info {
	var o Options
	_ = sso.Options(p, &o)
	md := k.s.URL(c, p, "metadata")
	return &Info{ACSURL: k.s.URL(c, p, "acs"), EntityID: md, MetadataURL: md, SLOURL: k.s.URL(c, p, "slo"), Certificate: o.Certificate}
}

// fetchTimeout bounds fetching the IdP metadata while an admin saves.
const fetchTimeout = 15 * time.Second

// ReadForm applies the SAML fields of the provider form to p.Options (also
// when they have errors, so that the form shows what was typed) and
// answers the SP key to store, generated the first time, and the errors.
func (k *Kind) ReadForm(get func(string) string, p *sso.Provider, stored map[string]bool) (map[string]string, map[string]string) {
	f := ReadForm(get)
	var old *Options
	if p.Options != "" {
		var o Options
		if sso.Options(p, &o) == nil {
			old = &o
		}
	}
	typed := func() {
		o := Options{MetadataURL: f.MetadataURL, MetadataXML: f.MetadataXML, EmailAttr: f.EmailAttr,
			FirstNameAttr: f.FirstNameAttr, LastNameAttr: f.LastNameAttr, CompanyAttr: f.CompanyAttr,
			IdPInitiated: f.IdPInitiated, EmailVerified: f.EmailVerified}
		if old != nil {
			o.Certificate = old.Certificate
		}
		b, _ := json.Marshal(o)
		p.Options = string(b)
	}
	if errs := f.Validate(); len(errs) > 0 {
		typed()
		return nil, errs
	}
	ctx, cancel := context.WithTimeout(context.Background(), fetchTimeout)
	defer cancel()
	o, secrets, errs := k.Apply(ctx, f, old, stored[SecretKey], "Portico SAML "+p.Slug)
	if len(errs) > 0 {
		typed()
		return nil, errs
	}
	b, _ := json.Marshal(o)
	p.Options = string(b)
	return secrets, nil
}

// Endpoints are the URLs an admin pastes into the IdP.
func (k *Kind) Endpoints(c *fiber.Ctx, p *sso.Provider) []sso.Endpoint {
	i := k.InfoOf(c, p)
	return []sso.Endpoint{{Label: "saml.form.acs_url", URL: i.ACSURL}, {Label: "saml.form.entity_id", URL: i.EntityID},
		{Label: "saml.form.metadata", URL: i.MetadataURL}, {Label: "saml.form.slo_url", URL: i.SLOURL},
		{Label: "sso.url_login", URL: k.s.URL(c, p, "login")}}
}
