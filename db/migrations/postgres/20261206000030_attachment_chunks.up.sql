-- An attachment's bytes live in rows of at most 256 KiB, so that a file is
-- written and read a piece at a time and never held whole in memory.
CREATE TABLE attachment_chunks (
    attachment_id  bigint NOT NULL REFERENCES attachments (id) ON DELETE CASCADE,
    seq            integer NOT NULL,
    data           bytea NOT NULL,
    PRIMARY KEY (attachment_id, seq)
);
-- Most uploads are compressed already (images, PDFs, archives).
ALTER TABLE attachment_chunks ALTER COLUMN data SET STORAGE EXTERNAL;

INSERT INTO attachment_chunks (attachment_id, seq, data)
SELECT a.id, g.seq, substring(a.data FROM g.seq * 262144 + 1 FOR 262144)
FROM attachments AS a, generate_series(0, (length(a.data) - 1) / 262144) AS g (seq)
WHERE a.data IS NOT NULL AND length(a.data) > 0;

ALTER TABLE attachments DROP COLUMN data;
