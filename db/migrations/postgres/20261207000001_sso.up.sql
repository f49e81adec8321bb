CREATE TABLE sso_providers (
    id             bigserial PRIMARY KEY,
    slug           text NOT NULL,
    kind           text NOT NULL,
    name           text NOT NULL,
    enabled        boolean NOT NULL DEFAULT false,
    allow_linking  boolean NOT NULL DEFAULT false,
    options        text NOT NULL DEFAULT '{}',
    secrets        text NOT NULL DEFAULT '',
    company_map    text NOT NULL DEFAULT '{}',
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now()
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
