package core

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strings"
	"sync"

	"github.com/gofiber/fiber/v2"

	"portico/app/auth"
	"portico/app/model"
	"portico/app/store"
)

// settingsCache keeps the decoded portal settings of one version. Every
// request still reads the version from the database, one indexed row,
// so a save on any instance applies on every instance at once; only the
// decoding, logo included, is saved.
type settingsCache struct {
	mu     sync.RWMutex
	loaded bool
	stamp  string
	st     model.PortalSettings
	brand  brand
}

// brand holds the uploaded logo and favicon, decoded, under
// content-hashed names: pages link to them instead of inlining them.
type brand struct {
	logo, favicon string // file names; empty without an upload
	files         map[string]brandFile
}

type brandFile struct {
	contentType string
	data        []byte
}

// brandExt is the file extension of each image type an upload may have.
var brandExt = map[string]string{
	"image/png": "png", "image/jpeg": "jpg", "image/gif": "gif", "image/webp": "webp",
	"image/x-icon": "ico", "image/vnd.microsoft.icon": "ico",
}

// decodeBrand reads an uploaded image's data URL into the brand files.
func (b *brand) add(dataURL string) string {
	rest, ok := strings.CutPrefix(dataURL, "data:")
	if !ok {
		return ""
	}
	ct, data, ok := strings.Cut(rest, ";base64,")
	ext := brandExt[ct]
	if !ok || ext == "" {
		return ""
	}
	raw, err := base64.StdEncoding.DecodeString(data)
	if err != nil {
		return ""
	}
	sum := sha256.Sum256(raw)
	name := hex.EncodeToString(sum[:10]) + "." + ext
	b.files[name] = brandFile{contentType: ct, data: raw}
	return name
}

func newBrand(st model.PortalSettings) brand {
	b := brand{files: map[string]brandFile{}}
	b.logo = b.add(st.LogoURL)
	b.favicon = b.add(st.FaviconURL)
	return b
}

// settings returns the settings of the version and stamp read, with
// their brand files, decoding them only when the stamp changed. When it
// loads them, the version is the one loaded with them, so that a save's
// check for a concurrent change compares against what the page showed.
func (s *Core) settings(ctx context.Context, version int64, stamp string) (model.PortalSettings, int64, brand, error) {
	c := &s.cache
	c.mu.RLock()
	if c.loaded && c.stamp == stamp {
		st, b := c.st, c.brand
		c.mu.RUnlock()
		return st, version, b, nil
	}
	c.mu.RUnlock()
	st, version, err := store.Settings(ctx, s.Store.DB)
	if err != nil {
		return model.PortalSettings{}, 0, brand{}, err
	}
	b := newBrand(st)
	c.mu.Lock()
	c.loaded, c.stamp, c.st, c.brand = true, stamp, st, b
	c.mu.Unlock()
	return st, version, b, nil
}

// useSettings stores the request's settings in its locals. Handlers get
// a copy whose slices they must not change: the cache shares them.
//
// Every request reads the settings' version. A customer's request
// (customer true, with a live session's cookie) reads it with the
// contact, which LoadSession then takes instead of reading it again.
func (s *Core) useSettings(c *fiber.Ctx, customer bool) error {
	ctx := c.UserContext()
	version, stamp, ok, err := int64(0), "", false, error(nil)
	if customer {
		if version, stamp, ok, err = s.prefetch(c); err != nil {
			return err
		}
	}
	if !ok {
		if version, stamp, err = s.Store.SettingsVersion(ctx); err != nil {
			return err
		}
	}
	st, version, b, err := s.settings(ctx, version, stamp)
	if err != nil {
		return err
	}
	c.Locals(LocalSettings, st)
	c.Locals(LocalSettingsVersion, version)
	c.Locals(localBrand, b)
	return nil
}

// prefetched is a customer's session and contact, read with the
// settings' version before the settings were known.
type prefetched struct {
	sid     string
	session *auth.Session
	err     error          // the session store's, for resumeSession
	contact *model.Contact // nil unless read
}

const localPrefetched = "portico.prefetched"

// prefetch reads the session under the customer's cookie and, when it is
// a contact's, the contact and the settings' version in one statement.
// It answers ok false when there is nothing to read that way (no
// session, another kind, a contact gone, the session store failing):
// LoadSession then goes its usual way, with the session store's answer,
// and reports what it finds.
func (s *Core) prefetch(c *fiber.Ctx) (version int64, stamp string, ok bool, err error) {
	sid := c.Cookies(SessionCookie)
	if len(sid) != 43 {
		return 0, "", false, nil
	}
	ctx := c.UserContext()
	p := &prefetched{sid: sid}
	c.Locals(localPrefetched, p)
	p.session, p.err = s.Sessions.Get(ctx, sid)
	if p.err != nil || p.session == nil || p.session.Kind != auth.KindContact {
		return 0, "", false, nil
	}
	p.contact, version, stamp, err = s.Store.ContactAndSettingsVersion(ctx, p.session.AccountID)
	if err != nil {
		if IsNotFound(err) {
			err = nil
		}
		return 0, "", false, err
	}
	return version, stamp, true, nil
}

// takePrefetched answers what prefetch read for the session ID, if it did.
func takePrefetched(c *fiber.Ctx, sid string) *prefetched {
	p, _ := c.Locals(localPrefetched).(*prefetched)
	if p == nil || p.sid != sid {
		return nil
	}
	return p
}

const localBrand = "portico.brand"

// brandSrc is the URL of an uploaded logo or favicon, or "" without one.
func brandSrc(c *fiber.Ctx, favicon bool) string {
	b, _ := c.Locals(localBrand).(brand)
	name := b.logo
	if favicon {
		name = b.favicon
	}
	if name == "" {
		return ""
	}
	return SettingsOf(c).PortalPath() + "/brand/" + name
}

// BrandImage serves an uploaded logo or favicon. Its name is a hash of its
// bytes, so it may be cached for good.
func (s *Core) BrandImage(c *fiber.Ctx) error {
	b, _ := c.Locals(localBrand).(brand)
	f, ok := b.files[c.Params("file")]
	if !ok {
		return fiber.ErrNotFound
	}
	c.Set(fiber.HeaderContentType, f.contentType)
	c.Set(fiber.HeaderCacheControl, "public, max-age=31536000, immutable")
	return c.Send(f.data)
}
