package cli

import (
	"context"
	"fmt"
	"log/slog"
	"net"

	"portico/app/metrics"
	"portico/app/store"
)

// serveMetrics builds the metrics, with the database pool and the outbox
// watched, and serves them on their own address until ctx ends. A port
// that cannot be bound stops start-up.
func serveMetrics(ctx context.Context, addr string, st *store.Store, log *slog.Logger) (*metrics.Metrics, error) {
	m := metrics.New()
	m.WatchDB(st.DB.DB)
	m.WatchOutbox(st.OutboxBacklog)
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("config: PORTICO_METRICS_ADDR (--metrics-addr): %v", err)
	}
	go func() {
		if err := m.Serve(ctx, ln, log); err != nil {
			log.Error("metrics server stopped", "err", err)
		}
	}()
	return m, nil
}
