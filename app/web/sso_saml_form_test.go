package web

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"portico/app/model"
	"portico/app/sso/samlkind"
	"portico/app/store"
)

// TestSAMLProviderForm saves a SAML provider from its form fields: the
// metadata is fetched from the IdP's URL, the SP key pair is made once and
// kept on later saves, and a bad URL keeps what was typed.
func TestSAMLProviderForm(t *testing.T) {
	t.Parallel()
	s := newSAML(t, nil, nil)
	k := samlkind.New(s.h.srv.SSO)
	fields := map[string]string{"metadata_url": s.idp.MetadataURL(), "email_attr": "email", "idp_initiated": "on"}
	get := func(k string) string { return fields[k] }

	p := &model.SSOProvider{Slug: "corp", Kind: model.SSOKindSAML, Name: "Corp", Enabled: true, CompanyMap: "{}"}
	secrets, errs := k.ReadForm(get, p, map[string]bool{})
	if len(errs) != 0 || secrets[samlkind.SecretKey] == "" {
		t.Fatalf("new provider: secrets %d, errors %v", len(secrets), errs)
	}
	var o samlkind.Options
	if err := jsonOptions(p, &o); err != nil || !strings.Contains(o.MetadataXML, s.idp.EntityID()) || o.Certificate == "" || !o.IdPInitiated {
		t.Fatalf("options %+v, %v", o, err)
	}
	ctx := context.Background()
	if err := store.SaveSSOProvider(ctx, s.h.st.DB, p); err != nil {
		t.Fatal(err)
	}
	if err := s.h.srv.SSO.SealSecrets(p, secrets); err != nil {
		t.Fatal(err)
	}
	if err := store.SaveSSOProvider(ctx, s.h.st.DB, p); err != nil {
		t.Fatal(err)
	}
	res, body := s.h.client().get("/portal/sso/corp/metadata", false)
	cert := strings.Join(strings.Split(strings.TrimSpace(strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(o.Certificate), "-----BEGIN CERTIFICATE-----"), "-----END CERTIFICATE-----")), "\n"), "")
	if res.StatusCode != http.StatusOK || !strings.Contains(strings.ReplaceAll(body, "\n", ""), cert[:64]) {
		t.Fatalf("metadata %d lacks the generated certificate", res.StatusCode)
	}

	// A later save keeps the key pair.
	secrets, errs = k.ReadForm(get, p, map[string]bool{samlkind.SecretKey: true})
	var again samlkind.Options
	_ = jsonOptions(p, &again)
	if len(errs) != 0 || secrets[samlkind.SecretKey] != "" || again.Certificate != o.Certificate {
		t.Fatalf("second save: secrets %v, errors %v, same cert %v", secrets, errs, again.Certificate == o.Certificate)
	}

	// A URL that answers no metadata is an error at the field, and the
	// typed values stay.
	fields["metadata_url"] = s.idp.Server.URL + "/nothing"
	fields["company_attr"] = "org"
	_, errs = k.ReadForm(get, p, map[string]bool{samlkind.SecretKey: true})
	var typed samlkind.Options
	_ = jsonOptions(p, &typed)
	if errs["metadata_url"] != "saml.form.metadata_fetch_failed" || typed.CompanyAttr != "org" || typed.MetadataURL != fields["metadata_url"] {
		t.Fatalf("bad URL: errors %v, options %+v", errs, typed)
	}
}
