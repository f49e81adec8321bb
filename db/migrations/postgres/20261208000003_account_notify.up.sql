-- Instances keep customers' contacts and the settings' version between
-- requests, and forget them when told of a change: every change to these
-- tables, by Portico or by plain SQL, is announced at its commit. An
-- instance's ping (portico.ping set in its transaction) comes back through
-- the same triggers, named after each table, so that it also proves the
-- triggers are in place (a restore recreates them only at its end).
CREATE OR REPLACE FUNCTION portico_notify_accounts() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('portico_accounts', coalesce(nullif(current_setting('portico.ping', true), '') || ':', '') || TG_TABLE_NAME);
    RETURN NULL;
END
$$;

--bun:split

CREATE TRIGGER contacts_notify AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON contacts
    FOR EACH STATEMENT EXECUTE FUNCTION portico_notify_accounts();

--bun:split

CREATE TRIGGER companies_notify AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON companies
    FOR EACH STATEMENT EXECUTE FUNCTION portico_notify_accounts();

--bun:split

CREATE TRIGGER portal_settings_notify AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON portal_settings
    FOR EACH STATEMENT EXECUTE FUNCTION portico_notify_accounts();
