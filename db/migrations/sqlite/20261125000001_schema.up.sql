CREATE TABLE companies (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    name        text NOT NULL,
    domain      text NOT NULL DEFAULT '',
    created_at  TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX companies_name_idx ON companies (lower(name));

CREATE TABLE contacts (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    email              text NOT NULL,
    name               text NOT NULL DEFAULT '',
    password_hash      text NOT NULL DEFAULT '',
    company_id         INTEGER REFERENCES companies (id) ON DELETE SET NULL,
    language           text NOT NULL DEFAULT '',
    disabled           BOOLEAN NOT NULL DEFAULT 0,
    email_verified_at  TIMESTAMP,
    created_at         TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at         TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE UNIQUE INDEX contacts_email_key ON contacts (lower(email));
CREATE INDEX contacts_company_idx ON contacts (company_id);

CREATE TABLE contact_identities (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    contact_id  INTEGER NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    issuer      text NOT NULL,
    subject     text NOT NULL,
    email       text NOT NULL DEFAULT '',
    created_at  TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    UNIQUE (issuer, subject)
);
CREATE INDEX contact_identities_contact_idx ON contact_identities (contact_id);

CREATE TABLE lists (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    name        text NOT NULL,
    created_at  TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE list_members (
    list_id     INTEGER NOT NULL REFERENCES lists (id) ON DELETE CASCADE,
    contact_id  INTEGER NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    created_at  TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    PRIMARY KEY (list_id, contact_id)
);
CREATE INDEX list_members_contact_idx ON list_members (contact_id);

CREATE TABLE staff_users (
    id                   INTEGER PRIMARY KEY AUTOINCREMENT,
    email                text NOT NULL,
    name                 text NOT NULL DEFAULT '',
    password_hash        text NOT NULL DEFAULT '',
    role                 text NOT NULL CHECK (role IN ('admin', 'agent')),
    can_portal_settings  BOOLEAN NOT NULL DEFAULT 0,
    notify_opt_out       BOOLEAN NOT NULL DEFAULT 0,
    disabled             BOOLEAN NOT NULL DEFAULT 0,
    created_at           TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE UNIQUE INDEX staff_users_email_key ON staff_users (lower(email));

CREATE TABLE pipelines (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    name      text NOT NULL,
    position  integer NOT NULL DEFAULT 0
);

CREATE TABLE stages (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    pipeline_id  INTEGER NOT NULL REFERENCES pipelines (id) ON DELETE CASCADE,
    name         text NOT NULL,
    position     integer NOT NULL DEFAULT 0,
    is_closed    BOOLEAN NOT NULL DEFAULT 0
);
CREATE INDEX stages_pipeline_idx ON stages (pipeline_id, position);

CREATE TABLE inboxes (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    name        text NOT NULL,
    created_at  TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE tickets (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    subject           text NOT NULL,
    description       text NOT NULL DEFAULT '',
    pipeline_id       INTEGER NOT NULL REFERENCES pipelines (id),
    stage_id          INTEGER NOT NULL REFERENCES stages (id),
    closed            BOOLEAN NOT NULL DEFAULT 0,
    priority          text NOT NULL DEFAULT '',
    category          text NOT NULL DEFAULT '',
    source            text NOT NULL DEFAULT 'portal',
    inbox_id          INTEGER REFERENCES inboxes (id) ON DELETE SET NULL,
    owner_id          INTEGER REFERENCES staff_users (id) ON DELETE SET NULL,
    properties        TEXT NOT NULL DEFAULT '{}',
    created_at        TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    last_activity_at  TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX tickets_last_activity_idx ON tickets (last_activity_at DESC, id DESC);
CREATE INDEX tickets_stage_idx ON tickets (stage_id);
CREATE INDEX tickets_inbox_idx ON tickets (inbox_id, last_activity_at DESC);

-- Visibility: a contact's tickets, a company's tickets. The ticket id
-- comes second so that the index alone answers "which tickets".
CREATE TABLE ticket_contacts (
    ticket_id   INTEGER NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    contact_id  INTEGER NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    PRIMARY KEY (contact_id, ticket_id)
);
CREATE INDEX ticket_contacts_ticket_idx ON ticket_contacts (ticket_id);

CREATE TABLE ticket_companies (
    ticket_id   INTEGER NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    company_id  INTEGER NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    PRIMARY KEY (company_id, ticket_id)
);
CREATE INDEX ticket_companies_ticket_idx ON ticket_companies (ticket_id);

CREATE TABLE threads (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    ticket_id   INTEGER NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    inbox_id    INTEGER NOT NULL REFERENCES inboxes (id),
    created_at  TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX threads_ticket_idx ON threads (ticket_id, created_at DESC, id DESC);

CREATE TABLE messages (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    thread_id          INTEGER NOT NULL REFERENCES threads (id) ON DELETE CASCADE,
    ticket_id          INTEGER NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    kind               text NOT NULL CHECK (kind IN ('public', 'note', 'comment')),
    direction          text NOT NULL DEFAULT 'incoming',
    channel            text NOT NULL DEFAULT 'portal',
    author_contact_id  INTEGER REFERENCES contacts (id) ON DELETE SET NULL,
    author_staff_id    INTEGER REFERENCES staff_users (id) ON DELETE SET NULL,
    body               text NOT NULL,
    created_at         TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX messages_thread_idx ON messages (thread_id, created_at, id);
CREATE INDEX messages_ticket_idx ON messages (ticket_id);
CREATE INDEX messages_author_contact_idx ON messages (author_contact_id) WHERE author_contact_id IS NOT NULL;
-- Only public messages are ever searched from the portal, so only they
-- enter the full-text index.
CREATE VIRTUAL TABLE messages_fts USING fts5 (body, content = 'messages', content_rowid = 'id');

CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages WHEN new.kind = 'public' BEGIN
    INSERT INTO messages_fts (rowid, body) VALUES (new.id, new.body);
END;

CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages WHEN old.kind = 'public' BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, body) VALUES ('delete', old.id, old.body);
END;

CREATE TRIGGER messages_fts_update_old AFTER UPDATE ON messages WHEN old.kind = 'public' BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, body) VALUES ('delete', old.id, old.body);
END;

CREATE TRIGGER messages_fts_update_new AFTER UPDATE ON messages WHEN new.kind = 'public' BEGIN
    INSERT INTO messages_fts (rowid, body) VALUES (new.id, new.body);
END;

CREATE TABLE attachments (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    message_id    INTEGER NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    ticket_id     INTEGER NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    storage_key   text NOT NULL,
    filename      text NOT NULL,
    content_type  text NOT NULL,
    size          INTEGER NOT NULL,
    data          BLOB,
    created_at    TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX attachments_message_idx ON attachments (message_id);

CREATE TABLE forms (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    name               text NOT NULL,
    inbox_id           INTEGER NOT NULL REFERENCES inboxes (id),
    pipeline_id        INTEGER NOT NULL REFERENCES pipelines (id),
    fields             TEXT NOT NULL DEFAULT '[]',
    allow_attachments  BOOLEAN NOT NULL DEFAULT 1,
    created_at         TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE form_submissions (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    form_id          INTEGER NOT NULL REFERENCES forms (id) ON DELETE CASCADE,
    ticket_id        INTEGER NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    contact_id       INTEGER NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    idempotency_key  text NOT NULL UNIQUE,
    created_at       TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX form_submissions_contact_idx ON form_submissions (contact_id);

CREATE TABLE consent_versions (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    notice      text NOT NULL,
    label       text NOT NULL,
    created_at  TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE consent_records (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    contact_id   INTEGER NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    version_id   INTEGER NOT NULL REFERENCES consent_versions (id),
    ip           text NOT NULL DEFAULT '',
    accepted_at  TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX consent_records_contact_idx ON consent_records (contact_id);

CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    actor_type  text NOT NULL,
    actor_id    INTEGER,
    action      text NOT NULL,
    target      text NOT NULL DEFAULT '',
    before      text NOT NULL DEFAULT '',
    after       text NOT NULL DEFAULT '',
    ip          text NOT NULL DEFAULT '',
    created_at  TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX audit_log_created_idx ON audit_log (created_at DESC);

CREATE TABLE mail_outbox (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    kind             text NOT NULL,
    to_addr          text NOT NULL,
    to_name          text NOT NULL DEFAULT '',
    subject          text NOT NULL,
    text_body        text NOT NULL,
    html_body        text NOT NULL DEFAULT '',
    dedupe_key       text NOT NULL,
    status           text NOT NULL DEFAULT 'pending',
    attempts         integer NOT NULL DEFAULT 0,
    last_error       text NOT NULL DEFAULT '',
    next_attempt_at  TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    sent_at          TIMESTAMP,
    created_at       TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE UNIQUE INDEX mail_outbox_dedupe_key ON mail_outbox (dedupe_key);
CREATE INDEX mail_outbox_pending_idx ON mail_outbox (next_attempt_at) WHERE status = 'pending';

CREATE TABLE tokens (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    purpose     text NOT NULL,
    hash        text NOT NULL UNIQUE,
    contact_id  INTEGER REFERENCES contacts (id) ON DELETE CASCADE,
    staff_id    INTEGER REFERENCES staff_users (id) ON DELETE CASCADE,
    expires_at  TIMESTAMP NOT NULL,
    used_at     TIMESTAMP,
    created_at  TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE used_nonces (
    nonce       text PRIMARY KEY,
    expires_at  TIMESTAMP NOT NULL
);

CREATE TABLE portal_settings (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    data        TEXT NOT NULL,
    version     INTEGER NOT NULL DEFAULT 1,
    updated_at  TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);
