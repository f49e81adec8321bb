-- The portal's search index takes new entries directly instead of through
-- GIN's pending list. With the pending list (the default), every write to
-- a ticket's subject, access list or search text lands in an unsorted list
-- that each portal search scans whole until it is flushed (at 4 MB, or by
-- vacuum): at a million tickets, a list of 856 entries made a small
-- contact's search 3.3 times slower (0.55 to 1.8 ms), and writes happen
-- all day. Written directly, a write costs about 0.65 ms more, once.
ALTER INDEX tickets_portal_search_idx SET (fastupdate = off);

--bun:split

SELECT gin_clean_pending_list('tickets_portal_search_idx'::regclass);
