package store

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/uptrace/bun"

	"portico/app/model"
)

// Settings returns the portal settings and their version. A database that
// has none yet answers the defaults with version 0.
func Settings(ctx context.Context, db bun.IDB) (model.PortalSettings, int64, error) {
	row := new(model.PortalSettingsRow)
	err := db.NewSelect().Model(row).Where("id = 1").Scan(ctx)
	if err != nil {
		if notFound(err, "") == ErrNotFound {
			return model.DefaultPortalSettings(), 0, nil
		}
		return model.PortalSettings{}, 0, fmt.Errorf("store: unable to load settings: %w", err)
	}
	return row.Data, row.Version, nil
}

// settingsForUpdate reads the settings under the row's lock on Postgres,
// so that syncs of tickets (which read the filter rules under a share
// lock) and a save of new rules take turns.
func settingsForUpdate(ctx context.Context, db bun.IDB) (model.PortalSettings, int64, error) {
	if !isPostgres(db) {
		return Settings(ctx, db)
	}
	row := new(model.PortalSettingsRow)
	err := db.NewSelect().Model(row).Where("id = 1").For("UPDATE").Scan(ctx)
	if err != nil {
		if notFound(err, "") == ErrNotFound {
			return model.DefaultPortalSettings(), 0, nil
		}
		return model.PortalSettings{}, 0, fmt.Errorf("store: unable to load settings: %w", err)
	}
	return row.Data, row.Version, nil
}

// SettingsVersion returns the version of the saved settings, 0 when none
// are saved: one indexed row, read on every request so that a change on
// any instance applies at once.
//
// The stamp is the version and the time of the save together: a database
// restored from an older dump may count versions again from lower down.
func (s *Store) SettingsVersion(ctx context.Context) (version int64, stamp string, err error) {
	var v []struct {
		Version int64  `bun:"settings_version"`
		Stamp   string `bun:"settings_stamp"`
	}
	if err := s.read(ctx, s.DB, &v, "SELECT "+settingsVersionColumns); err != nil {
		return 0, "", fmt.Errorf("store: unable to read the settings version: %w", err)
	}
	if len(v) == 0 {
		return 0, "", nil
	}
	return v[0].Version, settingsStamp(v[0].Version, v[0].Stamp), nil
}

// settingsVersionColumns read the settings' version and time of save, 0
// and "" when none are saved.
const settingsVersionColumns = "COALESCE((SELECT version FROM portal_settings WHERE id = 1), 0) AS settings_version, " +
	"COALESCE((SELECT CAST(updated_at AS TEXT) FROM portal_settings WHERE id = 1), '') AS settings_stamp"

func settingsStamp(version int64, saved string) string {
	if version == 0 && saved == "" {
		return ""
	}
	return strconv.FormatInt(version, 10) + "@" + saved
}

// SaveSettings stores the settings and bumps their version. When the
// filter rules change, every ticket's hidden flag follows in the same
// transaction: run it in one.
func SaveSettings(ctx context.Context, db bun.IDB, s model.PortalSettings) (int64, error) {
	old, _, err := settingsForUpdate(ctx, db)
	if err != nil {
		return 0, err
	}
	if !slices.EqualFunc(old.Filters, s.Filters, sameRule) {
		if err := refreshHidden(ctx, db, s.Filters); err != nil {
			return 0, err
		}
	}
	row := &model.PortalSettingsRow{ID: 1, Data: s, Version: 1, UpdatedAt: time.Now()}
	_, err = db.NewInsert().Model(row).
		On("CONFLICT (id) DO UPDATE").
		Set("data = EXCLUDED.data").
		Set("version = portal_settings_row.version + 1").
		Set("updated_at = EXCLUDED.updated_at").
		Returning("version").
		Exec(ctx, &row.Version)
	if err != nil {
		return 0, fmt.Errorf("store: unable to save settings: %w", err)
	}
	return row.Version, nil
}

func sameRule(a, b model.FilterRule) bool {
	return a.Property == b.Property && a.Operator == b.Operator && slices.Equal(a.Values, b.Values)
}

// AddAudit writes one audit log entry.
func AddAudit(ctx context.Context, db bun.IDB, e *model.AuditEntry) error {
	if _, err := db.NewInsert().Model(e).Exec(ctx); err != nil {
		return fmt.Errorf("store: unable to write audit entry: %w", err)
	}
	return nil
}

// ConsentVersion returns one consent version.
func ConsentVersion(ctx context.Context, db bun.IDB, id int64) (*model.ConsentVersion, error) {
	v := new(model.ConsentVersion)
	if err := db.NewSelect().Model(v).Where("id = ?", id).Scan(ctx); err != nil {
		return nil, notFound(err, "load consent version")
	}
	return v, nil
}

// AddConsentVersion stores a new version of the consent notice.
func AddConsentVersion(ctx context.Context, db bun.IDB, v *model.ConsentVersion) error {
	if _, err := db.NewInsert().Model(v).Exec(ctx); err != nil {
		return fmt.Errorf("store: unable to save consent version: %w", err)
	}
	return nil
}
