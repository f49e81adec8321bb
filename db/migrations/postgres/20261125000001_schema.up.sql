CREATE EXTENSION IF NOT EXISTS pg_trgm;

--bun:split

CREATE TABLE companies (
    id          bigserial PRIMARY KEY,
    name        text NOT NULL,
    domain      text NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX companies_name_idx ON companies (lower(name));

CREATE TABLE contacts (
    id                 bigserial PRIMARY KEY,
    email              text NOT NULL,
    name               text NOT NULL DEFAULT '',
    password_hash      text NOT NULL DEFAULT '',
    company_id         bigint REFERENCES companies (id) ON DELETE SET NULL,
    language           text NOT NULL DEFAULT '',
    disabled           boolean NOT NULL DEFAULT false,
    email_verified_at  timestamptz,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX contacts_email_key ON contacts (lower(email));
CREATE INDEX contacts_company_idx ON contacts (company_id);

CREATE TABLE contact_identities (
    id          bigserial PRIMARY KEY,
    contact_id  bigint NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    issuer      text NOT NULL,
    subject     text NOT NULL,
    email       text NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (issuer, subject)
);
CREATE INDEX contact_identities_contact_idx ON contact_identities (contact_id);

CREATE TABLE lists (
    id          bigserial PRIMARY KEY,
    name        text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE list_members (
    list_id     bigint NOT NULL REFERENCES lists (id) ON DELETE CASCADE,
    contact_id  bigint NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (list_id, contact_id)
);
CREATE INDEX list_members_contact_idx ON list_members (contact_id);

CREATE TABLE staff_users (
    id                   bigserial PRIMARY KEY,
    email                text NOT NULL,
    name                 text NOT NULL DEFAULT '',
    password_hash        text NOT NULL DEFAULT '',
    role                 text NOT NULL CHECK (role IN ('admin', 'agent')),
    can_portal_settings  boolean NOT NULL DEFAULT false,
    notify_opt_out       boolean NOT NULL DEFAULT false,
    disabled             boolean NOT NULL DEFAULT false,
    created_at           timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX staff_users_email_key ON staff_users (lower(email));

CREATE TABLE pipelines (
    id        bigserial PRIMARY KEY,
    name      text NOT NULL,
    position  integer NOT NULL DEFAULT 0
);

CREATE TABLE stages (
    id           bigserial PRIMARY KEY,
    pipeline_id  bigint NOT NULL REFERENCES pipelines (id) ON DELETE CASCADE,
    name         text NOT NULL,
    position     integer NOT NULL DEFAULT 0,
    is_closed    boolean NOT NULL DEFAULT false
);
CREATE INDEX stages_pipeline_idx ON stages (pipeline_id, position);

CREATE TABLE inboxes (
    id          bigserial PRIMARY KEY,
    name        text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE tickets (
    id                bigserial PRIMARY KEY,
    subject           text NOT NULL,
    description       text NOT NULL DEFAULT '',
    pipeline_id       bigint NOT NULL REFERENCES pipelines (id),
    stage_id          bigint NOT NULL REFERENCES stages (id),
    closed            boolean NOT NULL DEFAULT false,
    priority          text NOT NULL DEFAULT '',
    category          text NOT NULL DEFAULT '',
    source            text NOT NULL DEFAULT 'portal',
    inbox_id          bigint REFERENCES inboxes (id) ON DELETE SET NULL,
    owner_id          bigint REFERENCES staff_users (id) ON DELETE SET NULL,
    properties        jsonb NOT NULL DEFAULT '{}',
    created_at        timestamptz NOT NULL DEFAULT now(),
    last_activity_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX tickets_last_activity_idx ON tickets (last_activity_at DESC, id DESC);
CREATE INDEX tickets_stage_idx ON tickets (stage_id);
CREATE INDEX tickets_inbox_idx ON tickets (inbox_id, last_activity_at DESC);
CREATE INDEX tickets_subject_trgm_idx ON tickets USING gin (subject gin_trgm_ops);
CREATE INDEX tickets_id_text_trgm_idx ON tickets USING gin ((id::text) gin_trgm_ops);

-- Visibility: a contact's tickets, a company's tickets. The ticket id
-- comes second so that the index alone answers "which tickets".
CREATE TABLE ticket_contacts (
    ticket_id   bigint NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    contact_id  bigint NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    PRIMARY KEY (contact_id, ticket_id)
);
CREATE INDEX ticket_contacts_ticket_idx ON ticket_contacts (ticket_id);

CREATE TABLE ticket_companies (
    ticket_id   bigint NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    company_id  bigint NOT NULL REFERENCES companies (id) ON DELETE CASCADE,
    PRIMARY KEY (company_id, ticket_id)
);
CREATE INDEX ticket_companies_ticket_idx ON ticket_companies (ticket_id);

CREATE TABLE threads (
    id          bigserial PRIMARY KEY,
    ticket_id   bigint NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    inbox_id    bigint NOT NULL REFERENCES inboxes (id),
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX threads_ticket_idx ON threads (ticket_id, created_at DESC, id DESC);

CREATE TABLE messages (
    id                 bigserial PRIMARY KEY,
    thread_id          bigint NOT NULL REFERENCES threads (id) ON DELETE CASCADE,
    ticket_id          bigint NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    kind               text NOT NULL CHECK (kind IN ('public', 'note', 'comment')),
    direction          text NOT NULL DEFAULT 'incoming',
    channel            text NOT NULL DEFAULT 'portal',
    author_contact_id  bigint REFERENCES contacts (id) ON DELETE SET NULL,
    author_staff_id    bigint REFERENCES staff_users (id) ON DELETE SET NULL,
    body               text NOT NULL,
    created_at         timestamptz NOT NULL DEFAULT now(),
    search             tsvector GENERATED ALWAYS AS (to_tsvector('simple', body)) STORED
);
CREATE INDEX messages_thread_idx ON messages (thread_id, created_at, id);
CREATE INDEX messages_ticket_idx ON messages (ticket_id);
CREATE INDEX messages_author_contact_idx ON messages (author_contact_id) WHERE author_contact_id IS NOT NULL;
-- Only public messages are ever searched from the portal.
CREATE INDEX messages_search_idx ON messages USING gin (search) WHERE kind = 'public';

CREATE TABLE attachments (
    id            bigserial PRIMARY KEY,
    message_id    bigint NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    ticket_id     bigint NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    storage_key   text NOT NULL,
    filename      text NOT NULL,
    content_type  text NOT NULL,
    size          bigint NOT NULL,
    data          bytea,
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX attachments_message_idx ON attachments (message_id);

CREATE TABLE forms (
    id                 bigserial PRIMARY KEY,
    name               text NOT NULL,
    inbox_id           bigint NOT NULL REFERENCES inboxes (id),
    pipeline_id        bigint NOT NULL REFERENCES pipelines (id),
    fields             jsonb NOT NULL DEFAULT '[]',
    allow_attachments  boolean NOT NULL DEFAULT true,
    created_at         timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE form_submissions (
    id               bigserial PRIMARY KEY,
    form_id          bigint NOT NULL REFERENCES forms (id) ON DELETE CASCADE,
    ticket_id        bigint NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    contact_id       bigint NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    idempotency_key  text NOT NULL UNIQUE,
    created_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX form_submissions_contact_idx ON form_submissions (contact_id);

CREATE TABLE consent_versions (
    id          bigserial PRIMARY KEY,
    notice      text NOT NULL,
    label       text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE consent_records (
    id           bigserial PRIMARY KEY,
    contact_id   bigint NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    version_id   bigint NOT NULL REFERENCES consent_versions (id),
    ip           text NOT NULL DEFAULT '',
    accepted_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX consent_records_contact_idx ON consent_records (contact_id);

CREATE TABLE audit_log (
    id          bigserial PRIMARY KEY,
    actor_type  text NOT NULL,
    actor_id    bigint,
    action      text NOT NULL,
    target      text NOT NULL DEFAULT '',
    before      text NOT NULL DEFAULT '',
    after       text NOT NULL DEFAULT '',
    ip          text NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX audit_log_created_idx ON audit_log (created_at DESC);

CREATE TABLE mail_outbox (
    id               bigserial PRIMARY KEY,
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
    next_attempt_at  timestamptz NOT NULL DEFAULT now(),
    sent_at          timestamptz,
    created_at       timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX mail_outbox_dedupe_key ON mail_outbox (dedupe_key);
CREATE INDEX mail_outbox_pending_idx ON mail_outbox (next_attempt_at) WHERE status = 'pending';

CREATE TABLE tokens (
    id          bigserial PRIMARY KEY,
    purpose     text NOT NULL,
    hash        text NOT NULL UNIQUE,
    contact_id  bigint REFERENCES contacts (id) ON DELETE CASCADE,
    staff_id    bigint REFERENCES staff_users (id) ON DELETE CASCADE,
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz,
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE used_nonces (
    nonce       text PRIMARY KEY,
    expires_at  timestamptz NOT NULL
);

CREATE TABLE portal_settings (
    id          bigint PRIMARY KEY CHECK (id = 1),
    data        jsonb NOT NULL,
    version     bigint NOT NULL DEFAULT 1,
    updated_at  timestamptz NOT NULL DEFAULT now()
);
