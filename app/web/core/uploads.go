package core

import (
	"io"
	"mime/multipart"
	"net/http"
	"path/filepath"
	"strings"

	"github.com/gofiber/fiber/v2"

	"portico/app/store"
)

// ReadUploads reads the files of a multipart field, enforcing the count and
// per-file size limits. It answers the translation key of the problem, if
// any, for the field's error.
func (s *Core) ReadUploads(c *fiber.Ctx, field string) ([]store.Upload, string, error) {
	mf, err := c.MultipartForm()
	if err != nil {
		// Not multipart: a plain form with no files.
		return nil, "", nil
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
	for _, h := range headers {
		if h.Size > s.Config.MaxUploadSize {
			return nil, "upload.too_large", nil
		}
		f, err := h.Open()
		if err != nil {
			return nil, "", err
		}
		data, err := io.ReadAll(io.LimitReader(f, s.Config.MaxUploadSize+1))
		f.Close()
		if err != nil {
			return nil, "", err
		}
		if int64(len(data)) > s.Config.MaxUploadSize {
			return nil, "upload.too_large", nil
		}
		out = append(out, store.Upload{
			Filename:    cleanFilename(h.Filename),
			ContentType: http.DetectContentType(data),
			Data:        data,
		})
	}
	return out, "", nil
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
