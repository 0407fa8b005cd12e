-- The leadership lease of a replica set (high availability): several core-sync processes share this store and
-- the one holding an unexpired lease streams and applies. Keep in step with ../sqlite/003_leases.sql.
-- Times are milliseconds since the epoch by the store's own clock, so the replicas' clocks do not matter.
CREATE TABLE IF NOT EXISTS leases (
  name VARCHAR(64) NOT NULL,
  holder VARCHAR(255) NOT NULL,
  -- Grows by one each time the lease changes hands: writes of an older holder are fenced by it.
  epoch BIGINT NOT NULL,
  expires_at_ms BIGINT NOT NULL,
  acquired_at_ms BIGINT NOT NULL,
  PRIMARY KEY (name)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
