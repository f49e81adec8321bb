package web

import (
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"portico/app/sso/saml/samltest"
	"portico/app/store"
)

var samlTestPostRe = regexp.MustCompile(`action="(/admin/portal/sso/\d+/test)"`)

// TestSAMLAdminSection adds a SAML provider in the "Single sign-on"
// section: a new form suggests the attribute names, a missing metadata
// source is an error at its field with the rest kept, a saved provider has
// its IdP metadata fetched and its own key pair (the key sealed), shows the
// ACS URL, entity ID and metadata URL to copy, and its test sign-in reports
// what the IdP sent without logging anyone in.
func TestSAMLAdminSection(t *testing.T) {
	t.Parallel()
	h := newPortal(t)
	idp := samltest.New(t)
	idp.AddUser(samltest.User{Name: "nora", NameID: "00u-nora", Email: "nora@newco.example", FirstName: "Nora", LastName: "Nuevo"})
	idp.AutoLogin("nora")
	admin := h.admin()

	res, body := admin.get("/admin/portal/sso/new?kind=saml", true)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("new form: %d", res.StatusCode)
	}
	admFragment(t, body, "sso")
	if v, _ := admValue(body, "email_attr"); v != "email" {
		t.Errorf("email attribute suggested as %q", v)
	}

	res, body = admin.admPost("/admin/portal/sso", admForm("kind", "saml", "name", "Okta", "slug", "okta", "email_attr", "mail"), true)
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("no metadata: %d", res.StatusCode)
	}
	admInvalid(t, body, "metadata_url")
	if v, _ := admValue(body, "email_attr"); v != "mail" {
		t.Errorf("email attribute shows %q, want what was typed", v)
	}
	if h.count("SELECT count(*) FROM sso_providers") != 0 {
		t.Fatal("an invalid provider was saved")
	}

	res, _ = admin.admPost("/admin/portal/sso", admForm("kind", "saml", "name", "Okta", "slug", "okta", "metadata_url", idp.MetadataURL(),
		"email_attr", "email", "first_name_attr", "firstName", "last_name_attr", "lastName", "enabled", "on"), false)
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("create: %d", res.StatusCode)
	}
	p, err := store.SSOProviderBySlug(t.Context(), h.st.DB, "okta")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(p.Options, idp.EntityID()) || !strings.Contains(p.Options, "BEGIN CERTIFICATE") ||
		!strings.HasPrefix(p.Secrets, "v1:") || strings.Contains(p.Secrets, "PRIVATE KEY") {
		t.Fatalf("stored options/secrets: %.200s / %.40s", p.Options, p.Secrets)
	}
	_, page := admin.get("/admin/portal?sso=saved", false)
	base := h.srv.Config.BaseURL + "/portal/sso/okta/"
	for _, want := range []string{base + "acs", base + "metadata", base + "slo"} {
		if !admHas(page, want) {
			t.Errorf("the settings page does not show %s", want)
		}
	}
	_, edit := admin.get("/admin/portal/sso/"+strconv.FormatInt(p.ID, 10), true)
	if v, _ := admValue(edit, "metadata_url"); v != idp.MetadataURL() || !strings.Contains(edit, "BEGIN CERTIFICATE") {
		t.Errorf("edit form: metadata URL %q, certificate shown %v", v, strings.Contains(edit, "BEGIN CERTIFICATE"))
	}

	// The IdP learns the SP from its metadata; the admin's test sign-in.
	_, md := h.client().get("/portal/sso/okta/metadata", false)
	idp.AddSP(t, []byte(md), false)
	m := samlTestPostRe.FindStringSubmatch(page)
	if m == nil {
		t.Fatal("no test sign-in button")
	}
	res, body = admin.admPost(m[1], admForm(), false)
	to := leaveTo(t, res, body)
	if !strings.HasPrefix(to, idp.URL+"/sso?") {
		t.Fatalf("test sign-in: %d to %q", res.StatusCode, to)
	}
	resp, relay := idp.Post(t, to)
	res, report := admin.post("/portal/sso/okta/acs", admForm("SAMLResponse", resp, "RelayState", relay, "portico_bounce", "1"), false)
	if res.StatusCode != http.StatusOK || !strings.Contains(report, "nora@newco.example") || !strings.Contains(report, "00u-nora") {
		t.Fatalf("test report: %d %.300s", res.StatusCode, report)
	}
	if h.count("SELECT count(*) FROM contacts WHERE email = ?", "nora@newco.example") != 0 {
		t.Fatal("the test sign-in created a contact")
	}

	// A disabled provider still runs the admin's test sign-in, and only it.
	h.exec("UPDATE sso_providers SET enabled = ? WHERE id = ?", false, p.ID)
	res, body = admin.admPost(m[1], admForm(), false)
	resp, relay = idp.Post(t, leaveTo(t, res, body))
	res, report = admin.post("/portal/sso/okta/acs", admForm("SAMLResponse", resp, "RelayState", relay, "portico_bounce", "1"), false)
	if res.StatusCode != http.StatusOK || !strings.Contains(report, "nora@newco.example") {
		t.Fatalf("test report of a disabled provider: %d", res.StatusCode)
	}
	other := h.client()
	other.get("/portal/login", false)
	if res, _ := other.post("/portal/sso/okta/acs", admForm("SAMLResponse", resp, "RelayState", relay, "portico_bounce", "1"), false); res.StatusCode != http.StatusNotFound {
		t.Fatalf("ACS of a disabled provider outside a test: %d", res.StatusCode)
	}
}
