// Package faults holds Portico's fault tests: they start a Postgres
// cluster, a redis-server and an SMTP server of their own, put the portal
// under load, and restart or stop those servers meanwhile. They never
// touch the machine's own services.
package faults
