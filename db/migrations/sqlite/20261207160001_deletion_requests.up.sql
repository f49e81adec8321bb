-- Deletion requests: see the Postgres migration of the same name.
CREATE TABLE deletion_requests (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    contact_id    INTEGER NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    ip            text NOT NULL DEFAULT '',
    requested_at  TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    erased_at     TIMESTAMP,
    erased_by     INTEGER REFERENCES staff_users (id) ON DELETE SET NULL
);

--bun:split

CREATE INDEX deletion_requests_contact_idx ON deletion_requests (contact_id);

--bun:split

CREATE INDEX deletion_requests_pending_idx ON deletion_requests (requested_at) WHERE erased_at IS NULL;
