-- The network term of the placement score (issue 16, docs/DESIGN.md
-- "Placement and scoring"). Per media server:
--   net_devices: the interfaces whose transmitted bytes count, "eth0,eth1"
--     ([server NAME] net_devices); NULL counts every device but lo;
--   tx_bytes_prev, tx_prev_ms: the previous sample of the node exporter's
--     node_network_transmit_bytes_total (summed over those devices) and its
--     time in unix milliseconds, for the rate;
--   tx_mbps: the transmit rate between the last two samples, Mbit/s (NULL
--     after a first sample, a counter reset or a failed scrape);
--   pending_egress_kbps: the expected egress of the video rooms placed since
--     metrics_at (reset with pending_load by every successful poll).
ALTER TABLE servers
  ADD COLUMN IF NOT EXISTS net_devices         VARCHAR(200) NULL,
  ADD COLUMN IF NOT EXISTS tx_bytes_prev       DOUBLE       NULL,
  ADD COLUMN IF NOT EXISTS tx_prev_ms          BIGINT       NULL,
  ADD COLUMN IF NOT EXISTS tx_mbps             DOUBLE       NULL,
  ADD COLUMN IF NOT EXISTS pending_egress_kbps BIGINT       NOT NULL DEFAULT 0;
