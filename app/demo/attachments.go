package demo

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"net/http"

	"portico/app/store"
)

// Attachment kinds of a ticket spec.
const (
	attachScreenshot = "screenshot"
	attachLog        = "log"
)

// attachment returns the files for a spec's attach field.
func attachment(kind string) []store.Upload {
	var name string
	var data []byte
	switch kind {
	case attachScreenshot:
		name, data = "screenshot.png", screenshotPNG()
	case attachLog:
		name, data = "error-log.txt", []byte(errorLog)
	default:
		return nil
	}
	return []store.Upload{{Filename: name, ContentType: http.DetectContentType(data), Data: data}}
}

// screenshotPNG draws a small image that stands for a printer's display:
// a dark panel with a red warning bar. Drawn, not embedded, so the repository
// holds no binary file.
func screenshotPNG() []byte {
	img := image.NewRGBA(image.Rect(0, 0, 32, 20))
	for y := range 20 {
		for x := range 32 {
			c := color.RGBA{R: 30, G: 41, B: 59, A: 255}
			if y >= 7 && y < 13 && x >= 4 && x < 28 {
				c = color.RGBA{R: 220, G: 38, B: 38, A: 255}
			}
			img.Set(x, y, c)
		}
	}
	var buf bytes.Buffer
	// Encoding an in-memory RGBA image into a buffer cannot fail.
	_ = png.Encode(&buf, img)
	return buf.Bytes()
}

const errorLog = `02:00:01 INFO  nightly sync started (jobs: customers, orders)
02:00:04 INFO  customers: 1204 records synced
02:00:05 INFO  orders: sending batch 1 of 3 (500 records)
02:00:35 ERROR orders: POST /v1/orders/batch timed out after 30s
02:00:35 WARN  orders: retry 1 of 3
02:01:05 ERROR orders: POST /v1/orders/batch timed out after 30s
02:01:05 ERROR sync aborted: 1 of 2 jobs failed
`
