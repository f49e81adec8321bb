-- How many tickets each contact and each company sees, open and closed
-- apart: the portal's status tabs read one row instead of counting a big
-- company's tickets on every request. Only tickets the portal shows
-- (not hidden) count. The store keeps the rows in step in the same
-- transaction as the visibility rows; `portico reindex` recounts them.
CREATE TABLE visibility_counts (
    owner_kind  smallint NOT NULL CHECK (owner_kind IN (1, 2)), -- 1 contact, 2 company
    owner_id    bigint NOT NULL,
    closed      boolean NOT NULL,
    n           bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (owner_kind, owner_id, closed)
);
