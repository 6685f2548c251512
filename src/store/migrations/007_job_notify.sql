-- Live progress without polling: every new job, and every change of a job's state or
-- progress, is announced on the channel assetport_jobs (delivered when the transaction
-- commits). The payload is small JSON: {"id", "kind", "state", "progress"}. Event streams
-- and idle workers of every process LISTEN on it.
CREATE FUNCTION assetport_job_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('assetport_jobs', json_build_object('id', NEW.id, 'kind', NEW.kind, 'state', NEW.state, 'progress', NEW.progress)::text);
  RETURN NULL;
END;
$$;

CREATE TRIGGER jobs_notify_insert AFTER INSERT ON jobs
  FOR EACH ROW EXECUTE FUNCTION assetport_job_notify();

CREATE TRIGGER jobs_notify_update AFTER UPDATE OF state, progress ON jobs
  FOR EACH ROW
  WHEN (OLD.state IS DISTINCT FROM NEW.state OR OLD.progress IS DISTINCT FROM NEW.progress)
  EXECUTE FUNCTION assetport_job_notify();
