package cli

import (
	"math"
	"runtime/debug"
	"testing"
)

func TestTuneGC(t *testing.T) {
	percent, limit := debug.SetGCPercent(100), debug.SetMemoryLimit(math.MaxInt64)
	t.Cleanup(func() { debug.SetGCPercent(percent); debug.SetMemoryLimit(limit) })

	TuneGC(func(string) string { return "" })
	if got := debug.SetGCPercent(100); got != gcPercent {
		t.Errorf("GC percent with no GOGC = %d, want %d", got, gcPercent)
	}
	if got := debug.SetMemoryLimit(math.MaxInt64); got != memoryLimit {
		t.Errorf("memory limit with no GOMEMLIMIT = %d, want %d", got, memoryLimit)
	}

	// The operator's settings stand.
	env := map[string]string{"GOGC": "150", "GOMEMLIMIT": "1GiB"}
	debug.SetGCPercent(150)
	debug.SetMemoryLimit(1 << 30)
	TuneGC(func(k string) string { return env[k] })
	if got := debug.SetGCPercent(100); got != 150 {
		t.Errorf("GC percent with GOGC=150 = %d, want 150", got)
	}
	if got := debug.SetMemoryLimit(math.MaxInt64); got != 1<<30 {
		t.Errorf("memory limit with GOMEMLIMIT set = %d, want %d", got, 1<<30)
	}
}
