package store_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/uptrace/bun"

	"portico/app/model"
	"portico/app/store"
	"portico/app/testutil"
)

// chunksMigration is the migration that moved attachments into chunks.
const chunksMigration = "20261206000030_attachment_chunks"

func TestAttachmentChunksSQLite(t *testing.T) {
	t.Parallel()
	testAttachmentChunks(t, loadDemo(t, testutil.SQLite(t)))
}

func TestAttachmentChunksPostgres(t *testing.T) {
	t.Parallel()
	testAttachmentChunks(t, loadDemo(t, testutil.Postgres(t)))
}

// randomBytes is n bytes that don't compress, the same on every run.
func randomBytes(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, seed+1))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

// spooled is an upload read from a reader, as the web layer hands over a
// file spooled to disk.
func spooled(name string, data []byte) store.Upload {
	return store.Upload{Filename: name, ContentType: "application/octet-stream", Size: int64(len(data)),
		Open: func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }}
}

// failingReader gives good bytes, then fails, like a disk that breaks
// part way through a file.
type failingReader struct{ left int }

func (f *failingReader) Read(p []byte) (int, error) {
	if f.left <= 0 {
		return 0, errors.New("disk read failed")
	}
	n := min(len(p), f.left)
	clear(p[:n])
	f.left -= n
	return n, nil
}

func testAttachmentChunks(t *testing.T, e *demoEnv) {
	ctx := context.Background()
	db := e.st.DB
	var ticketID int64
	err := db.NewSelect().Model((*model.Ticket)(nil)).Column("ticket.id").
		Join("JOIN ticket_contacts AS tc ON tc.ticket_id = ticket.id").
		Where("tc.contact_id = ?", e.ana.ID).Where("ticket.closed = ?", false).
		Order("ticket.id").Limit(1).Scan(ctx, &ticketID)
	if err != nil {
		t.Fatal(err)
	}
	reply := func(files ...store.Upload) (*model.Message, error) {
		var m *model.Message
		err := db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
			var err error
			m, err = e.st.AddContactReply(ctx, tx, store.NewReply{
				TicketID: ticketID, ContactID: e.ana.ID, Body: "Files attached.", Files: files,
				DefaultInboxID: e.settings.DefaultInboxID,
			})
			return err
		})
		return m, err
	}
	chunks := func() int { return count(t, db, (*model.AttachmentChunk)(nil), "") }

	t.Run("stored whole and read back byte for byte", func(t *testing.T) {
		used, err := store.ContactUploadBytes(ctx, db, e.ana.ID)
		if err != nil {
			t.Fatal(err)
		}
		big := randomBytes(2*store.ChunkSize+12345, 1)
		exact := randomBytes(store.ChunkSize, 2)
		m, err := reply(spooled("big.bin", big), spooled("exact.bin", exact),
			store.Upload{Filename: "small.txt", ContentType: "text/plain", Data: []byte("small")},
			spooled("empty.txt", nil))
		if err != nil {
			t.Fatal(err)
		}
		want := [][]byte{big, exact, []byte("small"), {}}
		wantChunks := []int{3, 1, 1, 0}
		if len(m.Attachments) != len(want) {
			t.Fatalf("%d attachments", len(m.Attachments))
		}
		for i, a := range m.Attachments {
			got, err := store.ReadAttachment(db, a)
			if err != nil || !bytes.Equal(got, want[i]) || a.Size != int64(len(want[i])) {
				t.Errorf("%s: %d bytes back (size %d), want %d: %v", a.Filename, len(got), a.Size, len(want[i]), err)
			}
			if n := count(t, db, (*model.AttachmentChunk)(nil), "attachment_id = ?", a.ID); n != wantChunks[i] {
				t.Errorf("%s: %d chunks, want %d", a.Filename, n, wantChunks[i])
			}
		}
		after, err := store.ContactUploadBytes(ctx, db, e.ana.ID)
		if err != nil || after-used != int64(len(big)+len(exact)+len("small")) {
			t.Errorf("quota count moved from %d to %d, %v", used, after, err)
		}
	})

	t.Run("a storage failure part way leaves nothing", func(t *testing.T) {
		messages := count(t, db, (*model.Message)(nil), "")
		files := count(t, db, (*model.Attachment)(nil), "")
		parts := chunks()
		failing := store.Upload{Filename: "broken.bin", ContentType: "application/octet-stream", Size: 3 * store.ChunkSize,
			Open: func() (io.ReadCloser, error) {
				return io.NopCloser(&failingReader{left: store.ChunkSize + 100}), nil
			}}
		_, err := reply(spooled("first.bin", randomBytes(store.ChunkSize+1, 3)), failing)
		if err == nil || !strings.Contains(err.Error(), "disk read failed") {
			t.Fatalf("error %v, want the read failure", err)
		}
		if n := count(t, db, (*model.Message)(nil), ""); n != messages {
			t.Errorf("%d messages, was %d", n, messages)
		}
		if n := count(t, db, (*model.Attachment)(nil), ""); n != files {
			t.Errorf("%d attachments, was %d", n, files)
		}
		if n := chunks(); n != parts {
			t.Errorf("%d chunks, was %d", n, parts)
		}
	})

	t.Run("a file shorter than announced fails the reply", func(t *testing.T) {
		parts := chunks()
		short := spooled("short.bin", []byte("abc"))
		short.Size = 10
		if _, err := reply(short); err == nil {
			t.Fatal("stored a file shorter than its size")
		}
		if n := chunks(); n != parts {
			t.Errorf("%d chunks, was %d", n, parts)
		}
	})
}

