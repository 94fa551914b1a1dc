-- A call outlives its media server (issue 15): a client that cannot reach
-- its room's server says so in join-room, and MRB probes that server. At
-- most one probe per server per second across all workers and web nodes:
-- the right to probe is a conditional UPDATE of probing_at, and the result
-- (probed_at, ok) is shared through this row. Times in milliseconds.
CREATE TABLE IF NOT EXISTS server_probes (
  server_id  VARCHAR(64) NOT NULL PRIMARY KEY,
  probing_at BIGINT      NOT NULL DEFAULT 0,
  probed_at  BIGINT      NOT NULL DEFAULT 0,
  ok         TINYINT     NOT NULL DEFAULT 1
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
