-- Account mail jobs: a password reset, a registration, a confirmation or
-- an invitation asked for in a request. The request only inserts the job,
-- the same way for a known and an unknown address; a worker does the
-- look-up, the token, the rendering and the outbox insert, and deletes the
-- job in the same transaction, so each job runs once and survives
-- restarts.
CREATE TABLE mail_jobs (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    kind             text NOT NULL,
    payload          text NOT NULL,
    attempts         integer NOT NULL DEFAULT 0,
    last_error       text NOT NULL DEFAULT '',
    next_attempt_at  TIMESTAMP NOT NULL DEFAULT current_timestamp,
    created_at       TIMESTAMP NOT NULL DEFAULT current_timestamp
);

--bun:split

CREATE INDEX mail_jobs_due_idx ON mail_jobs (next_attempt_at, id);
