package sso

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"time"
)

// MaxProviderResponse bounds what Portico reads of any answer of an
// identity provider (discovery, keys, tokens, metadata).
const MaxProviderResponse = 1 << 20

// errTooLarge is what reading past MaxProviderResponse answers.
var errTooLarge = fmt.Errorf("sso: the provider's answer is over %d bytes", MaxProviderResponse)

// newHTTPClient is the client that talks to identity providers: a
// timeout, and bodies bounded to MaxProviderResponse.
func newHTTPClient() *http.Client {
	return &http.Client{Timeout: 10 * time.Second, Transport: boundedTransport{http.DefaultTransport}}
}

// boundedTransport bounds every response body it hands out.
type boundedTransport struct{ next http.RoundTripper }

// RoundTrip implements http.RoundTripper.
func (t boundedTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	res, err := t.next.RoundTrip(r)
	if err != nil {
		return nil, err
	}
	res.Body = &boundedBody{rc: res.Body, left: MaxProviderResponse}
	return res, nil
}

type boundedBody struct {
	rc   io.ReadCloser
	left int64
}

func (b *boundedBody) Read(p []byte) (int, error) {
	if b.left <= 0 {
		// One byte more tells a body at the bound from one over it.
		var one [1]byte
		if n, _ := b.rc.Read(one[:]); n > 0 {
			return 0, errTooLarge
		}
		return 0, io.EOF
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.rc.Read(p)
	b.left -= int64(n)
	return n, err
}

func (b *boundedBody) Close() error { return b.rc.Close() }

// SecureURL tells whether an identity provider's URL is https, or http on
// a loopback host (a provider on the same machine): secrets and codes
// never travel in the clear.
func SecureURL(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.User != nil {
		return false
	}
	switch u.Scheme {
	case "https":
		return true
	case "http":
		h := u.Hostname()
		ip := net.ParseIP(h)
		return h == "localhost" || ip != nil && ip.IsLoopback()
	}
	return false
}

// statusRe matches an HTTP status at the start of an error message.
var statusRe = regexp.MustCompile(`^[1-5][0-9]{2} [^:]*`)

// shortError is an error's message without what a provider's body put in
// it: its HTTP status only when it starts with one, else at most 200
// bytes. Nothing a provider wrote at length reaches the log or the audit.
func shortError(err error) error {
	msg := err.Error()
	if m := statusRe.FindString(msg); m != "" {
		return errors.New("HTTP " + m)
	}
	if len(msg) > 200 {
		msg = msg[:200]
	}
	return errors.New(msg)
}
