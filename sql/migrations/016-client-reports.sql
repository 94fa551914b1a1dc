-- Rooms moved off a server their people cannot reach while MRB's probe of
-- it succeeds (reports.c). unreachable_reports: each member's latest report
-- that the room's server cannot be reached, counted per room within
-- [reports] window. report_moves: each such move (the room, the server it
-- left, when): the per-room and per-server rate limits, and the servers a
-- room does not go back to. servers.suspect_until: new rooms avoid the
-- server until then (unix s); NULL or past: not suspect. Old rows go with
-- mrb-expire's housekeeping.
CREATE TABLE IF NOT EXISTS unreachable_reports (
  room_id     VARCHAR(64) NOT NULL,
  server_id   VARCHAR(64) NOT NULL,
  user_id     VARCHAR(64) NOT NULL,
  reported_at BIGINT      NOT NULL,
  PRIMARY KEY (room_id, server_id, user_id),
  KEY unreachable_reports_age (reported_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS report_moves (
  room_id     VARCHAR(64) NOT NULL,
  from_server VARCHAR(64) NOT NULL,
  moved_at    BIGINT      NOT NULL,
  PRIMARY KEY (room_id, from_server),
  KEY report_moves_server (from_server, moved_at),
  KEY report_moves_age (moved_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

ALTER TABLE servers ADD COLUMN IF NOT EXISTS suspect_until BIGINT NULL;
