-- Satisfaction: see the Postgres migration of the same name.
CREATE TABLE ticket_closes (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    ticket_id   INTEGER NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    closed_at   TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    invited_at  TIMESTAMP
);
CREATE INDEX ticket_closes_ticket_idx ON ticket_closes (ticket_id, id);

--bun:split

CREATE TABLE ticket_ratings (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    close_id     INTEGER NOT NULL UNIQUE REFERENCES ticket_closes (id) ON DELETE CASCADE,
    ticket_id    INTEGER NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    contact_id   INTEGER REFERENCES contacts (id) ON DELETE SET NULL,
    owner_id     INTEGER REFERENCES staff_users (id) ON DELETE SET NULL,
    pipeline_id  INTEGER REFERENCES pipelines (id) ON DELETE SET NULL,
    score        text NOT NULL CHECK (score IN ('good', 'okay', 'bad')),
    comment      text NOT NULL DEFAULT '',
    created_at   TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at   TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX ticket_ratings_created_idx ON ticket_ratings (created_at);
CREATE INDEX ticket_ratings_ticket_idx ON ticket_ratings (ticket_id);

--bun:split

CREATE TRIGGER tickets_closed_event AFTER UPDATE OF closed ON tickets
    FOR EACH ROW WHEN NEW.closed AND NOT OLD.closed
BEGIN
    INSERT INTO ticket_closes (ticket_id, closed_at) VALUES (NEW.id, CURRENT_TIMESTAMP);
END;
