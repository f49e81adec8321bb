package store

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"

	"portico/app/model"
)

// ChunkSize is the most bytes of an attachment one row holds. Files are
// written and read one chunk at a time, so that memory stays bounded
// whatever their size.
const ChunkSize = 256 << 10

// Upload is a file to attach to a new message: either a small one in
// Data, or one that Open reads from start to end, of Size bytes (a file
// spooled to disk by the request parser).
type Upload struct {
	Filename    string
	ContentType string
	Data        []byte
	Open        func() (io.ReadCloser, error)
	Size        int64
}

// size is the upload's length in bytes.
func (u Upload) size() int64 {
	if u.Open != nil {
		return u.Size
	}
	return int64(len(u.Data))
}

// open reads the upload's bytes.
func (u Upload) open() (io.ReadCloser, error) {
	if u.Open != nil {
		return u.Open()
	}
	return io.NopCloser(bytes.NewReader(u.Data)), nil
}

// saveAttachment stores one file of a message, in chunks. Run it in the
// message's transaction: a failure part way leaves nothing once that
// rolls back.
func saveAttachment(ctx context.Context, db bun.IDB, m *model.Message, f Upload) (*model.Attachment, error) {
	a := &model.Attachment{
		MessageID: m.ID, TicketID: m.TicketID, StorageKey: randomKey(),
		Filename: f.Filename, ContentType: f.ContentType, Size: f.size(),
	}
	if _, err := db.NewInsert().Model(a).Exec(ctx); err != nil {
		return nil, fmt.Errorf("store: unable to save attachment: %w", err)
	}
	r, err := f.open()
	if err != nil {
		return nil, fmt.Errorf("store: unable to read upload: %w", err)
	}
	defer r.Close()
	insert := chunkInserter(db)
	buf := make([]byte, min(ChunkSize, max(a.Size, 1)))
	var written int64
	for seq := 0; ; seq++ {
		n, rerr := io.ReadFull(r, buf)
		if n > 0 {
			if err := insert(ctx, &model.AttachmentChunk{AttachmentID: a.ID, Seq: seq, Data: buf[:n]}); err != nil {
				return nil, fmt.Errorf("store: unable to save attachment chunk: %w", err)
			}
			written += int64(n)
		}
		if errors.Is(rerr, io.EOF) || errors.Is(rerr, io.ErrUnexpectedEOF) {
			break
		}
		if rerr != nil {
			return nil, fmt.Errorf("store: unable to read upload: %w", rerr)
		}
	}
	if written != a.Size {
		return nil, fmt.Errorf("store: upload %q has %d bytes, announced %d", a.Filename, written, a.Size)
	}
	return a, nil
}

// chunkInserter returns how to insert a chunk. On SQLite the bytes are
// bound as an argument of the statement: bun would write them into its
// text as hex for SQLite to parse back, three times slower, and a write
// transaction holds SQLite's one write lock while it runs.
func chunkInserter(db bun.IDB) func(context.Context, *model.AttachmentChunk) error {
	var exec func(ctx context.Context, query string, args ...any) (sql.Result, error)
	if db.Dialect().Name() == dialect.SQLite {
		switch d := db.(type) {
		case bun.Tx:
			exec = d.Tx.ExecContext
		case *bun.DB:
			exec = d.DB.ExecContext
		case bun.Conn:
			exec = d.Conn.ExecContext
		}
	}
	if exec == nil {
		return func(ctx context.Context, c *model.AttachmentChunk) error {
			_, err := db.NewInsert().Model(c).Exec(ctx)
			return err
		}
	}
	return func(ctx context.Context, c *model.AttachmentChunk) error {
		_, err := exec(ctx, "INSERT INTO attachment_chunks (attachment_id, seq, data) VALUES (?, ?, ?)", c.AttachmentID, c.Seq, c.Data)
		return err
	}
}

// OpenAttachment reads an attachment's bytes one chunk at a time, each
// with a query of its own, so that a download holds one chunk in memory.
// Chunks never change once written, so no transaction is needed.
func OpenAttachment(db bun.IDB, a *model.Attachment) io.ReadCloser {
	return &chunkReader{db: db, id: a.ID, left: a.Size}
}

type chunkReader struct {
	db   bun.IDB
	id   int64
	seq  int
	left int64 // bytes not yet read
	buf  []byte
}

// Read implements io.Reader.
func (r *chunkReader) Read(p []byte) (int, error) {
	if len(r.buf) == 0 {
		if r.left <= 0 {
			return 0, io.EOF
		}
		// A download may outlive its request's context: each chunk gets
		// its own deadline instead.
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		var data []byte
		err := r.db.NewSelect().Model((*model.AttachmentChunk)(nil)).Column("data").
			Where("attachment_id = ?", r.id).Where("seq = ?", r.seq).Scan(ctx, &data)
		if err != nil {
			return 0, fmt.Errorf("store: unable to read attachment %d chunk %d: %w", r.id, r.seq, err)
		}
		if len(data) == 0 || int64(len(data)) > r.left {
			return 0, fmt.Errorf("store: attachment %d chunk %d has %d bytes, %d left", r.id, r.seq, len(data), r.left)
		}
		r.seq++
		r.left -= int64(len(data))
		r.buf = data
	}
	n := copy(p, r.buf)
	r.buf = r.buf[n:]
	return n, nil
}

// Close implements io.Closer.
func (r *chunkReader) Close() error { r.buf, r.left = nil, 0; return nil }

// ReadAttachment returns an attachment's bytes whole: for small files and
// tests only.
func ReadAttachment(db bun.IDB, a *model.Attachment) ([]byte, error) {
	r := OpenAttachment(db, a)
	defer r.Close()
	return io.ReadAll(r)
}

// ContactUploadBytes is how many bytes of attachments a contact's own
// messages hold, for the upload quota.
func ContactUploadBytes(ctx context.Context, db bun.IDB, contactID int64) (int64, error) {
	var n int64
	err := db.NewSelect().Model((*model.Attachment)(nil)).ColumnExpr("coalesce(sum(attachment.size), 0)").
		Join("JOIN messages AS m ON m.id = attachment.message_id").
		Where("m.author_contact_id = ?", contactID).Scan(ctx, &n)
	if err != nil {
		return 0, fmt.Errorf("store: unable to sum a contact's attachments: %w", err)
	}
	return n, nil
}
