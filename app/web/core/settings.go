package core

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strings"
	"sync"

	"github.com/gofiber/fiber/v2"

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

// settings returns the current settings, their version and brand files,
// decoding them only when the version changed.
func (s *Core) settings(ctx context.Context) (model.PortalSettings, int64, brand, error) {
	version, stamp, err := s.Store.SettingsVersion(ctx)
	if err != nil {
		return model.PortalSettings{}, 0, brand{}, err
	}
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
func (s *Core) useSettings(c *fiber.Ctx) error {
	st, version, b, err := s.settings(c.UserContext())
	if err != nil {
		return err
	}
	c.Locals(LocalSettings, st)
	c.Locals(LocalSettingsVersion, version)
	c.Locals(localBrand, b)
	return nil
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
