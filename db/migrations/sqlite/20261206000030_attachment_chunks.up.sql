-- An attachment's bytes live in rows of at most 256 KiB, so that a file is
-- written and read a piece at a time and never held whole in memory.
CREATE TABLE attachment_chunks (
    attachment_id  INTEGER NOT NULL REFERENCES attachments (id) ON DELETE CASCADE,
    seq            INTEGER NOT NULL,
    data           BLOB NOT NULL,
    PRIMARY KEY (attachment_id, seq)
);

WITH RECURSIVE parts (id, seq) AS (
    SELECT id, 0 FROM attachments WHERE data IS NOT NULL AND length(data) > 0
    UNION ALL
    SELECT p.id, p.seq + 1 FROM parts AS p JOIN attachments AS a ON a.id = p.id
    WHERE (p.seq + 1) * 262144 < length(a.data)
)
INSERT INTO attachment_chunks (attachment_id, seq, data)
SELECT p.id, p.seq, substr(a.data, p.seq * 262144 + 1, 262144)
FROM parts AS p JOIN attachments AS a ON a.id = p.id;

ALTER TABLE attachments DROP COLUMN data;
