-- Visibility keys: the portal lists a contact's or a company's tickets by
-- walking its association rows in the order asked for, so the rows carry
-- copies of the ticket's sort and filter keys. The store writes them in the
-- same transaction as the ticket; `portico reindex` rebuilds them, and so
-- does the start-up that applies this migration.
--
-- Defaults keep rows written by plain SQL valid. A new row is hidden until
-- it is synced or reindexed, so that an import never shows a ticket that a
-- portal filter rule would hide.
ALTER TABLE tickets
    ADD COLUMN hidden boolean NOT NULL DEFAULT true,
    -- Who may see the ticket: contact IDs, and company IDs negated.
    ADD COLUMN access bigint[] NOT NULL DEFAULT '{}',
    -- The words of every public message, for portal search (the subject is
    -- matched by its trigrams). Notes and comments never enter it.
    ADD COLUMN search_doc tsvector NOT NULL DEFAULT ''::tsvector;

--bun:split

ALTER TABLE ticket_contacts
    ADD COLUMN hidden boolean NOT NULL DEFAULT true,
    ADD COLUMN closed boolean NOT NULL DEFAULT false,
    ADD COLUMN created_at timestamptz NOT NULL DEFAULT now(),
    ADD COLUMN last_activity_at timestamptz NOT NULL DEFAULT now(),
    ADD COLUMN subject_key text NOT NULL DEFAULT '',
    ADD COLUMN status_key text NOT NULL DEFAULT '';

--bun:split

ALTER TABLE ticket_companies
    ADD COLUMN hidden boolean NOT NULL DEFAULT true,
    ADD COLUMN closed boolean NOT NULL DEFAULT false,
    ADD COLUMN created_at timestamptz NOT NULL DEFAULT now(),
    ADD COLUMN last_activity_at timestamptz NOT NULL DEFAULT now(),
    ADD COLUMN subject_key text NOT NULL DEFAULT '',
    ADD COLUMN status_key text NOT NULL DEFAULT '';

--bun:split

-- One index per sort column, open and closed apart, hidden rows left out:
-- a page is a walk down one or two of them, a count an index-only scan.
CREATE INDEX ticket_contacts_by_id_idx ON ticket_contacts (contact_id, closed, ticket_id) WHERE NOT hidden;
CREATE INDEX ticket_contacts_by_activity_idx ON ticket_contacts (contact_id, closed, last_activity_at, ticket_id) WHERE NOT hidden;
CREATE INDEX ticket_contacts_by_created_idx ON ticket_contacts (contact_id, closed, created_at, ticket_id) WHERE NOT hidden;
CREATE INDEX ticket_contacts_by_subject_idx ON ticket_contacts (contact_id, closed, subject_key, ticket_id) WHERE NOT hidden;
CREATE INDEX ticket_contacts_by_status_idx ON ticket_contacts (contact_id, closed, status_key, ticket_id) WHERE NOT hidden;

--bun:split

CREATE INDEX ticket_companies_by_id_idx ON ticket_companies (company_id, closed, ticket_id) WHERE NOT hidden;
CREATE INDEX ticket_companies_by_activity_idx ON ticket_companies (company_id, closed, last_activity_at, ticket_id) WHERE NOT hidden;
CREATE INDEX ticket_companies_by_created_idx ON ticket_companies (company_id, closed, created_at, ticket_id) WHERE NOT hidden;
CREATE INDEX ticket_companies_by_subject_idx ON ticket_companies (company_id, closed, subject_key, ticket_id) WHERE NOT hidden;
CREATE INDEX ticket_companies_by_status_idx ON ticket_companies (company_id, closed, status_key, ticket_id) WHERE NOT hidden;

--bun:split

-- Portal search: who may see it, the subject's trigrams and the public
-- text in one index, so a search walks only the posting lists of the
-- viewer and of the words.
CREATE INDEX tickets_portal_search_idx ON tickets USING gin (access, subject gin_trgm_ops, search_doc) WHERE NOT hidden;
