-- Exact seats (issue 18). From this version on, rooms.seats_taken is kept by
-- deltas only: every transaction that inserts or deletes seat rows changes
-- seats_taken by the same number in the same transaction, and nothing
-- recounts any more (see docs/DESIGN.md, "Seats"). A count the old code let
-- drift (a claim committed without its seat row, or a recount that missed
-- one) would now stay wrong, so recount once, here, while upgrading.
UPDATE rooms r SET seats_taken = (SELECT COUNT(*) FROM seats s WHERE s.room_id = r.id) WHERE r.ended_at IS NULL;
