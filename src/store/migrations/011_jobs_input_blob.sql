-- Deleting a blob sets the input_blob_id of the jobs that refer to it to NULL (ON DELETE
-- SET NULL): without an index, every deletion of an uploaded package scanned the whole
-- jobs table, a cost that grew with the number of jobs kept.
CREATE INDEX jobs_input_blob ON jobs (input_blob_id) WHERE input_blob_id IS NOT NULL;
