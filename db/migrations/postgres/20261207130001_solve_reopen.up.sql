-- Solve and reopen, per pipeline: the closed stage a customer's "solved"
-- moves a ticket to, what a customer's reply to a closed ticket does
-- ('' read-only, 'reopen' within reopen_days of closing then a follow-up,
-- 'followup' always a follow-up) and the open stage a reopened ticket
-- goes to. NULL stages mean the pipeline's first closed or open stage.
ALTER TABLE pipelines ADD COLUMN solve_stage_id BIGINT;
ALTER TABLE pipelines ADD COLUMN reopen_stage_id BIGINT;
ALTER TABLE pipelines ADD COLUMN reopen_policy TEXT NOT NULL DEFAULT '';
ALTER TABLE pipelines ADD COLUMN reopen_days INTEGER NOT NULL DEFAULT 0;
-- When a ticket last closed (NULL while open or for tickets closed before
-- this column), and the ticket a follow-up continues.
ALTER TABLE tickets ADD COLUMN closed_at TIMESTAMPTZ;
ALTER TABLE tickets ADD COLUMN follow_up_of BIGINT;
CREATE INDEX tickets_follow_up_idx ON tickets (follow_up_of) WHERE follow_up_of IS NOT NULL;
