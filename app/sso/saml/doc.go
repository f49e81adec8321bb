// Package saml is Portico's SAML 2.0 service provider: one SP per configured
// identity provider. It builds the SP metadata, reads the IdP from its
// metadata (fetched from a URL or pasted), sends SP-initiated AuthnRequests
// with the HTTP-Redirect binding, consumes Responses at the assertion
// consumer service with the HTTP-POST binding, and runs single logout when
// the IdP offers it. It knows nothing of Portico's accounts or sessions: the
// request IDs it sends are kept by a RequestStore bound to the browser's
// session, and the assertion IDs it accepts are recorded by a ReplayGuard
// shared by every instance.
//
// # Why github.com/crewjam/saml
//
// Portico builds on github.com/crewjam/saml (v0.6.3) rather than
// github.com/russellhaering/gosaml2 (v0.12.x). Both verify XML signatures
// with github.com/russellhaering/goxmldsig, which go.mod requires directly at
// v1.6.1, past the signature bypass fixed in v1.6.0. crewjam/saml was chosen
// because:
//
//   - one library covers everything Portico needs: SP metadata, the
//     HTTP-Redirect AuthnRequest, the HTTP-POST Response, encrypted
//     assertions and signed single logout in both directions, where gosaml2
//     leaves metadata and the logout exchange mostly to the application;
//   - it reads the Response and its assertions from what the signature
//     covers (not from the document as received), checks audience,
//     destination, recipient, times, issuer, status and InResponseTo, and
//     classifies its failures with sentinel errors, which Portico turns
//     into audited reasons;
//   - it takes a replay cache (which Portico backs with its cross-instance
//     guard) and bounds inflated HTTP-Redirect messages to 1 MiB;
//   - it ships an identity provider, so Portico's tests run real signed
//     logins in process against the same protocol code an IdP would use;
//   - it is the version that resolves with the rest of Portico's modules.
//
// Portico adds its own checks in front of it: the posted Response is bounded
// before and after base64 decoding, a Response must hold exactly one
// assertion (signed or not, so that no signature-wrapping variant gets as far
// as the signature check), an unsolicited Response is refused unless the
// admin allowed IdP-initiated login, and the InResponseTo is taken, once,
// from the browser's own session.
package saml
