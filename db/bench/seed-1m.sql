-- Scale data for measuring the portal's queries: 1,000,000 tickets, 200,000
-- contacts, 20,000 companies; company 1 holds 20,000 tickets. Load it into an
-- empty, migrated Postgres database: psql -f db/bench/seed-1m.sql
INSERT INTO pipelines (id, name) VALUES (1, 'P');
INSERT INTO stages (id, pipeline_id, name, position, is_closed) VALUES (1,1,'New',0,false),(2,1,'Closed',1,true);
INSERT INTO inboxes (id, name) VALUES (1,'Support');
INSERT INTO companies (id, name) SELECT g, 'Company ' || g FROM generate_series(1,20000) g;
INSERT INTO contacts (id, email, name, company_id) SELECT g, 'c' || g || '@x.example', 'Contact ' || g, CASE WHEN g % 10 = 0 THEN NULL ELSE 1 + (g % 20000) END FROM generate_series(1,200000) g;
-- company 1 gets 20,000 tickets; the rest spread evenly
INSERT INTO tickets (id, subject, pipeline_id, stage_id, closed, created_at, last_activity_at)
SELECT g, 'Ticket ' || g || ' about ' || (ARRAY['printer','invoice','login','api','vpn','export'])[1 + g % 6], 1, CASE WHEN g % 3 = 0 THEN 2 ELSE 1 END, g % 3 = 0,
  now() - (g || ' minutes')::interval, now() - (g || ' minutes')::interval + interval '30 seconds'
FROM generate_series(1,1000000) g;
SELECT setval('tickets_id_seq', 1000000);
SELECT setval('contacts_id_seq', 200000);
SELECT setval('companies_id_seq', 20000);
INSERT INTO ticket_contacts (ticket_id, contact_id) SELECT g, CASE WHEN g <= 20000 THEN 1 + (g % 9) ELSE 1 + (g % 200000) END FROM generate_series(1,1000000) g;
INSERT INTO ticket_companies (ticket_id, company_id) SELECT g, CASE WHEN g <= 20000 THEN 1 ELSE 2 + (g % 19999) END FROM generate_series(1,1000000) g;
INSERT INTO threads (id, ticket_id, inbox_id) SELECT g, g, 1 FROM generate_series(1,1000000) g;
INSERT INTO messages (thread_id, ticket_id, kind, body) SELECT g, g, 'public', 'Hello, the ' || (ARRAY['printer','invoice','login','api','vpn','export'])[1 + g % 6] || ' problem number ' || g || ' keeps happening' FROM generate_series(1,1000000) g;
ANALYZE;
