-- Grants on an API: inherited by every version of it, including versions created later
-- (a SnapLogic import of a new version needs write permission on the API).
CREATE TABLE api_grants (
  api_id   char(32) NOT NULL REFERENCES apis(id) ON DELETE CASCADE,
  user_id  char(32) NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  perms    text NOT NULL CHECK (perms IN ('R', 'RW', 'RWX')),
  PRIMARY KEY (api_id, user_id)
);
