-- A stage's name as the portal shows it, per language: a JSON object of
-- language codes, or '' for none (the stage's name is shown then).
ALTER TABLE stages ADD COLUMN labels TEXT NOT NULL DEFAULT '';
