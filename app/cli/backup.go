package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

	"portico/app/config"
	"portico/app/store"
)

// backup writes a consistent copy of the embedded SQLite database to the
// one file named, while Portico may be serving from it. It neither
// migrates nor creates the database.
func backup(ctx context.Context, cfg *config.Config, args []string, log *slog.Logger) error {
	if len(args) != 1 || args[0] == "" {
		return errors.New("usage: portico backup FILE")
	}
	if cfg.DatabaseURL != "" {
		return store.ErrBackupPostgres
	}
	db := filepath.Join(cfg.DataDir, "portico.db")
	if _, err := os.Stat(db); err != nil {
		return fmt.Errorf("backup: no database at %s (PORTICO_DATA_DIR): %w", db, err)
	}
	st, err := store.OpenSQLite(db)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.Backup(ctx, args[0]); err != nil {
		return err
	}
	log.Info("backup written", "file", args[0])
	return nil
}
