package core

import (
	"fmt"
	"mime"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/uptrace/bun"

	"portico/app/model"
	"portico/app/store"
)

// InlineTypes are the only types shown in the browser; everything else
// downloads as an opaque file.
var InlineTypes = map[string]bool{"image/png": true, "image/jpeg": true, "image/gif": true, "image/webp": true}

// SendAttachment answers with the file as a download that can never run
// in Portico's origin; only safe images may be shown inline. The bytes are
// streamed from db a chunk at a time.
func SendAttachment(c *fiber.Ctx, db bun.IDB, a *model.Attachment) error {
	ctype := "application/octet-stream"
	disposition := "attachment"
	if InlineTypes[a.ContentType] {
		ctype = a.ContentType
		if c.Query("inline") == "1" {
			disposition = "inline"
		}
	}
	c.Set(fiber.HeaderContentType, ctype)
	c.Set(fiber.HeaderContentDisposition, contentDisposition(disposition, a.Filename))
	c.Set("X-Content-Type-Options", "nosniff")
	c.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	c.Set(fiber.HeaderCacheControl, "private, no-store")
	c.Context().SetBodyStream(store.OpenAttachment(db, a), int(a.Size))
	return nil
}

// NotCompressed tells the compression middleware to leave a download of
// an attachment (/portal/attachments/… under any slug, /admin/attachments/…)
// and the ZIP of a contact's attachments (/portal/me/attachments.zip) as
// they are: most files are compressed already, and a streamed body keeps
// its length, which browsers show as progress.
func NotCompressed(c *fiber.Ctx) bool {
	parts := strings.SplitN(strings.TrimPrefix(c.Path(), "/"), "/", 3)
	return len(parts) == 3 && (parts[1] == "attachments" || parts[1] == "me" && parts[2] == "attachments.zip")
}

// contentDisposition builds the header per RFC 6266: an ASCII fallback
// name plus the UTF-8 name in filename*.
func contentDisposition(kind, name string) string {
	ascii := strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e || r == '"' || r == '\\' || r == '%' || r == ';' {
			return '_'
		}
		return r
	}, name)
	v := mime.FormatMediaType(kind, map[string]string{"filename": ascii})
	if v == "" {
		v = kind
	}
	return v + "; filename*=UTF-8''" + extValue(name)
}

// extValue percent-encodes every byte outside RFC 5987's attr-char.
func extValue(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		ch := s[i]
		if ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z' || ch >= '0' && ch <= '9' ||
			strings.IndexByte("!#$&+-.^_`|~", ch) >= 0 {
			b.WriteByte(ch)
			continue
		}
		fmt.Fprintf(&b, "%%%02X", ch)
	}
	return b.String()
}
