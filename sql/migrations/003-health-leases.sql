-- Health polling: a lease so that one mrb-health acts at a time (across
-- overlapping runs and web hosts; GET_LOCK is refused by Galera), the
-- failure streak for hysteresis, and the previous CPU sample for deltas.
CREATE TABLE IF NOT EXISTS leases (
  name       VARCHAR(64)  NOT NULL PRIMARY KEY,
  holder     VARCHAR(128) NOT NULL,
  expires_at BIGINT       NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

ALTER TABLE servers
  ADD COLUMN IF NOT EXISTS fail_count     INT    NOT NULL DEFAULT 0,
  ADD COLUMN IF NOT EXISTS polled_at      BIGINT NULL,
  ADD COLUMN IF NOT EXISTS cpu_idle_prev  DOUBLE NULL,
  ADD COLUMN IF NOT EXISTS cpu_total_prev DOUBLE NULL;
