package store

import (
	"context"
	"testing"
	"time"

	"github.com/uptrace/bun"

	"portico/app/model"
)

// The instance's own writes to contacts, companies and settings forget
// the kept contacts; its reads, and writes to other tables, do not.
func TestAccountWritesForget(t *testing.T) {
	for q, want := range map[string]bool{
		`UPDATE "contacts" AS "contact" SET "name" = 'x' WHERE (contact.id = 1)`: true,
		`INSERT INTO "companies" ("name", "domain") VALUES ('a', 'b')`:           true,
		"DELETE FROM contacts WHERE id = 3":                                      true,
		"  (WITH gone AS (SELECT 1) UPDATE contacts SET company_id = NULL)":      true,
		"TRUNCATE TABLE portal_settings":                                         true,
		"update ONLY contacts set disabled = true":                               true,
		"insert into portal_settings (id, data) values (1, '{}')":                true,
		"UPDATE ticket_contacts SET hidden = true":                               false,
		"INSERT INTO contact_identities (contact_id) VALUES (1)":                 false,
		"DELETE FROM ticket_companies WHERE company_id = 2":                      false,
		// Text that reads like such a write forgets too: more than needed,
		// never less.
		"UPDATE tickets SET subject = 'update contacts'": true,
		"SELECT * FROM contacts FOR UPDATE":              false,
		"select 'DELETE FROM contacts'":                  false,
	} {
		c := &accountCache{live: true}
		before := c.begin()
		accountWrites{c}.AfterQuery(context.Background(), &bun.QueryEvent{Query: q})
		if got := c.begin() != before; got != want {
			t.Errorf("%q forgets: %v, want %v", q, got, want)
		}
		if !c.isLive() {
			t.Errorf("%q stopped the keeping", q)
		}
	}
}

// A contact is kept no longer than keepFor, whatever is heard.
func TestKeptContactsExpire(t *testing.T) {
	c := &accountCache{live: true}
	c.put(c.begin(), &model.Contact{ID: 7, Name: "Ana"}, 1, "s")
	if ct, _, _, ok := c.get(7); !ok || ct.Name != "Ana" {
		t.Fatalf("not kept: %v %v", ct, ok)
	}
	e := c.m[7]
	e.at = time.Now().Add(-keepFor - time.Second)
	c.m[7] = e
	if ct, _, _, ok := c.get(7); ok {
		t.Errorf("kept past keepFor: %+v", ct)
	}
}
