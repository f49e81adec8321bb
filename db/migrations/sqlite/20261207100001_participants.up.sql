-- Participants: see the Postgres migration of the same name.
ALTER TABLE ticket_contacts ADD COLUMN shared BOOLEAN NOT NULL DEFAULT 0;
ALTER TABLE ticket_contacts ADD COLUMN added_by_contact_id INTEGER REFERENCES contacts (id) ON DELETE SET NULL;
ALTER TABLE ticket_contacts ADD COLUMN added_by_staff_id INTEGER REFERENCES staff_users (id) ON DELETE SET NULL;
ALTER TABLE ticket_contacts ADD COLUMN added_at TIMESTAMP;

--bun:split

DROP INDEX IF EXISTS ticket_contacts_by_id_idx;
DROP INDEX IF EXISTS ticket_contacts_by_activity_idx;
DROP INDEX IF EXISTS ticket_contacts_by_created_idx;
DROP INDEX IF EXISTS ticket_contacts_by_subject_idx;
DROP INDEX IF EXISTS ticket_contacts_by_status_idx;
CREATE INDEX ticket_contacts_by_id_idx ON ticket_contacts (contact_id, closed, ticket_id) WHERE NOT hidden AND NOT shared;
CREATE INDEX ticket_contacts_by_activity_idx ON ticket_contacts (contact_id, closed, last_activity_at, ticket_id) WHERE NOT hidden AND NOT shared;
CREATE INDEX ticket_contacts_by_created_idx ON ticket_contacts (contact_id, closed, created_at, ticket_id) WHERE NOT hidden AND NOT shared;
CREATE INDEX ticket_contacts_by_subject_idx ON ticket_contacts (contact_id, closed, subject_key, ticket_id) WHERE NOT hidden AND NOT shared;
CREATE INDEX ticket_contacts_by_status_idx ON ticket_contacts (contact_id, closed, status_key, ticket_id) WHERE NOT hidden AND NOT shared;

--bun:split

CREATE INDEX ticket_contacts_shared_idx ON ticket_contacts (contact_id, ticket_id) WHERE shared;
