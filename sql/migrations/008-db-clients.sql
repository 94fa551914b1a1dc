-- Several nodes (issue 14): which database node each MRB process uses, for
-- /mrb/metrics (mrb_db_node) and operators. Each process writes its own
-- row when its node changes and at least every 30 s while it serves;
-- mrb-expire purges rows older than a day.
CREATE TABLE IF NOT EXISTS db_clients (
  program VARCHAR(64)  NOT NULL,
  client  VARCHAR(128) NOT NULL,   -- host:pid
  node    VARCHAR(300) NOT NULL,   -- host:port of the database node in use
  seen_at BIGINT       NOT NULL,
  PRIMARY KEY (program, client)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
