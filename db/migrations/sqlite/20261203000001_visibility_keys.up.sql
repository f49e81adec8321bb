-- Visibility keys: the portal lists a contact's or a company's tickets by
-- walking its association rows in the order asked for, so the rows carry
-- copies of the ticket's sort and filter keys. The store writes them in the
-- same transaction as the ticket; `portico reindex` rebuilds them, and so
-- does the start-up that applies this migration. A new row is hidden until
-- it is synced or reindexed, so that an import never shows a ticket that a
-- portal filter rule would hide.
ALTER TABLE tickets ADD COLUMN hidden BOOLEAN NOT NULL DEFAULT 1;

--bun:split

ALTER TABLE ticket_contacts ADD COLUMN hidden BOOLEAN NOT NULL DEFAULT 1;
ALTER TABLE ticket_contacts ADD COLUMN closed BOOLEAN NOT NULL DEFAULT 0;
ALTER TABLE ticket_contacts ADD COLUMN created_at TIMESTAMP NOT NULL DEFAULT '1970-01-01 00:00:00';
ALTER TABLE ticket_contacts ADD COLUMN last_activity_at TIMESTAMP NOT NULL DEFAULT '1970-01-01 00:00:00';
ALTER TABLE ticket_contacts ADD COLUMN subject_key text NOT NULL DEFAULT '';
ALTER TABLE ticket_contacts ADD COLUMN status_key text NOT NULL DEFAULT '';

--bun:split

ALTER TABLE ticket_companies ADD COLUMN hidden BOOLEAN NOT NULL DEFAULT 1;
ALTER TABLE ticket_companies ADD COLUMN closed BOOLEAN NOT NULL DEFAULT 0;
ALTER TABLE ticket_companies ADD COLUMN created_at TIMESTAMP NOT NULL DEFAULT '1970-01-01 00:00:00';
ALTER TABLE ticket_companies ADD COLUMN last_activity_at TIMESTAMP NOT NULL DEFAULT '1970-01-01 00:00:00';
ALTER TABLE ticket_companies ADD COLUMN subject_key text NOT NULL DEFAULT '';
ALTER TABLE ticket_companies ADD COLUMN status_key text NOT NULL DEFAULT '';

--bun:split

CREATE INDEX ticket_contacts_by_id_idx ON ticket_contacts (contact_id, closed, ticket_id) WHERE NOT hidden;
CREATE INDEX ticket_contacts_by_activity_idx ON ticket_contacts (contact_id, closed, last_activity_at, ticket_id) WHERE NOT hidden;
CREATE INDEX ticket_contacts_by_created_idx ON ticket_contacts (contact_id, closed, created_at, ticket_id) WHERE NOT hidden;
CREATE INDEX ticket_contacts_by_subject_idx ON ticket_contacts (contact_id, closed, subject_key, ticket_id) WHERE NOT hidden;
CREATE INDEX ticket_contacts_by_status_idx ON ticket_contacts (contact_id, closed, status_key, ticket_id) WHERE NOT hidden;
CREATE INDEX ticket_companies_by_id_idx ON ticket_companies (company_id, closed, ticket_id) WHERE NOT hidden;
CREATE INDEX ticket_companies_by_activity_idx ON ticket_companies (company_id, closed, last_activity_at, ticket_id) WHERE NOT hidden;
CREATE INDEX ticket_companies_by_created_idx ON ticket_companies (company_id, closed, created_at, ticket_id) WHERE NOT hidden;
CREATE INDEX ticket_companies_by_subject_idx ON ticket_companies (company_id, closed, subject_key, ticket_id) WHERE NOT hidden;
CREATE INDEX ticket_companies_by_status_idx ON ticket_companies (company_id, closed, status_key, ticket_id) WHERE NOT hidden;
