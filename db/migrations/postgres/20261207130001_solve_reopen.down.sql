DROP INDEX tickets_follow_up_idx;
ALTER TABLE tickets DROP COLUMN follow_up_of;
ALTER TABLE tickets DROP COLUMN closed_at;
ALTER TABLE pipelines DROP COLUMN reopen_days;
ALTER TABLE pipelines DROP COLUMN reopen_policy;
ALTER TABLE pipelines DROP COLUMN reopen_stage_id;
ALTER TABLE pipelines DROP COLUMN solve_stage_id;
