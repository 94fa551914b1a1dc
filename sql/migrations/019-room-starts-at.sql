-- When a room's people are expected (create-room startsAt; NULL: from its
-- creation). A room books its seats over [starts_at, expires_at): a room
-- booked at 11:00 for 14:00 does not count against a room placed for
-- 11:30-12:00 (bench/placesim showed servers looking full all morning
-- when bookings had no time).
ALTER TABLE rooms ADD COLUMN IF NOT EXISTS starts_at BIGINT NULL;
