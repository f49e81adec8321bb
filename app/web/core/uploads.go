package core

import (
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"portico/app/auth"
	"portico/app/store"
)

// formBodyLimit is the largest body of a request that is not
// multipart: every plain form is text, far below it.
const formBodyLimit = 1 << 20

// slotTTL bounds how long a dead instance's upload slot is held in Redis.
const slotTTL = 10 * time.Minute

// ErrUploadBusy refuses an upload while the same person's earlier ones
// are still running.
var ErrUploadBusy = fiber.NewError(fiber.StatusTooManyRequests, "upload busy")

// uploadBodyLimit is the largest multipart request: the most files of the
// largest size, plus the form's text.
func uploadBodyLimit(maxSize int64, maxFiles int) int64 {
	return maxSize*int64(max(maxFiles, 1)) + 1<<20
}

// LimitBody refuses, from the headers and before any of it is read, a
// body larger than its kind may be: bodies are streamed, so Fiber's
// BodyLimit no longer refuses them. A multipart body may carry the
// largest upload set; any other body is a plain form. A body of unknown
// length (chunked) is refused: a browser's form always states it.
func (s *Core) LimitBody(c *fiber.Ctx) error {
	h := &c.Request().Header
	n := int64(h.ContentLength())
	limit := int64(formBodyLimit)
	if len(h.MultipartFormBoundary()) > 0 {
		limit = uploadBodyLimit(s.Config.MaxUploadSize, s.Config.MaxUploads)
	}
	switch {
	case n == -1:
		c.Context().SetConnectionClose()
		return fiber.ErrLengthRequired
	case n > limit:
		// The unread body must not be taken for the next request.
		c.Context().SetConnectionClose()
		return fiber.ErrRequestEntityTooLarge
	}
	err := c.Next()
	// A request refused before its body was read (an upload over the cap,
	// a missing session) still reads it to the end, into nothing: a
	// browser still sending would otherwise see the connection reset
	// instead of the answer.
	if body := c.Context().RequestBodyStream(); body != nil {
		if _, derr := io.Copy(io.Discard, body); derr != nil {
			c.Context().SetConnectionClose()
		}
	}
	return err
}

// UploadSlot caps how many multipart requests (uploads) one contact, one
// staff user or, without a session, one address may send at once. It
// runs before anything reads the body, so a refused upload costs nothing;
// the cap is shared by every instance when the limiter lives in Redis.
func (s *Core) UploadSlot(c *fiber.Ctx) error {
	limit := s.Config.MaxConcurrentUploads
	if limit <= 0 || len(c.Request().Header.MultipartFormBoundary()) == 0 {
		return c.Next()
	}
	key := "upload:ip:" + IP(c)
	if ct := ContactOf(c); ct != nil {
		key = "upload:contact:" + strconv.FormatInt(ct.ID, 10)
	} else if su := StaffOf(c); su != nil {
		key = "upload:staff:" + strconv.FormatInt(su.ID, 10)
	}
	release, ok := s.slots().Acquire(c.UserContext(), key, limit, slotTTL)
	if !ok {
		return ErrUploadBusy
	}
	defer release()
	return c.Next()
}

// slots is the limiter's slot counter, or the process's own when the
// limiter has none.
func (s *Core) slots() auth.Slots {
	if sl, ok := s.Limiter.(auth.Slots); ok {
		return sl
	}
	s.localSlotsOnce.Do(func() { s.localSlots = auth.NewMemoryLimiter() })
	return s.localSlots
}

// ReadUploads reads the files of a multipart field, enforcing the count,
// per-file size and, for a contact, storage quota limits. It answers the
// translation key of the problem, if any, for the field's error. The
// request parser has spooled the files to temporary files; the uploads
// returned read them from there, so no file is held in memory.
func (s *Core) ReadUploads(c *fiber.Ctx, field string) ([]store.Upload, string, error) {
	if len(c.Request().Header.MultipartFormBoundary()) == 0 {
		return nil, "", nil // a plain form, with no files
	}
	mf, err := c.MultipartForm()
	if err != nil {
		// Cut short, malformed, or with more parts than allowed.
		return nil, "", fiber.NewError(fiber.StatusBadRequest, "web: unreadable multipart body: "+err.Error())
	}
	var headers []*multipart.FileHeader
	for _, h := range mf.File[field] {
		if h.Filename == "" && h.Size == 0 {
			continue // an empty file input
		}
		headers = append(headers, h)
	}
	if len(headers) > s.Config.MaxUploads {
		return nil, "upload.too_many", nil
	}
	var out []store.Upload
	var total int64
	for _, h := range headers {
		if h.Size > s.Config.MaxUploadSize {
			return nil, "upload.too_large", nil
		}
		ctype, err := sniff(h)
		if err != nil {
			return nil, "", err
		}
		total += h.Size
		out = append(out, store.Upload{
			Filename: cleanFilename(h.Filename), ContentType: ctype, Size: h.Size,
			Open: func() (io.ReadCloser, error) { return h.Open() },
		})
	}
	if ct := ContactOf(c); ct != nil && s.Config.UploadQuota > 0 && total > 0 {
		used, err := store.ContactUploadBytes(c.UserContext(), s.Store.DB, ct.ID)
		if err != nil {
			return nil, "", err
		}
		if used+total > s.Config.UploadQuota {
			return nil, "upload.quota", nil
		}
	}
	return out, "", nil
}

// sniff detects a file's type from its first bytes.
func sniff(h *multipart.FileHeader) (string, error) {
	f, err := h.Open()
	if err != nil {
		return "", fmt.Errorf("web: unable to open upload: %w", err)
	}
	defer f.Close()
	head := make([]byte, 512)
	n, err := io.ReadFull(f, head)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
		return "", fmt.Errorf("web: unable to read upload: %w", err)
	}
	return http.DetectContentType(head[:n]), nil
}

// cleanFilename keeps the base name, without control characters, at a
// sensible length. It is only ever shown escaped; files are stored under a
// server-generated key.
func cleanFilename(name string) string {
	name = filepath.Base(strings.ReplaceAll(name, "\\", "/"))
	name = strings.Map(func(r rune) rune {
		if unsafeInFilename(r) {
			return -1
		}
		return r
	}, name)
	name = strings.TrimSpace(name)
	if r := []rune(name); len(r) > 200 {
		name = string(r[len(r)-200:])
	}
	if name == "" || name == "." || name == "/" {
		name = "attachment"
	}
	return name
}
