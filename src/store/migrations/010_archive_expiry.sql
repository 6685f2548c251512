-- When the retention sweep removed an export's archive (ASSETPORT_RETAIN_ARCHIVES_HOURS), so a
-- download can say so instead of a bare "not found".
ALTER TABLE jobs ADD COLUMN archive_expired_at timestamptz;
