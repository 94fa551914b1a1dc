-- Join and create at the speed of the stack (issue 8).
-- rooms.seats_taken: seat rows of the room (held or lapsed), kept by every
-- path that adds or deletes seats, so admitting a new user is O(1) instead
-- of counting the room's seats; a room that looks full recounts exactly
-- after deleting its lapsed seats.
ALTER TABLE rooms ADD COLUMN IF NOT EXISTS seats_taken INT NOT NULL DEFAULT 0;
UPDATE rooms r SET seats_taken = (SELECT COUNT(*) FROM seats s WHERE s.room_id = r.id) WHERE r.ended_at IS NULL;

-- servers.score: the placement score, stored whenever an input changes, so
-- choosing among N servers is an index range read (ORDER BY score LIMIT k),
-- not N rows scored and sorted in C.
ALTER TABLE servers
  ADD COLUMN IF NOT EXISTS score DOUBLE NOT NULL DEFAULT 4555,
  ADD INDEX IF NOT EXISTS servers_pick (state, healthy, score);
