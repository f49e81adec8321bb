DROP TABLE IF EXISTS sso_used;

--bun:split

DROP TABLE IF EXISTS sso_providers;
