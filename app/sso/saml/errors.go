package saml

import (
	"errors"
	"strings"

	csaml "github.com/crewjam/saml"
)

// Reason names why a SAML message was refused, for the audit log. The
// values are stable: they are stored.
type Reason string

// The reasons a SAML message is refused.
const (
	ReasonTooLarge       Reason = "too_large"
	ReasonMalformed      Reason = "malformed"
	ReasonAssertionCount Reason = "assertion_count"
	ReasonUnsolicited    Reason = "unsolicited"
	ReasonInResponseTo   Reason = "in_response_to"
	ReasonSignature      Reason = "signature"
	ReasonAudience       Reason = "audience"
	ReasonDestination    Reason = "destination"
	ReasonExpired        Reason = "expired"
	ReasonNotYetValid    Reason = "not_yet_valid"
	ReasonIssuer         Reason = "issuer"
	ReasonStatus         Reason = "status"
	ReasonReplay         Reason = "replay"
	ReasonNoEmail        Reason = "no_email"
	ReasonTransientID    Reason = "transient_nameid"
	ReasonInvalid        Reason = "invalid"
)

// Error is a refused SAML message: why, and the detail for the log. The
// detail may quote the IdP's message, never a key.
type Error struct {
	Reason Reason
	Err    error
}

// Error describes the refusal.
func (e *Error) Error() string { return "saml: " + string(e.Reason) + ": " + e.Err.Error() }

// Unwrap gives the detail.
func (e *Error) Unwrap() error { return e.Err }

// ReasonOf is the Reason of err, or ReasonInvalid when err is not an *Error.
func ReasonOf(err error) Reason {
	var e *Error
	if errors.As(err, &e) {
		return e.Reason
	}
	return ReasonInvalid
}

// refuse wraps err with reason.
func refuse(reason Reason, err error) *Error { return &Error{Reason: reason, Err: err} }

// classified turns an error of the SAML library into an *Error, reading the
// detail the library keeps out of its Error string.
func classified(err error) *Error {
	var ire *csaml.InvalidResponseError
	if errors.As(err, &ire) && ire.PrivateErr != nil {
		err = ire.PrivateErr
	}
	var status csaml.ErrBadStatus
	switch {
	case errors.Is(err, csaml.ErrAssertionReplayed):
		return refuse(ReasonReplay, err)
	case errors.Is(err, csaml.ErrRequestIDMismatch):
		return refuse(ReasonInResponseTo, err)
	case errors.Is(err, csaml.ErrInvalidSignature), errors.Is(err, csaml.ErrUntrustedCertificate),
		errors.Is(err, csaml.ErrCertificateNotValidNow):
		return refuse(ReasonSignature, err)
	case errors.Is(err, csaml.ErrDestinationMismatch):
		return refuse(ReasonDestination, err)
	case errors.Is(err, csaml.ErrAudienceMismatch):
		return refuse(ReasonAudience, err)
	case errors.Is(err, csaml.ErrExpired):
		return refuse(ReasonExpired, err)
	case errors.Is(err, csaml.ErrNotYetValid):
		return refuse(ReasonNotYetValid, err)
	case errors.Is(err, csaml.ErrIssuerMismatch):
		return refuse(ReasonIssuer, err)
	case errors.As(err, &status):
		return refuse(ReasonStatus, err)
	case errors.Is(err, csaml.ErrMalformedMessage), errors.Is(err, csaml.ErrMissingElement):
		return refuse(ReasonMalformed, err)
	case strings.Contains(strings.ToLower(err.Error()), "signature"):
		// A missing signature, or a bad HTTP-Redirect one, is not
		// classified by the library; the reason is only a label, the
		// message is refused either way.
		return refuse(ReasonSignature, err)
	}
	return refuse(ReasonInvalid, err)
}
