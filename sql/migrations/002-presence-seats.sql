-- Presence and seats, fed by the event webhook and join-room.
-- A seat is one admitted user of a room: held from join-room until the user
-- connects (then kept while connected), freed on left/kicked, or when the
-- grace period passes without a connection.
CREATE TABLE IF NOT EXISTS seats (
  room_id      VARCHAR(64)  NOT NULL,
  user_id      VARCHAR(64)  NOT NULL,
  opaque_id    VARCHAR(64)  NOT NULL,
  connected    TINYINT      NOT NULL DEFAULT 0,
  held_until   BIGINT       NOT NULL,   -- grace deadline while not connected
  created_at   BIGINT       NOT NULL,
  PRIMARY KEY (room_id, user_id),
  UNIQUE KEY seats_opaque (opaque_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Who is in each room, as the AudioBridge reported it.
CREATE TABLE IF NOT EXISTS participants (
  room_id        VARCHAR(64)  NOT NULL,
  participant_id VARCHAR(64)  NOT NULL,
  server_id      VARCHAR(64)  NOT NULL,
  display        VARCHAR(255) NOT NULL DEFAULT '',
  opaque_id      VARCHAR(64)  NULL,
  user_id        VARCHAR(64)  NULL,
  muted          TINYINT      NOT NULL DEFAULT 0,
  joined_at      BIGINT       NOT NULL,
  PRIMARY KEY (room_id, participant_id),
  KEY participants_server (server_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Live Janus sessions and handles per server: sets, so a re-delivered event
-- changes nothing. Their sizes are the score's sessions and handles.
CREATE TABLE IF NOT EXISTS server_sessions (
  server_id  VARCHAR(64) NOT NULL,
  session_id BIGINT UNSIGNED NOT NULL,
  PRIMARY KEY (server_id, session_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS server_handles (
  server_id  VARCHAR(64) NOT NULL,
  handle_id  BIGINT UNSIGNED NOT NULL,
  PRIMARY KEY (server_id, handle_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Events already applied, by content hash: a batch delivered twice counts
-- once. Old rows are to be purged by the cron jobs (not yet: see issue 5).
CREATE TABLE IF NOT EXISTS events_seen (
  digest      BINARY(20) NOT NULL PRIMARY KEY,
  received_at BIGINT     NOT NULL,
  KEY events_seen_age (received_at)
) ENGINE=InnoDB;
