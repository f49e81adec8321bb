ALTER TABLE attachments ADD COLUMN data bytea;
UPDATE attachments AS a SET data = coalesce(
    (SELECT string_agg(c.data, ''::bytea ORDER BY c.seq) FROM attachment_chunks AS c WHERE c.attachment_id = a.id),
    ''::bytea);
DROP TABLE attachment_chunks;
