-- A drain with a deadline (mrbctl server drain NAME --deadline D): the
-- server is 'cordoned' (no new rooms); its empty rooms move at once and, from
-- drain_deadline on, its busy ones too, a few a second (mrb-health, under
-- the lease). NULL: a cordon, a drain without deadline. In the database, so
-- a drain goes on across restarts of mrb-health and across web nodes.
ALTER TABLE servers ADD COLUMN IF NOT EXISTS drain_deadline BIGINT NULL;
