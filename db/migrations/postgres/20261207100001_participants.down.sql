DROP INDEX IF EXISTS ticket_contacts_shared_idx;

--bun:split

DELETE FROM ticket_contacts WHERE shared;

--bun:split

DROP INDEX IF EXISTS ticket_contacts_by_id_idx;
DROP INDEX IF EXISTS ticket_contacts_by_activity_idx;
DROP INDEX IF EXISTS ticket_contacts_by_created_idx;
DROP INDEX IF EXISTS ticket_contacts_by_subject_idx;
DROP INDEX IF EXISTS ticket_contacts_by_status_idx;
CREATE INDEX ticket_contacts_by_id_idx ON ticket_contacts (contact_id, closed, ticket_id) WHERE NOT hidden;
CREATE INDEX ticket_contacts_by_activity_idx ON ticket_contacts (contact_id, closed, last_activity_at, ticket_id) WHERE NOT hidden;
CREATE INDEX ticket_contacts_by_created_idx ON ticket_contacts (contact_id, closed, created_at, ticket_id) WHERE NOT hidden;
CREATE INDEX ticket_contacts_by_subject_idx ON ticket_contacts (contact_id, closed, subject_key, ticket_id) WHERE NOT hidden;
CREATE INDEX ticket_contacts_by_status_idx ON ticket_contacts (contact_id, closed, status_key, ticket_id) WHERE NOT hidden;

--bun:split

ALTER TABLE ticket_contacts DROP COLUMN IF EXISTS shared, DROP COLUMN IF EXISTS added_by_contact_id,
    DROP COLUMN IF EXISTS added_by_staff_id, DROP COLUMN IF EXISTS added_at;
