-- Counters in fixed windows: failed logins per client address, per user name and per access
-- key, and uploads per user. In the database, so every process sharing it sees the same counts.
CREATE TABLE rate_counters (
  key text PRIMARY KEY,
  window_start timestamptz NOT NULL,
  count integer NOT NULL
);
CREATE INDEX rate_counters_window ON rate_counters (window_start);
