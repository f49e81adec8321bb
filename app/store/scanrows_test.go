package store

import (
	"testing"
	"time"
)

// TestNullTimeText reads the timestamps SQLite hands over as text, in the
// layouts that Portico and SQLite's own functions write.
func TestNullTimeText(t *testing.T) {
	want := time.Date(2026, 9, 8, 13, 32, 5, 0, time.UTC)
	for _, s := range []string{"2026-09-08 13:32:05+00:00", "2026-09-08 15:32:05+02:00", "2026-09-08 13:32:05", "2026-09-08T13:32:05Z", "2026-09-08 13:32:05.000000+00:00"} {
		var got nullTime
		if err := got.Scan(s); err != nil {
			t.Errorf("Scan(%q): %v", s, err)
			continue
		}
		if !time.Time(got).Equal(want) {
			t.Errorf("Scan(%q) = %v, want %v", s, time.Time(got), want)
		}
	}
	var got nullTime
	if err := got.Scan("yesterday"); err == nil {
		t.Errorf("Scan(\"yesterday\") = %v, want an error", time.Time(got))
	}
	got = nullTime(want)
	if err := got.Scan(nil); err != nil || !time.Time(got).IsZero() {
		t.Errorf("Scan(nil) = %v, %v; want the zero time", time.Time(got), err)
	}
}
