package store_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"portico/app/model"
	"portico/app/store"
	"portico/app/testutil"
)

func eachDB(t *testing.T, fn func(t *testing.T, st *store.Store)) {
	t.Run("sqlite", func(t *testing.T) { fn(t, testutil.SQLite(t)) })
	t.Run("postgres", func(t *testing.T) { fn(t, testutil.Postgres(t)) })
}

// A one-time value is accepted once, even when two callers race for it,
// and again only after it expired.
func TestUseOnce(t *testing.T) {
	eachDB(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		until := time.Now().Add(time.Minute)
		if err := store.UseOnce(ctx, st.DB, "jti", "abc", until); err != nil {
			t.Fatal(err)
		}
		if err := store.UseOnce(ctx, st.DB, "jti", "abc", until); !errors.Is(err, store.ErrReplay) {
			t.Fatalf("second use: %v, want ErrReplay", err)
		}
		// Another kind is another namespace.
		if err := store.UseOnce(ctx, st.DB, "state", "abc", until); err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		results := make(chan error, 8)
		for range 8 {
			wg.Add(1)
			go func() { defer wg.Done(); results <- store.UseOnce(ctx, st.DB, "nonce", "race", until) }()
		}
		wg.Wait()
		close(results)
		ok := 0
		for err := range results {
			switch {
			case err == nil:
				ok++
			case !errors.Is(err, store.ErrReplay):
				t.Fatal(err)
			}
		}
		if ok != 1 {
			t.Fatalf("%d racing uses accepted, want 1", ok)
		}
		past := time.Now().Add(-time.Second)
		if err := store.UseOnce(ctx, st.DB, "jti", "old", past); err != nil {
			t.Fatal(err)
		}
		if err := store.UseOnce(ctx, st.DB, "jti", "old", until); err != nil {
			t.Fatalf("reuse after expiry: %v", err)
		}
	})
}

// Providers are stored, found by slug, listed, and removed.
func TestSSOProviders(t *testing.T) {
	eachDB(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		p := &model.SSOProvider{Slug: "okta", Kind: model.SSOKindOIDC, Name: "Okta", Options: `{"issuer":"x"}`}
		if err := store.SaveSSOProvider(ctx, st.DB, p); err != nil {
			t.Fatal(err)
		}
		p.Enabled = true
		if err := store.SaveSSOProvider(ctx, st.DB, p); err != nil {
			t.Fatal(err)
		}
		got, err := store.SSOProviderBySlug(ctx, st.DB, "okta")
		if err != nil || !got.Enabled || got.Options != `{"issuer":"x"}` || got.CompanyMap != "{}" {
			t.Fatalf("got %+v, %v", got, err)
		}
		if taken, _ := store.SSOSlugTaken(ctx, st.DB, "okta", 0); !taken {
			t.Fatal("slug not taken")
		}
		if on, _ := store.EnabledSSOProviders(ctx, st.DB); len(on) != 1 {
			t.Fatalf("enabled: %d", len(on))
		}
		if err := store.DeleteSSOProvider(ctx, st.DB, p.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := store.SSOProviderBySlug(ctx, st.DB, "okta"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("after delete: %v", err)
		}
	})
}
