package saml_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"portico/app/sso/saml"
	"portico/app/sso/saml/samltest"
)

// TestLoginEncrypted is an SP-initiated login with the IdP encrypting the
// signed assertion to the SP's key, as the SP metadata offers.
func TestLoginEncrypted(t *testing.T) {
	f := setup(t, false, nil)
	resp, relay := f.response(t)
	res, err := f.consume(resp, relay)
	if err != nil {
		t.Fatalf("consume: %v", err)
	}
	want := saml.Result{Issuer: f.idp.EntityID(), Subject: "00u-ana", Email: "ana@acme.example",
		FirstName: "Ana", LastName: "López", Company: "Acme Corp", NameID: "00u-ana", RelayState: "rs-1"}
	if res.Issuer != want.Issuer || res.Subject != want.Subject || res.Email != want.Email ||
		res.FirstName != want.FirstName || res.LastName != want.LastName || res.Company != want.Company ||
		res.NameID != want.NameID || res.RelayState != want.RelayState {
		t.Fatalf("result %+v; want %+v", res, want)
	}
	if res.EmailVerified || res.Unsolicited {
		t.Fatalf("verified %v unsolicited %v; want false, false", res.EmailVerified, res.Unsolicited)
	}
	if res.SessionIndex == "" {
		t.Fatal("no SessionIndex for single logout")
	}
	if res.Claims["email"] != "ana@acme.example" || res.Claims["NameID"] != "00u-ana" {
		t.Fatalf("claims %v", res.Claims)
	}
	if !strings.Contains(decode(t, resp), "EncryptedAssertion") {
		t.Fatal("the IdP did not encrypt the assertion")
	}
}

// TestLoginPlaintext is the same login with an IdP that signs but does not
// encrypt, and with the email verified by configuration.
func TestLoginPlaintext(t *testing.T) {
	f := setup(t, true, func(c *saml.Config) { c.EmailVerified = true; c.Attributes.Company = "" })
	res, err := f.consume(f.response(t))
	if err != nil {
		t.Fatalf("consume: %v", err)
	}
	if res.Email != "ana@acme.example" || !res.EmailVerified || res.Company != "" {
		t.Fatalf("result %+v", res)
	}
}

// TestAttributeFallbacks takes the email from the NameID when no email
// attribute is named, and refuses a login with no usable email.
func TestAttributeFallbacks(t *testing.T) {
	f := setup(t, true, func(c *saml.Config) { c.Attributes = saml.AttributeNames{Email: "EMAIL", FirstName: "FirstName"} })
	res, err := f.consume(f.response(t))
	if err != nil || res.Email != "ana@acme.example" || res.FirstName != "Ana" {
		t.Fatalf("case-insensitive names: %+v, %v", res, err)
	}
	f = setup(t, true, func(c *saml.Config) { c.Attributes = saml.AttributeNames{Email: "mailAddress"} })
	_, err = f.consume(f.response(t))
	wantReason(t, err, saml.ReasonNoEmail)
}

// TestMetadata checks the SP metadata: entity ID, ACS with HTTP-POST, SLO
// with HTTP-Redirect, the certificate, and that it is stable.
func TestMetadata(t *testing.T) {
	f := setup(t, false, nil)
	md := string(f.md)
	for _, want := range []string{
		`entityID="` + spBase + `/metadata"`,
		`Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="` + spBase + `/acs"`,
		`Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="` + spBase + `/slo"`,
		`WantAssertionsSigned="true"`,
		"X509Certificate",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("metadata lacks %s:\n%s", want, md)
		}
	}
	again, err := f.sp.Metadata()
	if err != nil || string(again) != md {
		t.Fatalf("metadata changed between two reads (%v)", err)
	}
	if !f.sp.HasSingleLogout() {
		t.Fatal("the IdP offers single logout")
	}
}

// TestIdPMetadataSources reads the IdP from its metadata URL, and refuses
// bad metadata and plain-http URLs off loopback.
func TestIdPMetadataSources(t *testing.T) {
	idp := samltest.New(t)
	data, err := saml.FetchMetadata(context.Background(), nil, idp.MetadataURL())
	if err != nil {
		t.Fatalf("fetch: %v", err)
	}
	md, err := saml.ParseMetadata(data)
	if err != nil || md.EntityID != idp.EntityID() {
		t.Fatalf("parse: %v, %v", md, err)
	}
	if _, err := saml.FetchMetadata(context.Background(), nil, "http://idp.example/metadata"); err == nil {
		t.Fatal("accepted a plain-http metadata URL")
	}
	if _, err := saml.FetchMetadata(context.Background(), nil, idp.Server.URL+"/nothing"); err == nil {
		t.Fatal("accepted a 404")
	}
	for _, bad := range []string{"", "<html/>", `<EntityDescriptor xmlns="urn:oasis:names:tc:SAML:2.0:metadata" entityID="x"><SPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"/></EntityDescriptor>`} {
		if _, err := saml.ParseMetadata([]byte(bad)); err == nil {
			t.Errorf("accepted metadata %q", bad)
		}
	}
}

