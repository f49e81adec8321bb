package faults

import (
	"context"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"portico/app/auth"
	"portico/app/config"
	"portico/app/demo"
	"portico/app/i18n"
	"portico/app/store"
	"portico/app/testutil"
	"portico/app/web"
	"portico/app/web/core"
)

// rig is a Portico server on a Postgres cluster of the test's own, with
// sessions in a redis-server of its own when withRedis.
type rig struct {
	pg    *testutil.PostgresCluster
	redis *testutil.RedisServer
	st    *store.Store
	base  string
}

func startRig(t *testing.T, withRedis bool) *rig {
	t.Helper()
	r := &rig{pg: testutil.StartPostgres(t)}
	url := r.pg.Database("portico")
	st, err := store.Open(url, "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	r.st = st
	ctx := context.Background()
	if _, err := st.Migrate(ctx, testutil.Migrations(t)); err != nil {
		t.Fatal(err)
	}
	if err := demo.Load(ctx, st); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load([]string{"--max-upload-size", "1048576"}, func(string) string { return "" }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	bundle, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	root := testutil.Root(t)
	d := web.Deps{
		Config: cfg, Store: st, I18n: bundle,
		Log:      slog.New(slog.NewTextHandler(io.Discard, nil)),
		Secret:   []byte("fault-secret-fault-secret-fault-secret"),
		Views:    os.DirFS(filepath.Join(root, "views")),
		Static:   os.DirFS(filepath.Join(root, "static")),
		Sessions: auth.NewMemorySessions(),
		Limiter:  auth.NewMemoryLimiter(),
	}
	if withRedis {
		r.redis = testutil.StartRedis(t)
		rdb := auth.NewRedis(&redis.Options{Addr: r.redis.Addr})
		t.Cleanup(func() { rdb.Close() })
		d.Sessions = &auth.RedisSessions{Client: rdb, Prefix: "portico:"}
		d.Limiter = &auth.RedisLimiter{Client: rdb, Prefix: "portico:", Fallback: auth.NewMemoryLimiter()}
	}
	srv, err := web.New(d)
	if err != nil {
		t.Fatal(err)
	}
	// Contacts kept between requests, as a server keeps them: their
	// listener goes down with Postgres, and comes back.
	watch, stop := context.WithCancel(ctx)
	t.Cleanup(stop)
	go st.WatchAccounts(watch, d.Log)
	// Every customer posts from this one address, many times a minute:
	// the hourly limits on replies would end the load, not the fault.
	srv.Posts = core.PostLimits{ReplyPerContact: 1 << 20, ReplyPerIP: 1 << 20, FormPerContact: 1 << 20, FormPerIP: 1 << 20}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.App().Listener(ln) }()
	t.Cleanup(func() { _ = srv.App().ShutdownWithTimeout(5 * time.Second) })
	r.base = "http://" + ln.Addr().String()
	return r
}

// openTicket returns an open ticket of the contact's.
func (r *rig) openTicket(t *testing.T, email string) int64 {
	t.Helper()
	var id int64
	err := r.st.DB.QueryRowContext(context.Background(), `SELECT t.id FROM tickets t
		JOIN ticket_contacts tc ON tc.ticket_id = t.id JOIN contacts c ON c.id = tc.contact_id
		WHERE c.email = ? AND NOT t.closed ORDER BY t.id LIMIT 1`, email).Scan(&id)
	if err != nil {
		t.Fatalf("no open ticket for %s: %v", email, err)
	}
	return id
}
