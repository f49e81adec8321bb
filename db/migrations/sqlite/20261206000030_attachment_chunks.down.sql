ALTER TABLE attachments ADD COLUMN data BLOB;
UPDATE attachments SET data = coalesce(
    (SELECT CAST(group_concat(c.data, '') AS BLOB)
     FROM (SELECT data FROM attachment_chunks WHERE attachment_id = attachments.id ORDER BY seq) AS c),
    x'');
DROP TABLE attachment_chunks;
