package saml_test

import (
	"context"
	"encoding/base64"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/beevik/etree"

	"portico/app/sso/saml"
	"portico/app/sso/saml/samltest"
)

const spBase = "https://portal.example/sso/saml/okta"

var (
	keysOnce sync.Once
	spKeys   saml.Keys
)

// testKeys is one SP key pair for the whole test binary: RSA generation is
// the slow part of a setup.
func testKeys(t *testing.T) saml.Keys {
	t.Helper()
	keysOnce.Do(func() {
		var err error
		if spKeys, err = saml.GenerateKeys(spBase + "/metadata"); err != nil {
			t.Fatalf("keys: %v", err)
		}
	})
	return spKeys
}

type fixture struct {
	idp    *samltest.IdP
	sp     *saml.SP
	cfg    saml.Config
	md     []byte
	store  *samltest.Requests
	replay *samltest.Replay
}

// setup starts an IdP and an SP that trust each other. With plaintext the
// IdP does not encrypt assertions, so that a test can edit them.
func setup(t *testing.T, plaintext bool, edit func(*saml.Config)) *fixture {
	t.Helper()
	f := &fixture{idp: samltest.New(t), store: &samltest.Requests{}, replay: &samltest.Replay{}}
	f.idp.AddUser(samltest.User{Name: "ana", Password: "pw", NameID: "00u-ana", Email: "ana@acme.example",
		FirstName: "Ana", LastName: "López", Company: "Acme Corp"})
	f.idp.AutoLogin("ana")
	f.cfg = saml.Config{
		MetadataURL: spBase + "/metadata", ACSURL: spBase + "/acs", SLOURL: spBase + "/slo",
		IdPMetadata: f.idp.Metadata(t), Keys: testKeys(t),
		Attributes: saml.AttributeNames{Email: "email", FirstName: "firstName", LastName: "lastName", Company: "company"},
		Replay:     f.replay,
	}
	if edit != nil {
		edit(&f.cfg)
	}
	var err error
	if f.sp, err = saml.New(f.cfg); err != nil {
		t.Fatalf("new sp: %v", err)
	}
	if f.md, err = f.sp.Metadata(); err != nil {
		t.Fatalf("metadata: %v", err)
	}
	f.idp.AddSP(t, f.md, plaintext)
	return f
}

// response runs an SP-initiated login up to the IdP's answer.
func (f *fixture) response(t *testing.T) (string, string) {
	t.Helper()
	u, err := f.sp.StartLogin(context.Background(), f.store, "rs-1")
	if err != nil {
		t.Fatalf("start login: %v", err)
	}
	return f.idp.Post(t, u)
}

// consume posts a Response to the SP's ACS from the fixture's session.
func (f *fixture) consume(samlResponse, relayState string) (*saml.Result, error) {
	return f.sp.Consume(context.Background(), f.store, samlResponse, relayState)
}

// wantReason checks that err is a refusal for reason.
func wantReason(t *testing.T, err error, reason saml.Reason) {
	t.Helper()
	if err == nil {
		t.Fatalf("accepted; want refusal %q", reason)
	}
	var se *saml.Error
	if !errors.As(err, &se) || se.Reason != reason {
		t.Fatalf("refused with %v (reason %q); want %q", err, saml.ReasonOf(err), reason)
	}
}

// edit decodes a posted Response, lets change alter its XML, and encodes it.
func edit(t *testing.T, samlResponse string, change func(root *etree.Element)) string {
	t.Helper()
	raw, err := base64.StdEncoding.DecodeString(samlResponse)
	if err != nil {
		t.Fatalf("base64: %v", err)
	}
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(raw); err != nil {
		t.Fatalf("xml: %v", err)
	}
	change(doc.Root())
	out, err := doc.WriteToBytes()
	if err != nil {
		t.Fatalf("xml: %v", err)
	}
	return base64.StdEncoding.EncodeToString(out)
}

// child is the first direct child of el with the local name tag.
func child(t *testing.T, el *etree.Element, tag string) *etree.Element {
	t.Helper()
	for _, c := range el.ChildElements() {
		if c.Tag == tag {
			return c
		}
	}
	t.Fatalf("no %s in %s", tag, el.Tag)
	return nil
}

// removeSignature drops el's own enveloped Signature.
func removeSignature(t *testing.T, el *etree.Element) {
	t.Helper()
	el.RemoveChild(child(t, el, "Signature"))
}

// textOf finds the first descendant with the local name tag holding text.
func textOf(el *etree.Element, tag, text string) *etree.Element {
	for _, c := range el.FindElements(".//" + tag) {
		if strings.TrimSpace(c.Text()) == text {
			return c
		}
	}
	return nil
}
