DROP INDEX IF EXISTS tickets_portal_search_idx;

--bun:split

ALTER TABLE ticket_companies DROP COLUMN IF EXISTS hidden, DROP COLUMN IF EXISTS closed, DROP COLUMN IF EXISTS created_at,
    DROP COLUMN IF EXISTS last_activity_at, DROP COLUMN IF EXISTS subject_key, DROP COLUMN IF EXISTS status_key;

--bun:split

ALTER TABLE ticket_contacts DROP COLUMN IF EXISTS hidden, DROP COLUMN IF EXISTS closed, DROP COLUMN IF EXISTS created_at,
    DROP COLUMN IF EXISTS last_activity_at, DROP COLUMN IF EXISTS subject_key, DROP COLUMN IF EXISTS status_key;

--bun:split

ALTER TABLE tickets DROP COLUMN IF EXISTS hidden, DROP COLUMN IF EXISTS access, DROP COLUMN IF EXISTS search_doc;
