package store

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// ErrBackupPostgres is returned by Backup on Postgres, whose own tools
// make the backup.
var ErrBackupPostgres = errors.New(`store: portico backup copies the embedded SQLite database; on Postgres use pg_dump, e.g. pg_dump -Fc -f portico.dump "$PORTICO_DATABASE_URL"`)

// Backup writes a consistent copy of the SQLite database to path with
// VACUUM INTO, while other connections and processes go on reading and
// writing. It never overwrites a file: the copy is written beside path
// and linked into place only if nothing is there.
func (s *Store) Backup(ctx context.Context, path string) error {
	if s.Postgres() {
		return ErrBackupPostgres
	}
	if _, err := os.Lstat(path); err == nil {
		return fmt.Errorf("store: %s already exists; choose a new file name", path)
	} else if !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("store: backup: %w", err)
	}
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".partial-*")
	if err != nil {
		return fmt.Errorf("store: backup: %w", err)
	}
	tmp := f.Name()
	f.Close()
	// VACUUM INTO wants a file that does not exist or is empty.
	defer os.Remove(tmp)
	if _, err := s.DB.ExecContext(ctx, "VACUUM INTO ?", tmp); err != nil {
		return fmt.Errorf("store: unable to copy the database: %w", err)
	}
	if err := os.Link(tmp, path); err != nil {
		if errors.Is(err, os.ErrExist) {
			return fmt.Errorf("store: %s already exists; choose a new file name", path)
		}
		return fmt.Errorf("store: backup: %w", err)
	}
	return nil
}
