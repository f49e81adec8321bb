-- Notification choices: see the Postgres migration of the same name.
CREATE TABLE contact_notify_prefs (
    contact_id INTEGER PRIMARY KEY REFERENCES contacts (id) ON DELETE CASCADE,
    choice     text NOT NULL DEFAULT 'all',
    updated_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);

--bun:split

CREATE TABLE ticket_mutes (
    ticket_id  INTEGER NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    contact_id INTEGER NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    PRIMARY KEY (ticket_id, contact_id)
);

--bun:split

ALTER TABLE mail_outbox ADD COLUMN list_unsubscribe text NOT NULL DEFAULT '';
