-- A customer's request that their account be deleted, until an admin
-- erases it (erased_at).
CREATE TABLE deletion_requests (
    id            bigserial PRIMARY KEY,
    contact_id    bigint NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    ip            text NOT NULL DEFAULT '',
    requested_at  timestamptz NOT NULL DEFAULT now(),
    erased_at     timestamptz,
    erased_by     bigint REFERENCES staff_users (id) ON DELETE SET NULL
);

--bun:split

CREATE INDEX deletion_requests_contact_idx ON deletion_requests (contact_id);

--bun:split

CREATE INDEX deletion_requests_pending_idx ON deletion_requests (requested_at) WHERE erased_at IS NULL;
