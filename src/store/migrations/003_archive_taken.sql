-- An archive that may be downloaded once (the ROMA archive download) records when it was taken.
ALTER TABLE jobs ADD COLUMN archive_taken_at timestamptz;
CREATE INDEX jobs_output_blob ON jobs (output_blob_id) WHERE output_blob_id IS NOT NULL;
