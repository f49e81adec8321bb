package saml

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/mail"
	"strings"

	"github.com/beevik/etree"
	csaml "github.com/crewjam/saml"
)

// MaxResponseSize bounds a decoded Response (and a decoded, inflated logout
// message). Real Responses are a few kilobytes; anything larger is refused
// before it is parsed.
const MaxResponseSize = 256 << 10

// MaxEncodedResponseSize bounds the posted SAMLResponse field, checked
// before it is decoded.
var MaxEncodedResponseSize = base64.StdEncoding.EncodedLen(MaxResponseSize) + 4096

const (
	nsAssertion = "urn:oasis:names:tc:SAML:2.0:assertion"
	nsProtocol  = "urn:oasis:names:tc:SAML:2.0:protocol"
)

// Result is a verified sign-in: the Identity fields Portico's SSO framework
// takes, plus what single logout needs.
type Result struct {
	Issuer, Subject     string
	Email               string
	EmailVerified       bool
	FirstName, LastName string
	Company             string
	// Claims is what the IdP sent: the attributes (one string, or a list
	// for several values), the NameID and its format. SAML assertions carry
	// no secrets.
	Claims map[string]any

	// NameID, NameIDFormat and SessionIndex identify the login at the IdP,
	// for single logout.
	NameID, NameIDFormat, SessionIndex string
	// RelayState came back with the Response. It is not authenticated:
	// treat it as untrusted input.
	RelayState string
	// Unsolicited is true for an IdP-initiated login.
	Unsolicited bool
}

// Consume verifies a Response posted to the ACS (the SAMLResponse and
// RelayState form fields). A Response to an AuthnRequest must answer one
// that store (the browser's session) still holds, which is then used up;
// an unsolicited one is accepted only with Config.AllowIdPInitiated. The
// assertion's ID is recorded in the replay guard. Any refusal is an *Error.
func (s *SP) Consume(ctx context.Context, store RequestStore, samlResponse, relayState string) (*Result, error) {
	if len(samlResponse) > MaxEncodedResponseSize {
		return nil, refuse(ReasonTooLarge, fmt.Errorf("the posted Response has %d bytes", len(samlResponse)))
	}
	raw, err := base64.StdEncoding.DecodeString(stripSpace(samlResponse))
	if err != nil {
		return nil, refuse(ReasonMalformed, fmt.Errorf("decoding base64: %w", err))
	}
	if len(raw) > MaxResponseSize {
		return nil, refuse(ReasonTooLarge, fmt.Errorf("the Response has %d bytes", len(raw)))
	}
	inResponseTo, err := precheck(raw)
	if err != nil {
		return nil, err
	}
	var possible []string
	if inResponseTo == "" {
		if !s.cfg.AllowIdPInitiated {
			return nil, refuse(ReasonUnsolicited, errors.New("an IdP-initiated Response, and IdP-initiated login is off"))
		}
	} else {
		ok, err := store.TakeRequest(ctx, inResponseTo)
		if err != nil {
			return nil, fmt.Errorf("saml: reading the pending request: %w", err)
		}
		if !ok {
			return nil, refuse(ReasonInResponseTo, fmt.Errorf("InResponseTo %q is no pending request of this session", inResponseTo))
		}
		possible = []string{inResponseTo}
	}
	assertion, err := s.provider(ctx).ParseXMLResponse(raw, possible, s.acs)
	if err != nil {
		return nil, classified(err)
	}
	res, err := s.result(assertion)
	if err != nil {
		return nil, err
	}
	res.RelayState = relayState
	res.Unsolicited = inResponseTo == ""
	return res, nil
}

