CREATE INDEX IF NOT EXISTS tickets_portal_search_idx ON tickets USING gin (access, subject gin_trgm_ops, search_doc)
    WITH (fastupdate = off) WHERE NOT hidden;

--bun:split

DROP INDEX IF EXISTS tickets_portal_terms_idx;

--bun:split

DROP FUNCTION IF EXISTS portal_terms(bigint[], tsvector, text);
