package saml

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"time"

	csaml "github.com/crewjam/saml"
	"github.com/crewjam/saml/samlsp"
)

// MaxMetadataSize bounds IdP metadata, fetched or pasted. Federation
// aggregates are larger, but a single IdP's metadata is a few kilobytes.
const MaxMetadataSize = 1 << 20

// Metadata is the SP's metadata document, to serve at the metadata URL and
// to give to the IdP. It changes only when the provider's URLs or keys do,
// so IdPs that poll it keep a stable copy.
func (s *SP) Metadata() ([]byte, error) {
	md := s.provider(context.Background()).Metadata()
	buf, err := xml.MarshalIndent(md, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("saml: encoding the SP metadata: %w", err)
	}
	return append([]byte(xml.Header), buf...), nil
}

// CertificatePEM is the SP's certificate, for IdPs (such as Okta's single
// logout) that ask for it as a file.
func (s *SP) CertificatePEM() string { return s.cfg.Keys.Certificate }

// ParseMetadata reads IdP metadata: one EntityDescriptor with an
// IDPSSODescriptor, or an EntitiesDescriptor holding exactly one IdP. The
// IdP must offer single sign-on with the HTTP-Redirect binding and publish a
// signing certificate.
func ParseMetadata(data []byte) (*csaml.EntityDescriptor, error) {
	if len(data) == 0 {
		return nil, errors.New("saml: the IdP metadata is empty")
	}
	if len(data) > MaxMetadataSize {
		return nil, fmt.Errorf("saml: the IdP metadata is larger than %d bytes", MaxMetadataSize)
	}
	md, err := samlsp.ParseMetadata(data)
	if err != nil {
		return nil, fmt.Errorf("saml: reading the IdP metadata: %w", err)
	}
	if md.EntityID == "" || len(md.IDPSSODescriptors) == 0 {
		return nil, errors.New("saml: the metadata describes no identity provider")
	}
	probe := &csaml.ServiceProvider{IDPMetadata: md}
	if probe.GetSSOBindingLocation(csaml.HTTPRedirectBinding) == "" {
		return nil, errors.New("saml: the IdP offers no single sign-on service with the HTTP-Redirect binding")
	}
	hasCert := false
	for _, d := range md.IDPSSODescriptors {
		for _, kd := range d.KeyDescriptors {
			if (kd.Use == "" || kd.Use == "signing") && len(kd.KeyInfo.X509Data.X509Certificates) > 0 {
				hasCert = true
			}
		}
	}
	if !hasCert {
		return nil, errors.New("saml: the IdP metadata has no signing certificate")
	}
	return md, nil
}

// FetchMetadata downloads IdP metadata from rawURL with client (a client
// with a 10-second timeout when nil) and checks it with ParseMetadata. The
// URL must be https, except on a loopback host.
func FetchMetadata(ctx context.Context, client *http.Client, rawURL string) ([]byte, error) {
	u, err := CheckMetadataURL(rawURL)
	if err != nil {
		return nil, err
	}
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("saml: building the metadata request: %w", err)
	}
	req.Header.Set("Accept", "application/samlmetadata+xml, application/xml, text/xml")
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("saml: fetching the IdP metadata: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("saml: fetching the IdP metadata: HTTP %d", resp.StatusCode)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, MaxMetadataSize+1))
	if err != nil {
		return nil, fmt.Errorf("saml: reading the IdP metadata: %w", err)
	}
	if _, err := ParseMetadata(data); err != nil {
		return nil, err
	}
	return data, nil
}

// CheckMetadataURL parses a metadata URL: https, or http on a loopback
// host only.
func CheckMetadataURL(rawURL string) (*url.URL, error) {
	u, err := url.Parse(rawURL)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return nil, fmt.Errorf("saml: %q is not an http(s) URL", rawURL)
	}
	if u.Scheme == "http" && !isLoopback(u.Hostname()) {
		return nil, errors.New("saml: the metadata URL must use https")
	}
	return u, nil
}

// isLoopback reports whether host is localhost or a loopback address.
func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