// precheck reads the Response before any signature is checked: it must be
// a samlp:Response holding exactly one Assertion or EncryptedAssertion,
// anywhere in the document, so that no second assertion can ride along with
// a signed one. It returns the Response's InResponseTo.
func precheck(raw []byte) (string, error) {
	doc := etree.NewDocument()
	doc.ReadSettings.Permissive = false
	if err := doc.ReadFromBytes(raw); err != nil {
		return "", refuse(ReasonMalformed, fmt.Errorf("parsing XML: %w", err))
	}
	root := doc.Root()
	if root == nil || root.Tag != "Response" || root.NamespaceURI() != nsProtocol {
		return "", refuse(ReasonMalformed, errors.New("the message is not a SAML Response"))
	}
	n := 0
	var walk func(el *etree.Element)
	walk = func(el *etree.Element) {
		if (el.Tag == "Assertion" || el.Tag == "EncryptedAssertion") && el.NamespaceURI() == nsAssertion {
			n++
		}
		for _, c := range el.ChildElements() {
			walk(c)
		}
	}
	walk(root)
	if n != 1 {
		return "", refuse(ReasonAssertionCount, fmt.Errorf("the Response holds %d assertions, not one", n))
	}
	return root.SelectAttrValue("InResponseTo", ""), nil
}

// result maps a verified assertion to a Result.
func (s *SP) result(a *csaml.Assertion) (*Result, error) {
	if a.Subject == nil || a.Subject.NameID == nil || strings.TrimSpace(a.Subject.NameID.Value) == "" {
		return nil, refuse(ReasonMalformed, errors.New("the assertion names no subject"))
	}
	nameID := a.Subject.NameID
	if nameID.Format == string(csaml.TransientNameIDFormat) {
		return nil, refuse(ReasonTransientID, errors.New("the NameID is transient, so it cannot identify a person across logins"))
	}
	res := &Result{
		Issuer:        s.idp.EntityID,
		Subject:       nameID.Value,
		EmailVerified: s.cfg.EmailVerified,
		NameID:        nameID.Value,
		NameIDFormat:  nameID.Format,
		Claims:        map[string]any{"NameID": nameID.Value},
	}
	if nameID.Format != "" {
		res.Claims["NameIDFormat"] = nameID.Format
	}
	if len(a.AuthnStatements) > 0 {
		res.SessionIndex = a.AuthnStatements[0].SessionIndex
	}
	for _, st := range a.AttributeStatements {
		for _, attr := range st.Attributes {
			key := attr.Name
			if attr.FriendlyName != "" && attr.FriendlyName != attr.Name {
				key = attr.FriendlyName + " (" + attr.Name + ")"
			}
			vals := make([]string, 0, len(attr.Values))
			for _, v := range attr.Values {
				vals = append(vals, v.Value)
			}
			if len(vals) == 1 {
				res.Claims[key] = vals[0]
			} else {
				res.Claims[key] = vals
			}
		}
	}
	names := s.cfg.Attributes
	res.FirstName = attribute(a, names.FirstName)
	res.LastName = attribute(a, names.LastName)
	res.Company = attribute(a, names.Company)
	email := attribute(a, names.Email)
	if email == "" && (names.Email == "" || nameID.Format == string(csaml.EmailAddressNameIDFormat)) {
		email = nameID.Value
	}
	addr, err := mail.ParseAddress(email)
	if email == "" || err != nil || addr.Address != email {
		return nil, refuse(ReasonNoEmail, fmt.Errorf("no valid email address in attribute %q or the NameID", names.Email))
	}
	res.Email = email
	return res, nil
}

// attribute is the first value of the attribute whose Name or FriendlyName
// is name (case-insensitive), trimmed; "" when name is empty or absent.
func attribute(a *csaml.Assertion, name string) string {
	name = trimAttr(name)
	if name == "" {
		return ""
	}
	for _, st := range a.AttributeStatements {
		for _, attr := range st.Attributes {
			if strings.EqualFold(attr.Name, name) || strings.EqualFold(attr.FriendlyName, name) {
				for _, v := range attr.Values {
					if t := strings.TrimSpace(v.Value); t != "" {
						return t
					}
				}
			}
		}
	}
	return ""
}

// stripSpace drops the line breaks and spaces some IdPs put in base64.
func stripSpace(s string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case ' ', '\t', '\r', '\n':
			return -1
		}
		return r
	}, s)
}
