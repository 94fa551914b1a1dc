-- Events for the application (outbox.c, notify.c): every event is written
-- here in the same transaction as the change it reports, so an event that
-- committed exists and one whose change rolled back does not. stream is
-- what orders delivery ("room:<id>" or "server:<id>"); seq grows by one per
-- stream, assigned under that room's (or server's) row lock, so it is the
-- commit order; ids are not (on Galera, auto-increment values from several
-- nodes interleave). fanned: 0 until mrb-notify has made one delivery row
-- per endpoint that wants it (no cursor over ids, which could skip a row
-- committed late with a lower id).
CREATE TABLE IF NOT EXISTS events_outbox (
  id          BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  msg_id      VARCHAR(40)  NOT NULL,   -- the webhook-id: the same on every attempt
  type        VARCHAR(40)  NOT NULL,
  stream      VARCHAR(80)  NOT NULL,
  seq         BIGINT       NOT NULL,
  room_id     VARCHAR(64)  NULL,
  created_ms  BIGINT       NOT NULL,
  body        MEDIUMTEXT   NOT NULL,   -- {"type","timestamp","data"} as sent
  fanned      TINYINT      NOT NULL DEFAULT 0,
  UNIQUE KEY events_outbox_msg (msg_id),
  UNIQUE KEY events_outbox_stream (stream, seq),
  KEY events_outbox_fanned (fanned, id),
  KEY events_outbox_room (room_id, seq),
  KEY events_outbox_age (created_ms)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- One row per event and endpoint: pending until delivered, or failed once
-- its retry period ([notify] retry_for) has passed.
CREATE TABLE IF NOT EXISTS event_deliveries (
  event_id     BIGINT UNSIGNED NOT NULL,
  endpoint     VARCHAR(64)  NOT NULL,
  stream       VARCHAR(80)  NOT NULL,
  seq          BIGINT       NOT NULL,
  state        ENUM('pending','delivered','failed') NOT NULL DEFAULT 'pending',
  attempts     INT          NOT NULL DEFAULT 0,
  next_ms      BIGINT       NOT NULL,
  done_ms      BIGINT       NULL,
  last_error   VARCHAR(255) NULL,
  PRIMARY KEY (event_id, endpoint),
  KEY event_deliveries_due (endpoint, state, next_ms),
  KEY event_deliveries_stream (endpoint, stream, state, seq)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

ALTER TABLE rooms ADD COLUMN IF NOT EXISTS event_seq BIGINT NOT NULL DEFAULT 0;
ALTER TABLE rooms ADD COLUMN IF NOT EXISTS started_at BIGINT NULL;
ALTER TABLE servers ADD COLUMN IF NOT EXISTS event_seq BIGINT NOT NULL DEFAULT 0;
-- Who ended a room (room.ended's reason): host or operator, written with
-- the end's first step; NULL: it expired.
ALTER TABLE rooms ADD COLUMN IF NOT EXISTS end_reason VARCHAR(16) NULL;
