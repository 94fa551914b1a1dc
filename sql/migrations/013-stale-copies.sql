-- Copies of a room left on a server it moved away from (panic, failover,
-- a client's report). The move records them in its own transaction;
-- mrb-health destroys each once its server answers, so that a room never
-- runs twice and an old copy's key never admits anyone. A room that moves
-- back onto such a server takes the copy over (brought up to date) and its
-- record goes.
CREATE TABLE IF NOT EXISTS stale_copies (
  room_id    VARCHAR(64) NOT NULL,
  server_id  VARCHAR(64) NOT NULL,
  room_type  ENUM('audio','video') NOT NULL DEFAULT 'audio',
  secret     VARCHAR(64) NOT NULL,
  since      BIGINT      NOT NULL,
  PRIMARY KEY (room_id, server_id),
  KEY stale_copies_server (server_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
