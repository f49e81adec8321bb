// Package testutil gives tests real databases and services: a fresh SQLite
// file always, and a fresh Postgres database or Redis DB when the
// PORTICO_TEST_* variables point at one.
package testutil

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"
	"github.com/uptrace/bun/driver/pgdriver"

	"portico/app/store"
)

// Root returns the repository's top folder.
func Root(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("testutil: go.mod not found")
		}
		dir = parent
	}
}

// Migrations returns the migrations folder as an fs.FS.
func Migrations(t testing.TB) fs.FS {
	return os.DirFS(filepath.Join(Root(t), "db", "migrations"))
}

// required reports whether PORTICO_TEST_REQUIRE names the service, in
// which case a missing service fails the test instead of skipping it.
func required(name string) bool {
	for _, s := range strings.Split(os.Getenv("PORTICO_TEST_REQUIRE"), ",") {
		if strings.TrimSpace(s) == name {
			return true
		}
	}
	return false
}

// Unavailable skips the test, or fails it when the service is required.
func Unavailable(t testing.TB, service, why string) {
	t.Helper()
	if required(service) {
		t.Fatalf("%s is required (PORTICO_TEST_REQUIRE) but unavailable: %s", service, why)
	}
	t.Skipf("%s unavailable: %s", service, why)
}

// SQLite returns a migrated store on a fresh SQLite file.
func SQLite(t testing.TB) *store.Store {
	t.Helper()
	st, err := store.OpenSQLite(filepath.Join(t.TempDir(), "portico.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.Migrate(context.Background(), Migrations(t)); err != nil {
		t.Fatal(err)
	}
	return st
}

// PostgresURL creates a fresh database on the server named by
// PORTICO_TEST_DATABASE_URL, drops it when the test ends, and returns its
// URL. It skips (or fails, when required) without a server.
func PostgresURL(t testing.TB) string {
	t.Helper()
	base := os.Getenv("PORTICO_TEST_DATABASE_URL")
	if base == "" {
		Unavailable(t, "postgres", "PORTICO_TEST_DATABASE_URL is not set")
	}
	admin := sql.OpenDB(pgdriver.NewConnector(pgdriver.WithDSN(base)))
	defer admin.Close()
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := "portico_test_" + hex.EncodeToString(b)
	if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
		Unavailable(t, "postgres", err.Error())
	}
	t.Cleanup(func() {
		db := sql.OpenDB(pgdriver.NewConnector(pgdriver.WithDSN(base)))
		defer db.Close()
		_, _ = db.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}

// Postgres returns a migrated store on a fresh Postgres database.
func Postgres(t testing.TB) *store.Store {
	t.Helper()
	st, err := store.Open(PostgresURL(t), "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.Migrate(context.Background(), Migrations(t)); err != nil {
		t.Fatal(err)
	}
	return st
}

// Redis returns a client on the server named by PORTICO_TEST_REDIS_URL and
// a key prefix of its own, so that tests never collide. Keys under the
// prefix are removed when the test ends.
func Redis(t testing.TB) (*redis.Client, string) {
	t.Helper()
	raw := os.Getenv("PORTICO_TEST_REDIS_URL")
	if raw == "" {
		Unavailable(t, "redis", "PORTICO_TEST_REDIS_URL is not set")
	}
	opts, err := redis.ParseURL(raw)
	if err != nil {
		t.Fatal(err)
	}
	c := redis.NewClient(opts)
	if err := c.Ping(context.Background()).Err(); err != nil {
		c.Close()
		Unavailable(t, "redis", err.Error())
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	prefix := "portico-test:" + hex.EncodeToString(b) + ":"
	t.Cleanup(func() {
		ctx := context.Background()
		iter := c.Scan(ctx, 0, prefix+"*", 1000).Iterator()
		for iter.Next(ctx) {
			c.Del(ctx, iter.Val())
		}
		c.Close()
	})
	return c, prefix
}

// Chromium returns the browser binary for end-to-end tests.
func Chromium(t testing.TB) string {
	t.Helper()
	path := os.Getenv("PORTICO_TEST_CHROMIUM")
	if path == "" {
		path = "/usr/bin/chromium"
	}
	if _, err := os.Stat(path); err != nil {
		Unavailable(t, "chromium", path+" not found")
	}
	return path
}
