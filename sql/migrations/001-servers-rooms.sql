-- Media servers and rooms. Times are unix seconds (BIGINT): no time zones.
CREATE TABLE IF NOT EXISTS servers (
  id            VARCHAR(64)  NOT NULL PRIMARY KEY,
  public_url    VARCHAR(255) NOT NULL,
  admin_url     VARCHAR(255) NOT NULL,
  admin_secret  VARCHAR(255) NOT NULL,
  token_secret  VARCHAR(255) NOT NULL,
  metrics_url   VARCHAR(255) NULL,
  weight        DOUBLE       NOT NULL DEFAULT 1,
  -- operator's intent: enabled (placeable), cordoned (draining), disabled
  state         ENUM('enabled','cordoned','disabled') NOT NULL DEFAULT 'disabled',
  -- observed liveness: 0 after a shutdown event or failed polls
  healthy       TINYINT      NOT NULL DEFAULT 1,
  -- boot generation: bumped whenever the server (re)starts and so loses its rooms
  boot          BIGINT       NOT NULL DEFAULT 1,
  cpu           DOUBLE       NULL,
  mem           DOUBLE       NULL,
  sessions      INT          NULL,
  handles       INT          NULL,
  sockets       INT          NULL,
  metrics_at    BIGINT       NULL,
  -- participants placed since metrics_at: keeps a burst of creates from piling on one server
  pending_load  INT          NOT NULL DEFAULT 0,
  created_at    BIGINT       NOT NULL,
  updated_at    BIGINT       NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS rooms (
  id               VARCHAR(64)  NOT NULL PRIMARY KEY,
  name             VARCHAR(100) NOT NULL,
  description      VARCHAR(200) NOT NULL DEFAULT '',
  room_key         VARCHAR(12)  NOT NULL,
  secret           VARCHAR(64)  NOT NULL,
  max_participants INT          NOT NULL,
  record           TINYINT      NOT NULL DEFAULT 0,
  created_by       VARCHAR(255) NOT NULL,
  server_id        VARCHAR(64)  NOT NULL,
  -- servers.boot when the room was last created on server_id; a mismatch
  -- means the server restarted and the room must be recreated before use
  server_boot      BIGINT       NOT NULL,
  created_at       BIGINT       NOT NULL,
  expires_at       BIGINT       NOT NULL,
  ended_at         BIGINT       NULL,
  KEY rooms_server (server_id, ended_at),
  KEY rooms_expiry (ended_at, expires_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
