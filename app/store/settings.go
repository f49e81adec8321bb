package store

import (
	"context"
	"fmt"
	"slices"
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

// SettingsVersion returns the version of the saved settings, 0 when none
// are saved: one indexed row, read on every request so that a change on
// any instance applies at once.
func SettingsVersion(ctx context.Context, db bun.IDB) (int64, error) {
	var v int64
	err := db.NewSelect().Model((*model.PortalSettingsRow)(nil)).Column("version").Where("id = 1").Scan(ctx, &v)
	if err != nil && notFound(err, "") != ErrNotFound {
		return 0, fmt.Errorf("store: unable to read the settings version: %w", err)
	}
	return v, nil
}

// SaveSettings stores the settings and bumps their version. When the
// filter rules change, every ticket's hidden flag follows in the same
// transaction: run it in one.
func SaveSettings(ctx context.Context, db bun.IDB, s model.PortalSettings) (int64, error) {
	old, _, err := Settings(ctx, db)
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
