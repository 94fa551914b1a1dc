-- Room-key guessing (issue 7): wrong keys per room and per client address
-- within a fixed window. join-room reads both in its one SELECT; a wrong key
-- upserts both. Rows older than the window are purged by mrb-expire.
CREATE TABLE IF NOT EXISTS key_failures (
  scope        CHAR(1)     NOT NULL,   -- 'r' room id, 'c' client address
  subject      VARCHAR(64) NOT NULL,
  window_start BIGINT      NOT NULL,
  failures     INT         NOT NULL,
  PRIMARY KEY (scope, subject),
  KEY key_failures_age (window_start)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
