ALTER TABLE stages DROP COLUMN waits_on_customer;
