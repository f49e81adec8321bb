package web

import (
	"os"
	"testing"

	"portico/app/store"
	"portico/app/testutil"
)

// The back office's records: contacts, companies, lists, pipelines and
// stages, inboxes and support forms, on both dialects. Every subtest
// builds its own server on a fresh database with the demo data.

func TestAdminRecordsSQLite(t *testing.T) {
	recSuite(t, func(t *testing.T) *store.Store { return testutil.SQLite(t) })
}

func TestAdminRecordsPostgres(t *testing.T) {
	if os.Getenv("PORTICO_TEST_DATABASE_URL") == "" {
		testutil.Unavailable(t, "postgres", "PORTICO_TEST_DATABASE_URL is not set")
	}
	recSuite(t, func(t *testing.T) *store.Store { return testutil.Postgres(t) })
}

func recSuite(t *testing.T, newStore func(*testing.T) *store.Store) {
	tests := []struct {
		name string
		run  func(*testing.T, *harness)
	}{
		{"PagesAndAccess", testRecPages},
		{"ContactCreate", testRecContactCreate},
		{"ContactEdit", testRecContactEdit},
		{"ContactSearch", testRecContactSearch},
		{"ContactInPortalAtOnce", testRecContactPortal},
		{"ContactTimeline", testRecContactTimeline},
		{"ContactLists", testRecContactLists},
		{"Companies", testRecCompanies},
		{"Lists", testRecLists},
		{"Pipelines", testRecPipelines},
		{"StageClosed", testRecStageClosed},
		{"StageWaiting", testRecStageWaiting},
		{"Inboxes", testRecInboxes},
		{"FormBuilder", testRecFormBuilder},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.run(t, newHarnessOn(t, newStore(t)))
		})
	}
}

// ---------------------------------------------------------------------------
// Helpers. Names start with "rec" so as not to collide with other tests.

// ---------------------------------------------------------------------------