// migrationsBefore is the migrations FS without name and those after it.
func migrationsBefore(t *testing.T, name string) fs.FS {
	t.Helper()
	all := testutil.Migrations(t)
	out := fstest.MapFS{}
	err := fs.WalkDir(all, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || path.Base(p) >= name {
			return err
		}
		b, err := fs.ReadFile(all, p)
		out[p] = &fstest.MapFile{Data: b}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestAttachmentChunksMigrationSQLite(t *testing.T) {
	t.Parallel()
	st, err := store.OpenSQLite(t.TempDir() + "/portico.db")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	testChunksMigration(t, st)
}

func TestAttachmentChunksMigrationPostgres(t *testing.T) {
	t.Parallel()
	st, err := store.Open(testutil.PostgresURL(t), "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	testChunksMigration(t, st)
}

// testChunksMigration stores files whole, as Portico did before chunks,
// and checks that the migration moves them into chunks unchanged and that
// its down migration puts them back.
func testChunksMigration(t *testing.T, st *store.Store) {
	ctx := context.Background()
	if _, err := st.Migrate(ctx, migrationsBefore(t, chunksMigration)); err != nil {
		t.Fatal(err)
	}
	e := loadDemoOld(t, st)
	files := map[string][]byte{
		"old-big.bin":   randomBytes(2*store.ChunkSize+7, 4),
		"old-exact.bin": randomBytes(store.ChunkSize, 5),
		"old-small.txt": []byte("line one\x00line two"),
		"old-empty.txt": {},
	}
	for name, data := range files {
		_, err := st.DB.ExecContext(ctx, `INSERT INTO attachments (message_id, ticket_id, storage_key, filename, content_type, size, data)
			VALUES (?, ?, ?, ?, 'application/octet-stream', ?, ?)`, e.messageID, e.ticketID, "k-"+name, name, len(data), data)
		if err != nil {
			t.Fatal(err)
		}
	}
	if _, err := st.Migrate(ctx, testutil.Migrations(t)); err != nil {
		t.Fatal(err)
	}
	check := func(stage string) {
		var atts []*model.Attachment
		if err := st.DB.NewSelect().Model(&atts).Where("filename LIKE 'old-%'").Scan(ctx); err != nil {
			t.Fatal(err)
		}
		if len(atts) != len(files) {
			t.Fatalf("%s: %d attachments", stage, len(atts))
		}
		for _, a := range atts {
			got, err := store.ReadAttachment(st.DB, a)
			if err != nil || !bytes.Equal(got, files[a.Filename]) {
				t.Errorf("%s: %s: %d bytes back, want %d: %v", stage, a.Filename, len(got), len(files[a.Filename]), err)
			}
		}
	}
	check("after the migration")

	// Down and up again: the files survive both ways.
	dir := "sqlite"
	if st.Postgres() {
		dir = "postgres"
	}
	down, err := os.ReadFile(testutil.Root(t) + "/db/migrations/" + dir + "/" + chunksMigration + ".down.sql")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.DB.ExecContext(ctx, string(down)); err != nil {
		t.Fatal(err)
	}
	for name, data := range files {
		var got []byte
		if err := st.DB.NewRaw("SELECT data FROM attachments WHERE filename = ?", name).Scan(ctx, &got); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, data) {
			t.Errorf("down: %s: %d bytes, want %d", name, len(got), len(data))
		}
	}
	if _, err := st.DB.ExecContext(ctx, "DELETE FROM bun_migrations WHERE name = ?", chunksMigration[:14]); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Migrate(ctx, testutil.Migrations(t)); err != nil {
		t.Fatal(err)
	}
	check("after down and up")
}

// oldEnv names a message to hang files on in a database at an older
// migration, where the demo can't load.
type oldEnv struct{ ticketID, messageID int64 }

func loadDemoOld(t *testing.T, st *store.Store) oldEnv {
	t.Helper()
	ctx := context.Background()
	stmts := []string{
		`INSERT INTO inboxes (name) VALUES ('Old inbox')`,
		`INSERT INTO pipelines (name) VALUES ('Old pipeline')`,
	}
	for _, s := range stmts {
		if _, err := st.DB.ExecContext(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	var e oldEnv
	var inbox, pipeline, stage int64
	if err := st.DB.NewRaw("SELECT id FROM inboxes").Scan(ctx, &inbox); err != nil {
		t.Fatal(err)
	}
	if err := st.DB.NewRaw("SELECT id FROM pipelines").Scan(ctx, &pipeline); err != nil {
		t.Fatal(err)
	}
	if _, err := st.DB.ExecContext(ctx, `INSERT INTO stages (pipeline_id, name, position) VALUES (?, 'Open', 1)`, pipeline); err != nil {
		t.Fatal(err)
	}
	if err := st.DB.NewRaw("SELECT id FROM stages").Scan(ctx, &stage); err != nil {
		t.Fatal(err)
	}
	if _, err := st.DB.ExecContext(ctx, `INSERT INTO tickets (subject, pipeline_id, stage_id, inbox_id) VALUES ('Old', ?, ?, ?)`, pipeline, stage, inbox); err != nil {
		t.Fatal(err)
	}
	if err := st.DB.NewRaw("SELECT id FROM tickets").Scan(ctx, &e.ticketID); err != nil {
		t.Fatal(err)
	}
	if _, err := st.DB.ExecContext(ctx, `INSERT INTO threads (ticket_id, inbox_id) VALUES (?, ?)`, e.ticketID, inbox); err != nil {
		t.Fatal(err)
	}
	var thread int64
	if err := st.DB.NewRaw("SELECT id FROM threads").Scan(ctx, &thread); err != nil {
		t.Fatal(err)
	}
	if _, err := st.DB.ExecContext(ctx, `INSERT INTO messages (thread_id, ticket_id, kind, direction, channel, body)
		VALUES (?, ?, 'public', 'incoming', 'portal', 'old')`, thread, e.ticketID); err != nil {
		t.Fatal(err)
	}
	if err := st.DB.NewRaw("SELECT id FROM messages").Scan(ctx, &e.messageID); err != nil {
		t.Fatal(err)
	}
	return e
}
