package core

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"

	"github.com/gofiber/fiber/v2"
)

// Session IDs are only ever issued by the server: every ID it makes, an
// anonymous visitor's (stored nowhere, it only anchors the CSRF token
// before login) and a logged-in session's, carries a MAC under the secret
// key. A cookie that carries none and that the session store does not
// know is replaced, never adopted, so a client cannot choose the ID it
// will be known by. A signed ID whose session ended (expired, or lost)
// stays valid as an anonymous one, so that the form the visitor had open
// still reaches the login page rather than a CSRF refusal.

const anonIDRandom = 16 // bytes of randomness; the MAC takes the other 16

// newSID returns a fresh session ID, 43 characters long, for an
// anonymous visitor or a new session.
func (s *Core) newSID() string {
	b := make([]byte, anonIDRandom, 2*anonIDRandom)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	b = append(b, s.anonMAC(b)...)
	return base64.RawURLEncoding.EncodeToString(b)
}

// issuedAnon reports whether sid is an ID this server made.
func (s *Core) issuedAnon(sid string) bool {
	b, err := base64.RawURLEncoding.DecodeString(sid)
	if err != nil || len(b) != 2*anonIDRandom {
		return false
	}
	return hmac.Equal(b[anonIDRandom:], s.anonMAC(b[:anonIDRandom]))
}

func (s *Core) anonMAC(random []byte) []byte {
	m := hmac.New(sha256.New, s.Secret)
	m.Write([]byte("anon-sid:"))
	m.Write(random)
	return m.Sum(nil)[:anonIDRandom]
}

// renewAnon gives the visitor a fresh anonymous ID under the cookie, for
// the rest of this request too.
func (s *Core) renewAnon(c *fiber.Ctx, cookie string) {
	sid := s.newSID()
	s.setCookie(c, cookie, sid)
	c.Locals(LocalSID, sid)
}
