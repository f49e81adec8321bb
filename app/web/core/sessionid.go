package core

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"

	"github.com/gofiber/fiber/v2"
)

// Session IDs are only ever issued by the server. A logged-in session's ID
// is one the session store knows; an anonymous visitor's ID, which is
// stored nowhere and only anchors the CSRF token before login, carries a
// MAC under the secret key. A cookie that is neither is replaced, never
// adopted, so a client cannot choose the ID it will be known by.

const anonIDRandom = 16 // bytes of randomness; the MAC takes the other 16

// newAnonSID returns a fresh anonymous session ID, 43 characters long like
// a stored session's.
func (s *Core) newAnonSID() string {
	b := make([]byte, anonIDRandom, 2*anonIDRandom)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	b = append(b, s.anonMAC(b)...)
	return base64.RawURLEncoding.EncodeToString(b)
}

// issuedAnon reports whether sid is an anonymous ID this server made.
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
	sid := s.newAnonSID()
	s.setCookie(c, cookie, sid)
	c.Locals(LocalSID, sid)
}
