DROP TRIGGER IF EXISTS tickets_closed_event;

--bun:split

DROP TABLE IF EXISTS ticket_ratings;
DROP TABLE IF EXISTS ticket_closes;
