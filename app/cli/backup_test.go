package cli

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"portico/app/config"
	"portico/app/model"
	"portico/app/store"
)

// A backup taken while Portico serves and another writer commits pairs of
// mails holds whole transactions only, and opens as a sound database.
func TestBackupWhileServing(t *testing.T) {
	dir := t.TempDir()
	serve(t, "--data-dir", dir, "--demo")
	ctx := context.Background()
	st, err := store.OpenSQLite(filepath.Join(dir, "portico.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()

	var written atomic.Int64
	stop := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		for i := 0; ; i++ {
			select {
			case <-stop:
				done <- nil
				return
			default:
			}
			err := st.DB.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
				for j := range 2 {
					m := &store.OutboxMail{OutboxMail: model.OutboxMail{Kind: "backup-test", ToAddr: "a@example.com",
						Subject: "pair", DedupeKey: fmt.Sprintf("backup-%d-%d", i, j)}}
					if _, err := store.EnqueueMail(ctx, tx, m); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				done <- err
				return
			}
			written.Add(2)
		}
	}()
	for written.Load() < 20 {
		time.Sleep(5 * time.Millisecond)
	}
	file := filepath.Join(t.TempDir(), "copy.db")
	code := Run([]string{"--data-dir", dir, "--log-level", "error", "backup", file}, assets(t))
	close(stop)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if code != 0 {
		t.Fatalf("backup exited %d", code)
	}

	cp, err := store.OpenSQLite(file)
	if err != nil {
		t.Fatal(err)
	}
	defer cp.Close()
	var check string
	if err := cp.DB.QueryRowContext(ctx, "PRAGMA integrity_check").Scan(&check); err != nil || check != "ok" {
		t.Fatalf("integrity_check: %q %v", check, err)
	}
	n, err := cp.DB.NewSelect().Model((*model.OutboxMail)(nil)).Where("kind = ?", "backup-test").Count(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if n == 0 || n%2 != 0 || int64(n) > written.Load() {
		t.Fatalf("backup holds %d of the %d mails written in pairs", n, written.Load())
	}
	contacts, err := cp.DB.NewSelect().Model((*model.Contact)(nil)).Count(ctx)
	if err != nil || contacts == 0 {
		t.Fatalf("the demo contacts are missing from the backup: %d %v", contacts, err)
	}

	// The same file again is refused, and left as it was.
	before, _ := os.ReadFile(file)
	if code := Run([]string{"--data-dir", dir, "--log-level", "error", "backup", file}, assets(t)); code == 0 {
		t.Error("an existing file was overwritten")
	}
	if after, _ := os.ReadFile(file); !bytes.Equal(before, after) {
		t.Error("the existing file changed")
	}
	if left, _ := filepath.Glob(filepath.Join(filepath.Dir(file), ".copy.db.partial-*")); len(left) > 0 {
		t.Errorf("partial files left: %v", left)
	}
}

func TestBackupRefusals(t *testing.T) {
	ctx := context.Background()
	load := func(args ...string) *config.Config {
		cfg, err := config.Load(args, func(string) string { return "" }, io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		return cfg
	}
	log := newLogger(load())
	err := backup(ctx, load("--database-url", "postgres://db.invalid/portico"), []string{"x.db"}, log)
	if err == nil || !strings.Contains(err.Error(), "pg_dump") {
		t.Errorf("Postgres: %v", err)
	}
	empty := t.TempDir()
	if err := backup(ctx, load("--data-dir", empty), []string{filepath.Join(empty, "x.db")}, log); err == nil {
		t.Error("a backup of no database succeeded")
	}
	if _, err := os.Stat(filepath.Join(empty, "portico.db")); err == nil {
		t.Error("backup created a database")
	}
	if err := backup(ctx, load(), nil, log); err == nil {
		t.Error("backup without a file name")
	}
	var help bytes.Buffer
	if _, err := config.Load([]string{"--help"}, func(string) string { return "" }, &help); err == nil || !strings.Contains(help.String(), "backup FILE") {
		t.Error("--help does not list backup")
	}
}
