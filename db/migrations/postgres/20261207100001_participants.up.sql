-- Participants: a contact with whom a ticket is shared is one more
-- visibility row of the ticket, marked shared, so that the one visibility
-- function, the access list and search admit them with no second path.
-- Who added them, and when, is shown in the "who can see this" panel.
ALTER TABLE ticket_contacts
    ADD COLUMN shared boolean NOT NULL DEFAULT false,
    ADD COLUMN added_by_contact_id bigint REFERENCES contacts (id) ON DELETE SET NULL,
    ADD COLUMN added_by_staff_id bigint REFERENCES staff_users (id) ON DELETE SET NULL,
    ADD COLUMN added_at timestamptz;

--bun:split

-- "My tickets" leaves shared rows out: its walks and counts use these
-- indexes only when their condition says so too.
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

-- A contact is shared on few tickets: "Shared with me" reads them all
-- from this small index and sorts them.
CREATE INDEX ticket_contacts_shared_idx ON ticket_contacts (contact_id, ticket_id) WHERE shared;
