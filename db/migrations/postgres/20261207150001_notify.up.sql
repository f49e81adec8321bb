-- Notification choices: a contact's default for ticket mail, the tickets
-- they muted, and the List-Unsubscribe address a ticket notification
-- carries in the outbox. Account mail (invitation, verification, password
-- reset) never reads these.
CREATE TABLE contact_notify_prefs (
    contact_id bigint PRIMARY KEY REFERENCES contacts (id) ON DELETE CASCADE,
    choice     text NOT NULL DEFAULT 'all',
    updated_at timestamptz NOT NULL DEFAULT now()
);

--bun:split

CREATE TABLE ticket_mutes (
    ticket_id  bigint NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    contact_id bigint NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (ticket_id, contact_id)
);

--bun:split

ALTER TABLE mail_outbox ADD COLUMN list_unsubscribe text NOT NULL DEFAULT '';
