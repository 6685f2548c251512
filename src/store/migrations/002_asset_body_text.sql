-- Asset bodies are kept as the exact JSON text they were written with (type json, not
-- jsonb): exports reproduce them byte for byte, their checksum is the SHA-256 of that text,
-- and re-importing a package is recognized as unchanged without re-serializing anything.
ALTER TABLE assets ALTER COLUMN body TYPE json USING body::json;
ALTER TABLE asset_revisions ALTER COLUMN body TYPE json USING body::json;