// TestIdPInitiated refuses an unsolicited Response when the switch is off,
// and accepts it once when it is on.
func TestIdPInitiated(t *testing.T) {
	f := setup(t, false, nil)
	resp, relay := f.idp.Post(t, f.idp.StartURL(f.cfg.MetadataURL, "ana", "/portal/"))
	_, err := f.consume(resp, relay)
	wantReason(t, err, saml.ReasonUnsolicited)

	f = setup(t, false, func(c *saml.Config) { c.AllowIdPInitiated = true })
	resp, relay = f.idp.Post(t, f.idp.StartURL(f.cfg.MetadataURL, "ana", "/portal/"))
	res, err := f.consume(resp, relay)
	if err != nil || !res.Unsolicited || res.RelayState != "/portal/" || res.Email != "ana@acme.example" {
		t.Fatalf("IdP-initiated: %+v, %v", res, err)
	}
}

// TestSingleLogoutFromSP logs out at the IdP and checks its answer, which
// is accepted once.
func TestSingleLogoutFromSP(t *testing.T) {
	f := setup(t, false, nil)
	res, err := f.consume(f.response(t))
	if err != nil {
		t.Fatalf("login: %v", err)
	}
	u, err := f.sp.StartLogout(context.Background(), f.store, saml.Login{NameID: res.NameID, NameIDFormat: res.NameIDFormat, SessionIndex: res.SessionIndex}, "")
	if err != nil || !strings.HasPrefix(u, f.idp.Server.URL+"/slo?") {
		t.Fatalf("start logout: %q, %v", u, err)
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Get(u)
	if err != nil {
		t.Fatalf("idp slo: %v", err)
	}
	resp.Body.Close()
	back, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || resp.StatusCode != http.StatusFound || !strings.HasPrefix(back.String(), spBase+"/slo?") {
		t.Fatalf("idp answered %d to %q", resp.StatusCode, back)
	}
	if f.idp.Logouts() != 1 {
		t.Fatalf("the IdP ended %d sessions", f.idp.Logouts())
	}
	out, err := f.sp.HandleLogout(context.Background(), f.store, back.RawQuery)
	if err != nil || !out.Completed || out.IdPRequest != nil {
		t.Fatalf("logout response: %+v, %v", out, err)
	}
	_, err = f.sp.HandleLogout(context.Background(), f.store, back.RawQuery)
	wantReason(t, err, saml.ReasonInResponseTo)
}

// TestSingleLogoutFromIdP honours a signed LogoutRequest from the IdP once.
func TestSingleLogoutFromIdP(t *testing.T) {
	f := setup(t, false, nil)
	u, err := url.Parse(f.idp.LogoutRequestURL(t, f.md, f.cfg.SLOURL, "00u-ana", "idx-ana"))
	if err != nil {
		t.Fatal(err)
	}
	out, err := f.sp.HandleLogout(context.Background(), f.store, u.RawQuery)
	if err != nil || out.IdPRequest == nil || out.IdPRequest.NameID != "00u-ana" || out.IdPRequest.SessionIndex != "idx-ana" {
		t.Fatalf("logout request: %+v, %v", out, err)
	}
	if !strings.HasPrefix(out.Redirect, f.idp.Server.URL+"/slo?SAMLResponse=") {
		t.Fatalf("answer to %q", out.Redirect)
	}
	_, err = f.sp.HandleLogout(context.Background(), f.store, u.RawQuery)
	wantReason(t, err, saml.ReasonReplay)

	q := u.Query()
	q.Set("Signature", q.Get("Signature")[:10]+"AAAA"+q.Get("Signature")[14:])
	_, err = f.sp.HandleLogout(context.Background(), f.store, q.Encode())
	wantReason(t, err, saml.ReasonSignature)
}

// TestRefuseUnsignedLogoutRequest drops the HTTP-Redirect signature of an
// IdP LogoutRequest.
func TestRefuseUnsignedLogoutRequest(t *testing.T) {
	f := setup(t, false, nil)
	u, err := url.Parse(f.idp.LogoutRequestURL(t, f.md, f.cfg.SLOURL, "00u-ana", ""))
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Del("Signature")
	q.Del("SigAlg")
	_, err = f.sp.HandleLogout(context.Background(), f.store, q.Encode())
	wantReason(t, err, saml.ReasonSignature)
}
