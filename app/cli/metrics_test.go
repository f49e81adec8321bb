package cli

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"portico/app/config"
)

// freeAddr returns a loopback address with a port that was free a moment ago.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// serve runs Portico with the arguments until the test ends, and waits
// until it answers.
func serve(t *testing.T, args ...string) (base string) {
	t.Helper()
	addr := freeAddr(t)
	cfg, err := config.Load(append([]string{"--addr", addr, "--log-level", "error"}, args...), func(string) string { return "" }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx, cfg, assets(t), slog.New(slog.DiscardHandler)) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("portico stopped with %v", err)
		}
	})
	base = "http://" + addr
	deadline := time.Now().Add(30 * time.Second)
	for {
		res, err := http.Get(base + "/healthz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return base
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("portico did not answer: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

func TestMetricsCountRequestsOnTheirOwnAddress(t *testing.T) {
	metricsAddr := freeAddr(t)
	base := serve(t, "--data-dir", t.TempDir(), "--metrics-addr", metricsAddr)

	if code, _ := get(t, base+"/portal/tickets/12345"); code == 0 {
		t.Fatal("no answer")
	}
	get(t, base+"/no/such/page-7f3a")
	if code, body := get(t, base+"/metrics"); code != http.StatusNotFound || strings.Contains(body, "portico_http_requests_total") {
		t.Fatalf("the portal's port serves /metrics: %d", code)
	}

	code, body := get(t, "http://"+metricsAddr+"/metrics")
	if code != http.StatusOK {
		t.Fatalf("/metrics answered %d", code)
	}
	for _, want := range []string{
		`portico_http_requests_total{method="GET",route="/healthz",status="200"}`,
		`portico_http_requests_total{method="GET",route="/portal/tickets/:id",status=`,
		`portico_http_request_duration_seconds_count{method="GET",route="/portal/tickets/:id"} 1`,
		`route="unmatched",status="404"`,
		`portico_build_info{`,
		`go_goroutines`,
		`process_resident_memory_bytes`,
		`go_sql_open_connections{db_name="portico"}`,
		`portico_outbox_pending 0`,
		`portico_outbox_oldest_pending_age_seconds 0`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	for _, never := range []string{"page-7f3a", "12345"} {
		if strings.Contains(body, never) {
			t.Errorf("a raw path (%s) became a label", never)
		}
	}
	// The second scrape sees the portal's /metrics 404 counted as unmatched.
	if _, body = get(t, "http://"+metricsAddr+"/metrics"); strings.Contains(body, `route="/metrics"`) {
		t.Error("/metrics is a route of the portal")
	}
}

func TestMetricsNeverOnThePortalsPort(t *testing.T) {
	for _, args := range [][]string{
		{"--addr", ":8080", "--metrics-addr", ":8080"},
		{"--addr", "127.0.0.1:8080", "--metrics-addr", "0.0.0.0:8080"},
		{"--addr", ":8080", "--metrics-addr", "127.0.0.1:8080"},
	} {
		if _, err := config.Load(args, func(string) string { return "" }, io.Discard); err == nil {
			t.Errorf("%v accepted", args)
		}
	}
	if _, err := config.Load([]string{"--addr", ":8080", "--metrics-addr", "127.0.0.1:9090"}, func(string) string { return "" }, io.Discard); err != nil {
		t.Error(err)
	}
}
