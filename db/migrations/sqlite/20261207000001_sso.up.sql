CREATE TABLE sso_providers (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    slug           text NOT NULL,
    kind           text NOT NULL,
    name           text NOT NULL,
    enabled        BOOLEAN NOT NULL DEFAULT 0,
    allow_linking  BOOLEAN NOT NULL DEFAULT 0,
    options        text NOT NULL DEFAULT '{}',
    secrets        text NOT NULL DEFAULT '',
    company_map    text NOT NULL DEFAULT '{}',
    created_at     TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at     TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE UNIQUE INDEX sso_providers_slug_key ON sso_providers (slug);

--bun:split

CREATE TABLE sso_used (
    kind        text NOT NULL,
    key         text NOT NULL,
    expires_at  bigint NOT NULL,
    PRIMARY KEY (kind, key)
);
CREATE INDEX sso_used_expires_idx ON sso_used (expires_at);
