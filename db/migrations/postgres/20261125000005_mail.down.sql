DROP INDEX IF EXISTS tokens_contact_idx;

--bun:split

DROP INDEX IF EXISTS mail_outbox_due_idx;

--bun:split

ALTER TABLE mail_outbox DROP COLUMN IF EXISTS reply_to;
