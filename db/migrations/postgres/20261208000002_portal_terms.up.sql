-- The portal's search terms of a ticket, one GIN index for all of them:
-- each access key of the ticket alone ("58246", "-6667"), joined to each
-- word of its search text ("-6667:screenshot") and to each trigram inside
-- the words of its subject ("-6667~exp"). A search then reads the posting
-- lists of the viewer's own terms only. The index it replaces held the
-- access keys, the trigrams and the words apart, and intersected the
-- viewer's keys (30,000 tickets for a big company) with a common word's
-- trigrams (tens of thousands) on every search: 4-9 ms at a million
-- tickets, where the viewer's own terms take 0.1-1 ms.
--
-- The search path is the migration's, where pg_trgm lives. The function is
-- safe to run in parallel, but is not marked so: that keeps a search from
-- starting parallel workers, whose start under load cost more than the
-- search (a Gather made a 3,000-ticket contact's search 3 times slower).
CREATE OR REPLACE FUNCTION portal_terms(access bigint[], doc tsvector, subject text) RETURNS tsvector
    LANGUAGE sql IMMUTABLE PARALLEL UNSAFE SET search_path FROM CURRENT AS $$
    SELECT array_to_tsvector(ARRAY(
        SELECT k::text FROM unnest(access) AS k
        UNION ALL SELECT k || ':' || w FROM unnest(access) AS k, unnest(tsvector_to_array(doc)) AS w
        UNION ALL SELECT k || '~' || g FROM unnest(access) AS k, unnest(show_trgm(subject)) AS g
            WHERE length(g) = 3 AND g !~ ' '))
$$;

--bun:split

-- Built concurrently, so that Portico goes on serving, writes included,
-- while it builds (about 7 minutes at a million tickets). A build cut off
-- leaves an invalid index behind: a new run drops it and starts again.
DROP INDEX CONCURRENTLY IF EXISTS tickets_portal_terms_idx;

--bun:split

CREATE INDEX CONCURRENTLY tickets_portal_terms_idx ON tickets USING gin (portal_terms(access, search_doc, subject))
    WITH (fastupdate = off) WHERE NOT hidden;

--bun:split

DROP INDEX CONCURRENTLY IF EXISTS tickets_portal_search_idx;
