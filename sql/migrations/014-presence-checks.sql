-- Rooms whose presence mrb-health compares with Janus's own view
-- (listparticipants): every room the webhook saw a presence event for
-- (marks counts them), every room moved, and every room of a server that
-- came back. A row stays while its room has people, checked oldest first,
-- so that a room whose events were lost is still looked at; suspects are
-- the handles Janus listed and MRB did not know at the last check (kicked
-- when they are still unknown at the next one).
CREATE TABLE IF NOT EXISTS presence_checks (
  room_id       VARCHAR(64)   NOT NULL PRIMARY KEY,
  server_id     VARCHAR(64)   NOT NULL,
  marks         BIGINT        NOT NULL DEFAULT 1,
  checked_marks BIGINT        NOT NULL DEFAULT 0,
  checked_at    BIGINT        NOT NULL DEFAULT 0,
  suspects      VARCHAR(1024) NOT NULL DEFAULT '',
  KEY presence_checks_server (server_id, checked_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
