package saml

import (
	"bytes"
	"compress/flate"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/beevik/etree"
	csaml "github.com/crewjam/saml"
)

// Login identifies a login at the IdP, as Result gave it, for single logout.
type Login struct {
	NameID, NameIDFormat, SessionIndex string
}

// StartLogout makes a signed LogoutRequest for login, saves its ID in store,
// and returns the IdP URL to redirect the browser to. It returns "" when the
// IdP offers no single logout: then only the local session ends.
func (s *SP) StartLogout(ctx context.Context, store RequestStore, login Login, relayState string) (string, error) {
	p := s.provider(ctx)
	dest := p.GetSLOBindingLocation(csaml.HTTPRedirectBinding)
	if dest == "" || login.NameID == "" {
		return "", nil
	}
	var opts []csaml.LogoutRequestOption
	if login.SessionIndex != "" {
		opts = append(opts, csaml.WithSessionIndex(login.SessionIndex))
	}
	req, err := p.MakeLogoutRequest(dest, login.NameID, opts...)
	if err != nil {
		return "", fmt.Errorf("saml: making the LogoutRequest: %w", err)
	}
	req.NameID.Format = login.NameIDFormat
	if err := store.SaveRequest(ctx, req.ID, time.Now().Add(RequestLifetime)); err != nil {
		return "", fmt.Errorf("saml: saving the LogoutRequest ID: %w", err)
	}
	u, err := p.RedirectLogoutRequestURL(req, relayState)
	if err != nil {
		return "", fmt.Errorf("saml: encoding the LogoutRequest: %w", err)
	}
	return u.String(), nil
}

// LogoutOutcome is what arrived at the SLO URL.
type LogoutOutcome struct {
	// IdPRequest is set when the IdP asks the SP to end a login (IdP-
	// initiated logout): end the local session, then redirect the browser
	// to Redirect, which answers the IdP.
	IdPRequest *Login
	Redirect   string
	// Completed is true when the IdP answered a LogoutRequest of this
	// session with success.
	Completed bool
	// RelayState came with the message; untrusted.
	RelayState string
}

// HandleLogout verifies a message the IdP sent to the SLO URL with the
// HTTP-Redirect binding (rawQuery is the URL's query): either a
// LogoutResponse to a LogoutRequest that store still holds, or a signed
// LogoutRequest from the IdP, whose ID is recorded in the replay guard.
func (s *SP) HandleLogout(ctx context.Context, store RequestStore, rawQuery string) (*LogoutOutcome, error) {
	q, err := url.ParseQuery(rawQuery)
	if err != nil {
		return nil, refuse(ReasonMalformed, fmt.Errorf("parsing the query: %w", err))
	}
	p := s.provider(ctx)
	httpReq := &http.Request{Method: http.MethodGet, URL: &url.URL{Path: s.slo.Path, RawQuery: rawQuery}}
	out := &LogoutOutcome{RelayState: q.Get("RelayState")}
	switch {
	case q.Get("SAMLResponse") != "":
		el, err := inflate(q.Get("SAMLResponse"))
		if err != nil {
			return nil, err
		}
		irt := el.SelectAttrValue("InResponseTo", "")
		ok, err := store.TakeRequest(ctx, irt)
		if err != nil {
			return nil, fmt.Errorf("saml: reading the pending request: %w", err)
		}
		if irt == "" || !ok {
			return nil, refuse(ReasonInResponseTo, fmt.Errorf("InResponseTo %q is no pending logout of this session", irt))
		}
		if _, err := p.ParseLogoutResponse(httpReq, []string{irt}); err != nil {
			return nil, classified(err)
		}
		out.Completed = true
		return out, nil
	case q.Get("SAMLRequest") != "":
		if _, err := inflate(q.Get("SAMLRequest")); err != nil {
			return nil, err
		}
		lr, err := p.ValidateLogoutRequest(httpReq)
		if err != nil {
			return nil, classified(err)
		}
		login := &Login{}
		if lr.NameID != nil {
			login.NameID, login.NameIDFormat = lr.NameID.Value, lr.NameID.Format
		}
		if lr.SessionIndex != nil {
			login.SessionIndex = lr.SessionIndex.Value
		}
		u, err := p.MakeRedirectLogoutResponse(lr.ID, out.RelayState)
		if err != nil {
			return nil, fmt.Errorf("saml: making the LogoutResponse: %w", err)
		}
		out.IdPRequest, out.Redirect = login, u.String()
		return out, nil
	}
	return nil, refuse(ReasonMalformed, errors.New("no SAMLRequest or SAMLResponse"))
}

// inflate decodes an HTTP-Redirect message, bounded to MaxResponseSize
// before and after inflating, and parses it.
func inflate(encoded string) (*etree.Element, error) {
	if len(encoded) > MaxEncodedResponseSize {
		return nil, refuse(ReasonTooLarge, fmt.Errorf("the message has %d bytes", len(encoded)))
	}
	compressed, err := base64.StdEncoding.DecodeString(encoded)
	if err != nil {
		return nil, refuse(ReasonMalformed, fmt.Errorf("decoding base64: %w", err))
	}
	data, err := io.ReadAll(io.LimitReader(flate.NewReader(bytes.NewReader(compressed)), MaxResponseSize+1))
	if err != nil {
		return nil, refuse(ReasonMalformed, fmt.Errorf("inflating: %w", err))
	}
	if len(data) > MaxResponseSize {
		return nil, refuse(ReasonTooLarge, fmt.Errorf("the message inflates past %d bytes", MaxResponseSize))
	}
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(data); err != nil || doc.Root() == nil {
		return nil, refuse(ReasonMalformed, fmt.Errorf("parsing XML: %v", err))
	}
	return doc.Root(), nil
}
