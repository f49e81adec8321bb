-- An open stage may wait on the customer: the portal then shows its
-- tickets as "waiting on you", apart from those waiting on the team.
ALTER TABLE stages ADD COLUMN waits_on_customer boolean NOT NULL DEFAULT false;
UPDATE stages SET waits_on_customer = true WHERE NOT is_closed AND lower(name) = 'waiting on customer';
