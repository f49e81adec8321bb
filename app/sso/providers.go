package sso

import (
	"context"
	"fmt"

	"github.com/uptrace/bun"

	"portico/app/store"
)

// SaveProvider stores the provider (a new one when its ID is 0) with its
// secrets sealed. Secrets are write-only: a name given with "" keeps the
// stored value, so a form that never shows them can be saved as is.
func (s *Service) SaveProvider(ctx context.Context, p *Provider, secrets map[string]string) error {
	return s.Store.DB.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		kept := map[string]string{}
		if p.ID == 0 {
			p.Secrets = ""
			if err := store.SaveSSOProvider(ctx, tx, p); err != nil {
				return err
			}
		} else {
			old, err := store.SSOProvider(ctx, tx, p.ID)
			if err != nil {
				return err
			}
			if kept, err = s.seal.open(old.ID, old.Secrets); err != nil {
				return fmt.Errorf("sso: unable to keep the stored secrets: %w", err)
			}
		}
		for k, v := range secrets {
			if v != "" {
				kept[k] = v
			}
		}
		if err := s.SealSecrets(p, kept); err != nil {
			return err
		}
		return store.SaveSSOProvider(ctx, tx, p)
	})
}

// HasSecret tells whether the provider has a stored secret of the name,
// for the form's "stored; leave empty to keep" hint.
func (s *Service) HasSecret(p *Provider, name string) bool {
	sec, err := s.Secrets(p)
	return err == nil && sec[name] != ""
}
