DROP TRIGGER IF EXISTS tickets_closed_event ON tickets;

--bun:split

DROP FUNCTION IF EXISTS portico_ticket_closed();

--bun:split

DROP TABLE IF EXISTS ticket_ratings;
DROP TABLE IF EXISTS ticket_closes;
