// Package e2e drives the real Portico binary with a headless Chromium, as a
// customer would: every test starts its own instance with demo data and its
// own browser, and stops both when it ends.
//
// The browser comes from testutil.Chromium (PORTICO_TEST_CHROMIUM, or its
// default); without one the tests skip, or fail when PORTICO_TEST_REQUIRE
// names chromium. TestBrowserJourneyPostgresRedis also needs
// PORTICO_TEST_DATABASE_URL and PORTICO_TEST_REDIS_URL. Set
// PORTICO_SCREENSHOT_DIR to keep full-page screenshots of the main pages.
package e2e

import (
	"bytes"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"portico/app/testutil"
)

const (
	anaEmail     = "ana@acme.example"
	demoPassword = "portico-demo"

	testTimeout = 90 * time.Second // the whole of one test, browser included
	waitTimeout = 15 * time.Second // one wait for a page state
	stopTimeout = 5 * time.Second  // SIGTERM to exit
)

// binary is the Portico executable built once by TestMain.
var binary string

func TestMain(m *testing.M) {
	os.Exit(runTests(m))
}

func runTests(m *testing.M) int {
	root, err := repoRoot()
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	dir, err := os.MkdirTemp("", "portico-e2e-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	binary = filepath.Join(dir, "portico")
	build := exec.Command("go", "build", "-o", binary, ".")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "e2e: go build failed: %v\n%s", err, out)
		return 1
	}
	return m.Run()
}

// repoRoot walks up from the working directory to the folder with go.mod.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("go.mod not found above the working directory")
		}
		dir = parent
	}
}

// lockedBuffer collects the server's output from its own goroutine.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// server is one running Portico process.
type server struct {
	URL     string // http://127.0.0.1:PORT
	DataDir string
}

// serverOptions choose the back ends; empty means embedded SQLite and
// in-process sessions.
type serverOptions struct {
	DatabaseURL string
	RedisURL    string
}

// startServer starts Portico with demo data on a free port and a fresh
// data directory, waits until /healthz answers, and stops it with SIGTERM
// when the test ends, failing the test if it does not exit cleanly and in
// time.
func startServer(t *testing.T, opts serverOptions) *server {
	t.Helper()
	// Every test here drives a browser: skip (or fail) before starting
	// anything when there is none.
	testutil.Chromium(t)
	dataDir := t.TempDir()
	addr := freeAddr(t)
	args := []string{"--addr", addr, "--data-dir", dataDir, "--demo"}
	if opts.DatabaseURL != "" {
		args = append(args, "--database-url", opts.DatabaseURL)
	}
	if opts.RedisURL != "" {
		args = append(args, "--redis-url", opts.RedisURL)
	}
	cmd := exec.Command(binary, args...)
	// Only the flags above configure the instance, whatever the
	// environment of the test run holds.
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "PORTICO_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	logs := &lockedBuffer{}
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		t.Fatalf("start portico: %v", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()

	stopped := false
	t.Cleanup(func() {
		if !stopped {
			if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
				t.Errorf("SIGTERM: %v", err)
			}
			select {
			case err := <-exited:
				if err != nil {
					t.Errorf("portico did not exit cleanly after SIGTERM: %v", err)
				}
			case <-time.After(stopTimeout):
				t.Errorf("portico still running %v after SIGTERM (no graceful shutdown)", stopTimeout)
				_ = cmd.Process.Kill()
				<-exited
			}
		}
		if t.Failed() {
			t.Logf("portico output:\n%s", tail(logs.String(), 60))
		}
	})

	s := &server{URL: "http://" + addr, DataDir: dataDir}
	client := &http.Client{Timeout: 2 * time.Second}
	deadline := time.Now().Add(60 * time.Second)
	for {
		select {
		case err := <-exited:
			stopped = true
			t.Fatalf("portico exited before it was ready: %v", err)
		default:
		}
		resp, err := client.Get(s.URL + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return s
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("portico not healthy after 60s (last error: %v)", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// freeAddr finds a free loopback port by listening on port 0.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

func tail(s string, lines int) string {
	parts := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(parts) > lines {
		parts = parts[len(parts)-lines:]
	}
	return strings.Join(parts, "\n")
}
