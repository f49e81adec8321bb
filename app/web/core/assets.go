package core

import (
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"mime"
	"path"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// assetURLs maps a static file (e.g. "css/app.css") to its URL with a
// content hash, so that it can be cached for a year and still change.
func assetURLs(static fs.FS) (map[string]string, error) {
	urls := map[string]string{}
	err := fs.WalkDir(static, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(static, p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		urls[p] = "/static/" + p + "?v=" + hex.EncodeToString(sum[:6])
		return nil
	})
	return urls, err
}

// StaticFile serves the embedded static files. Only css/ and js/ are
// served: attachments never are.
func (s *Core) StaticFile(c *fiber.Ctx) error {
	p := path.Clean(c.Params("*"))
	if !strings.HasPrefix(p, "css/") && !strings.HasPrefix(p, "js/") {
		return fiber.ErrNotFound
	}
	b, err := fs.ReadFile(s.Static, p)
	if err != nil {
		return fiber.ErrNotFound
	}
	c.Set(fiber.HeaderContentType, mime.TypeByExtension(path.Ext(p)))
	if c.Query("v") != "" {
		c.Set(fiber.HeaderCacheControl, "public, max-age=31536000, immutable")
	} else {
		c.Set(fiber.HeaderCacheControl, "public, max-age=300")
	}
	return c.Send(b)
}
