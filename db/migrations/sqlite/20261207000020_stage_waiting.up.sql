-- An open stage may wait on the customer: the portal then shows its
-- tickets as "waiting on you", apart from those waiting on the team.
ALTER TABLE stages ADD COLUMN waits_on_customer BOOLEAN NOT NULL DEFAULT 0;
UPDATE stages SET waits_on_customer = 1 WHERE is_closed = 0 AND lower(name) = 'waiting on customer';
