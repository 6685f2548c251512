-- Job listings are newest first, paged on (created_at, id), overall and per space.
CREATE INDEX jobs_created ON jobs (created_at DESC, id DESC);
CREATE INDEX jobs_space_created ON jobs (space_id, created_at DESC, id DESC) WHERE space_id IS NOT NULL;
