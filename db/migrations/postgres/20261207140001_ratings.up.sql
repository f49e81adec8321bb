-- Satisfaction: every time a ticket's closed flag becomes true, a close
-- event is recorded by a trigger, so that every path that closes a ticket
-- (a stage change, a stage marked closed, a customer's "solved") opens a
-- new rating in the same transaction. A customer rates a close once; a new
-- close after a reopen starts a new rating.
CREATE TABLE ticket_closes (
    id          bigserial PRIMARY KEY,
    ticket_id   bigint NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    closed_at   timestamptz NOT NULL DEFAULT now(),
    invited_at  timestamptz
);
CREATE INDEX ticket_closes_ticket_idx ON ticket_closes (ticket_id, id);

--bun:split

CREATE TABLE ticket_ratings (
    id           bigserial PRIMARY KEY,
    close_id     bigint NOT NULL UNIQUE REFERENCES ticket_closes (id) ON DELETE CASCADE,
    ticket_id    bigint NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    contact_id   bigint REFERENCES contacts (id) ON DELETE SET NULL,
    owner_id     bigint REFERENCES staff_users (id) ON DELETE SET NULL,
    pipeline_id  bigint REFERENCES pipelines (id) ON DELETE SET NULL,
    score        text NOT NULL CHECK (score IN ('good', 'okay', 'bad')),
    comment      text NOT NULL DEFAULT '',
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ticket_ratings_created_idx ON ticket_ratings (created_at);
CREATE INDEX ticket_ratings_ticket_idx ON ticket_ratings (ticket_id);

--bun:split

CREATE FUNCTION portico_ticket_closed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO ticket_closes (ticket_id, closed_at) VALUES (NEW.id, now());
    RETURN NEW;
END
$$;

--bun:split

CREATE TRIGGER tickets_closed_event AFTER UPDATE OF closed ON tickets
    FOR EACH ROW WHEN (NEW.closed AND NOT OLD.closed) EXECUTE FUNCTION portico_ticket_closed();
