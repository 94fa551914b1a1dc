-- Placement for real fleets (place.c). rooms.booked: the seats a room books
-- (create-room's expectedParticipants; NULL: its max_participants); until
-- people take them (seats_taken) they count on its server's load, so rooms
-- booked ahead of the hour are not all placed on one server. rooms.region:
-- the region the host asked for as given ("eu", or "!eu" when required),
-- rooms.tags the tags it requires (canonical: sorted, comma-joined): a move
-- keeps to both. servers.region and servers.tags come from [server NAME]
-- (mrbctl server sync) or mrbctl server add --region --tags. Placement
-- reads the bookings of live rooms through rooms_expiry (ended_at,
-- expires_at) at each placement.
ALTER TABLE rooms
  ADD COLUMN IF NOT EXISTS booked INT NULL,
  ADD COLUMN IF NOT EXISTS region VARCHAR(40) NULL,
  ADD COLUMN IF NOT EXISTS tags VARCHAR(300) NULL;

ALTER TABLE servers
  ADD COLUMN IF NOT EXISTS region VARCHAR(40) NOT NULL DEFAULT '',
  ADD COLUMN IF NOT EXISTS tags VARCHAR(300) NOT NULL DEFAULT '';
