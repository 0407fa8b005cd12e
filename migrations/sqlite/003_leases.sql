-- The leadership lease of a replica set (high availability). Keep in step with ../mysql/003_leases.sql.
-- Times are milliseconds since the epoch.
CREATE TABLE leases (
  name TEXT NOT NULL PRIMARY KEY,
  holder TEXT NOT NULL,
  -- Grows by one each time the lease changes hands: writes of an older holder are fenced by it.
  epoch INTEGER NOT NULL,
  expires_at_ms INTEGER NOT NULL,
  acquired_at_ms INTEGER NOT NULL
);
