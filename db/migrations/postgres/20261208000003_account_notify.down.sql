DROP TRIGGER IF EXISTS portal_settings_notify ON portal_settings;

--bun:split

DROP TRIGGER IF EXISTS companies_notify ON companies;

--bun:split

DROP TRIGGER IF EXISTS contacts_notify ON contacts;

--bun:split

DROP FUNCTION IF EXISTS portico_notify_accounts();
