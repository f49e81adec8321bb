package metrics

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Backlog reads the outbox: how many mails wait to be sent (pending or
// being sent), and when the oldest of them was queued (zero when none).
type Backlog func(ctx context.Context) (waiting int64, oldest time.Time, err error)

// WatchOutbox adds portico_outbox_pending and
// portico_outbox_oldest_pending_age_seconds, read from the database at
// each scrape.
func (m *Metrics) WatchOutbox(read Backlog) {
	if m == nil {
		return
	}
	m.Registry.MustRegister(&outboxCollector{read: read})
}

var (
	outboxPending = prometheus.NewDesc("portico_outbox_pending",
		"Mails in the outbox waiting to be sent.", nil, nil)
	outboxAge = prometheus.NewDesc("portico_outbox_oldest_pending_age_seconds",
		"Age of the oldest mail waiting to be sent; 0 when none waits.", nil, nil)
)

type outboxCollector struct {
	read Backlog
}

// Describe implements prometheus.Collector.
func (c *outboxCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- outboxPending
	ch <- outboxAge
}

// Collect implements prometheus.Collector. A database that does not
// answer within a few seconds makes the scrape report an error for these
// two metrics only.
func (c *outboxCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	n, oldest, err := c.read(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(outboxPending, err)
		return
	}
	age := 0.0
	if n > 0 && !oldest.IsZero() {
		age = max(time.Since(oldest).Seconds(), 0)
	}
	ch <- prometheus.MustNewConstMetric(outboxPending, prometheus.GaugeValue, float64(n))
	ch <- prometheus.MustNewConstMetric(outboxAge, prometheus.GaugeValue, age)
}
