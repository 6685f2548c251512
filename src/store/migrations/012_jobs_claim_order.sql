-- A claim takes the oldest claimable job, ORDER BY created_at, id. The partial index of
-- claimable jobs held created_at alone, so the planner walked jobs_created (every job,
-- oldest first) and passed over all the finished ones before the first queued one: each
-- claim cost grew with the number of jobs kept (~1 ms at 3,000, 3,000 buffers read). With
-- the tie-breaker in the partial index a claim reads a few buffers however many jobs are kept.
CREATE INDEX jobs_claimable_order ON jobs (created_at, id) WHERE state IN ('QUEUED', 'RUNNING');
DROP INDEX jobs_claimable;
