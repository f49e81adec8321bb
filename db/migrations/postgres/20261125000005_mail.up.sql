-- Email: a Reply-To for notifications that accept answers by email, an
-- index for the delivery worker's claim (due mail, including claims whose
-- worker died), and token look-ups by contact.
ALTER TABLE mail_outbox ADD COLUMN reply_to text NOT NULL DEFAULT '';

--bun:split

CREATE INDEX mail_outbox_due_idx ON mail_outbox (next_attempt_at, id) WHERE status IN ('pending', 'sending');

--bun:split

CREATE INDEX tokens_contact_idx ON tokens (contact_id, purpose);
