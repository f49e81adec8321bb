package samlkind

import (
	"strings"
	"testing"

	"portico/app/sso/saml/samltest"
)

// TestFormValidate checks the SAML fields on their own: one metadata
// source, an https (or loopback) URL, parseable XML, bounded names.
func TestFormValidate(t *testing.T) {
	idp := samltest.New(t)
	good := string(idp.Metadata(t))
	cases := []struct {
		name  string
		f     Form
		field string
		key   string
	}{
		{"nothing", Form{}, "metadata_url", "saml.form.metadata_required"},
		{"plain http", Form{MetadataURL: "http://idp.example/metadata"}, "metadata_url", "saml.form.metadata_url_invalid"},
		{"not a URL", Form{MetadataURL: "idp.example"}, "metadata_url", "saml.form.metadata_url_invalid"},
		{"bad XML", Form{MetadataXML: "<nope/>"}, "metadata_xml", "saml.form.metadata_invalid"},
		{"long name", Form{MetadataXML: good, EmailAttr: strings.Repeat("x", 201)}, "email_attr", "form.too_long"},
		{"https URL", Form{MetadataURL: "https://idp.example/metadata"}, "", ""},
		{"loopback URL", Form{MetadataURL: idp.MetadataURL()}, "", ""},
		{"pasted XML", Form{MetadataXML: good}, "", ""},
	}
	for _, c := range cases {
		e := c.f.Validate()
		if c.field == "" && len(e) != 0 || c.field != "" && (len(e) != 1 || e[c.field] != c.key) {
			t.Errorf("%s: errors %v; want %s=%s", c.name, e, c.field, c.key)
		}
	}
	f := ReadForm(func(k string) string {
		return map[string]string{"metadata_url": " " + idp.MetadataURL() + " ", "idp_initiated": "on", "email_attr": "mail"}[k]
	})
	if f.MetadataURL != idp.MetadataURL() || !f.IdPInitiated || f.EmailVerified || f.EmailAttr != "mail" {
		t.Fatalf("read %+v", f)
	}
}
