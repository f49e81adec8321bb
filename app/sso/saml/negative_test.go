package saml_test

import (
	"bytes"
	"compress/flate"
	"context"
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/beevik/etree"
	csaml "github.com/crewjam/saml"
	dsig "github.com/russellhaering/goxmldsig"

	"portico/app/sso/saml"
	"portico/app/sso/saml/samltest"
)

func decode(t *testing.T, s string) string {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestRefuseUnsignedAssertion strips every signature from a real Response.
func TestRefuseUnsignedAssertion(t *testing.T) {
	f := setup(t, true, nil)
	resp, relay := f.response(t)
	resp = edit(t, resp, func(root *etree.Element) {
		removeSignature(t, root)
		removeSignature(t, child(t, root, "Assertion"))
	})
	_, err := f.consume(resp, relay)
	wantReason(t, err, saml.ReasonSignature)
}

// TestRefuseBadSignature changes the signed email, with and without the
// Response's own signature.
func TestRefuseBadSignature(t *testing.T) {
	for _, keepResponseSig := range []bool{true, false} {
		f := setup(t, true, nil)
		resp, relay := f.response(t)
		resp = edit(t, resp, func(root *etree.Element) {
			if !keepResponseSig {
				removeSignature(t, root)
			}
			v := textOf(child(t, root, "Assertion"), "AttributeValue", "ana@acme.example")
			if v == nil {
				t.Fatal("no email attribute to tamper with")
			}
			v.SetText("eve@evil.example")
		})
		_, err := f.consume(resp, relay)
		wantReason(t, err, saml.ReasonSignature)
	}
}

// TestRefuseSignatureWrapping adds a forged assertion next to, or inside,
// the signed one.
func TestRefuseSignatureWrapping(t *testing.T) {
	places := map[string]func(root, signed, evil *etree.Element){
		"before":           func(root, signed, evil *etree.Element) { root.InsertChildAt(signed.Index(), evil) },
		"after":            func(root, _, evil *etree.Element) { root.AddChild(evil) },
		"inside extension": func(root, signed, evil *etree.Element) { signed.AddChild(evil) },
	}
	for name, place := range places {
		t.Run(name, func(t *testing.T) {
			f := setup(t, true, nil)
			resp, relay := f.response(t)
			resp = edit(t, resp, func(root *etree.Element) {
				removeSignature(t, root)
				signed := child(t, root, "Assertion")
				evil := signed.Copy()
				evil.CreateAttr("ID", "id-evil")
				removeSignature(t, evil)
				textOf(evil, "NameID", "00u-ana").SetText("00u-admin")
				place(root, signed, evil)
			})
			_, err := f.consume(resp, relay)
			wantReason(t, err, saml.ReasonAssertionCount)
		})
	}
}

// mutated runs a login whose assertion the IdP alters before signing it.
func mutated(t *testing.T, change func(a *csaml.Assertion)) error {
	t.Helper()
	f := setup(t, false, nil)
	f.idp.Mutate(change)
	_, err := f.consume(f.response(t))
	return err
}

func TestRefuseWrongAudience(t *testing.T) {
	err := mutated(t, func(a *csaml.Assertion) {
		a.Conditions.AudienceRestrictions[0].Audience.Value = "https://other.example/metadata"
	})
	wantReason(t, err, saml.ReasonAudience)
}

func TestRefuseWrongRecipient(t *testing.T) {
	err := mutated(t, func(a *csaml.Assertion) {
		a.Subject.SubjectConfirmations[0].SubjectConfirmationData.Recipient = "https://other.example/acs"
	})
	wantReason(t, err, saml.ReasonDestination)
}

// TestRefuseWrongDestination re-addresses a real Response (its own
// signature dropped; the assertion's still holds) to another ACS.
func TestRefuseWrongDestination(t *testing.T) {
	f := setup(t, true, nil)
	resp, relay := f.response(t)
	resp = edit(t, resp, func(root *etree.Element) {
		removeSignature(t, root)
		root.CreateAttr("Destination", "https://other.example/acs")
	})
	_, err := f.consume(resp, relay)
	wantReason(t, err, saml.ReasonDestination)
}

func TestRefuseExpired(t *testing.T) {
	past := time.Now().Add(-10 * time.Minute)
	err := mutated(t, func(a *csaml.Assertion) {
		a.Conditions.NotOnOrAfter = past
		a.Subject.SubjectConfirmations[0].SubjectConfirmationData.NotOnOrAfter = past
	})
	wantReason(t, err, saml.ReasonExpired)
}

func TestRefuseNotYetValid(t *testing.T) {
	err := mutated(t, func(a *csaml.Assertion) { a.Conditions.NotBefore = time.Now().Add(10 * time.Minute) })
	wantReason(t, err, saml.ReasonNotYetValid)
}

// TestAcceptSmallClockSkew accepts an assertion whose NotBefore is a minute
// ahead, within the allowed skew.
func TestAcceptSmallClockSkew(t *testing.T) {
	if err := mutated(t, func(a *csaml.Assertion) { a.Conditions.NotBefore = time.Now().Add(time.Minute) }); err != nil {
		t.Fatalf("refused a one-minute skew: %v", err)
	}
}

func TestRefuseTransientNameID(t *testing.T) {
	err := mutated(t, func(a *csaml.Assertion) { a.Subject.NameID.Format = string(csaml.TransientNameIDFormat) })
	wantReason(t, err, saml.ReasonTransientID)
}

// TestRefuseInResponseToMismatch posts a Response in a session that did
// not send its request, and twice in the one that did.
func TestRefuseInResponseToMismatch(t *testing.T) {
	f := setup(t, false, nil)
	resp, relay := f.response(t)
	other := setup(t, false, nil)
	_, err := f.sp.Consume(context.Background(), other.store, resp, relay)
	wantReason(t, err, saml.ReasonInResponseTo)
	if _, err := f.consume(resp, relay); err != nil {
		t.Fatalf("own session: %v", err)
	}
	_, err = f.consume(resp, relay)
	wantReason(t, err, saml.ReasonInResponseTo)
}

// TestRefuseReplayedAssertion replays an accepted assertion on a second SP
// instance that shares the replay guard, and on the first one.
func TestRefuseReplayedAssertion(t *testing.T) {
	f := setup(t, false, func(c *saml.Config) { c.AllowIdPInitiated = true })
	resp, relay := f.idp.Post(t, f.idp.StartURL(f.cfg.MetadataURL, "ana", ""))
	if _, err := f.consume(resp, relay); err != nil {
		t.Fatalf("first use: %v", err)
	}
	second, err := saml.New(f.cfg)
	if err != nil {
		t.Fatal(err)
	}
	_, err = second.Consume(context.Background(), f.store, resp, relay)
	wantReason(t, err, saml.ReasonReplay)
	_, err = f.consume(resp, relay)
	wantReason(t, err, saml.ReasonReplay)
}

// TestRefuseOversized refuses a posted Response too large to decode, one
// that decodes too large, and a logout message that inflates too large.
func TestRefuseOversized(t *testing.T) {
	f := setup(t, false, nil)
	_, err := f.consume(strings.Repeat("A", saml.MaxEncodedResponseSize+1), "")
	wantReason(t, err, saml.ReasonTooLarge)

	big := "<samlp:Response xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\">" + strings.Repeat(" ", saml.MaxResponseSize) + "</samlp:Response>"
	_, err = f.consume(base64.StdEncoding.EncodeToString([]byte(big)), "")
	wantReason(t, err, saml.ReasonTooLarge)

	var buf bytes.Buffer
	w, _ := flate.NewWriter(&buf, flate.BestCompression)
	_, _ = w.Write([]byte("<samlp:LogoutRequest xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\">"))
	_, _ = w.Write(bytes.Repeat([]byte(" "), 8*saml.MaxResponseSize))
	_ = w.Close()
	q := "SAMLRequest=" + strings.NewReplacer("+", "%2B", "/", "%2F", "=", "%3D").Replace(base64.StdEncoding.EncodeToString(buf.Bytes()))
	_, err = f.sp.HandleLogout(context.Background(), f.store, q)
	wantReason(t, err, saml.ReasonTooLarge)
}

// TestRefuseSHA1Signature refuses a Response the IdP signed with RSA-SHA1.
func TestRefuseSHA1Signature(t *testing.T) {
	f := setup(t, false, nil)
	f.idp.IDP.SignatureMethod = dsig.RSASHA1SignatureMethod
	_, err := f.consume(f.response(t))
	wantReason(t, err, saml.ReasonSignature)
	if !strings.Contains(strings.ToLower(err.Error()), "sha-1") && !strings.Contains(strings.ToLower(err.Error()), "sha1") {
		t.Fatalf("refused for another reason: %v", err)
	}
}

// TestRefuseSolicitedAssertionAsUnsolicited takes a signed assertion made
// for one browser's request and re-posts it in an unsigned Response with
// no InResponseTo, as if the IdP had started the login: even with
// IdP-initiated login on, its own InResponseTo must match a request.
func TestRefuseSolicitedAssertionAsUnsolicited(t *testing.T) {
	f := setup(t, true, func(c *saml.Config) { c.AllowIdPInitiated = true })
	resp, _ := f.response(t)
	resp = edit(t, resp, func(root *etree.Element) {
		removeSignature(t, root)
		root.RemoveAttr("InResponseTo")
	})
	_, err := f.sp.Consume(context.Background(), &samltest.Requests{}, resp, "")
	wantReason(t, err, saml.ReasonInResponseTo)
}
