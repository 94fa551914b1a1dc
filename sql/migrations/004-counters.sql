-- Monotonic counters for /mrb/metrics, kept in MariaDB so they survive
-- worker restarts and add up across web hosts. Each process writes its own
-- slot (pid % 16), so concurrent workers do not queue on one hot row; the
-- exporter sums the slots.
CREATE TABLE IF NOT EXISTS counters (
  name   VARCHAR(64)  NOT NULL,
  label  VARCHAR(128) NOT NULL DEFAULT '',
  slot   TINYINT UNSIGNED NOT NULL,
  value  BIGINT UNSIGNED NOT NULL DEFAULT 0,
  PRIMARY KEY (name, label, slot)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
