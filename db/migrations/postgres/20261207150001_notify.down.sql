ALTER TABLE mail_outbox DROP COLUMN IF EXISTS list_unsubscribe;

--bun:split

DROP TABLE IF EXISTS ticket_mutes;

--bun:split

DROP TABLE IF EXISTS contact_notify_prefs;
