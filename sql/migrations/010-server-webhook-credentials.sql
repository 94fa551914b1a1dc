-- Trust between parts (issue 19): each media server posts its events with
-- its own webhook credential, and MRB believes an event only about the
-- server that posted it. The password is kept as its SHA-256 (MRB checks
-- it, never sends it); mrbctl server add and server sync write both.
ALTER TABLE servers
  ADD COLUMN IF NOT EXISTS webhook_user VARCHAR(64) NULL,
  ADD COLUMN IF NOT EXISTS webhook_digest CHAR(64) NULL;
CREATE UNIQUE INDEX IF NOT EXISTS servers_webhook_user ON servers (webhook_user);
