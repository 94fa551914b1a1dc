-- Video rooms (issue 16): a room is an AudioBridge room (audio) or a
-- VideoRoom room (video). A video room keeps what it was created with, so a
-- failover or a restart recreates it with the same parameters elsewhere.
ALTER TABLE rooms
  ADD COLUMN IF NOT EXISTS room_type ENUM('audio','video') NOT NULL DEFAULT 'audio',
  ADD COLUMN IF NOT EXISTS video_codec VARCHAR(8) NULL,
  ADD COLUMN IF NOT EXISTS bitrate_kbps INT NULL,
  ADD COLUMN IF NOT EXISTS screen_share TINYINT NOT NULL DEFAULT 0;

-- What each participant handle publishes (VideoRoom published/unpublished),
-- the mid of its audio stream (room-mute moderates that stream), and, for a
-- second publisher handle of the same person (a screen share: same opaque
-- id), the participant id of their first handle. room-status lists people:
-- rows without main_id, with what their other handles publish merged in.
ALTER TABLE participants
  ADD COLUMN IF NOT EXISTS publishing SET('microphone','camera','screen') NOT NULL DEFAULT '',
  ADD COLUMN IF NOT EXISTS audio_mid VARCHAR(16) NULL,
  ADD COLUMN IF NOT EXISTS main_id VARCHAR(64) NULL;

-- Per media server: where it writes recordings (AudioBridge .wav, VideoRoom
-- .mjr), and its network link's capacity, the network term of the score.
ALTER TABLE servers
  ADD COLUMN IF NOT EXISTS record_dir VARCHAR(255) NULL,
  ADD COLUMN IF NOT EXISTS link_mbps DOUBLE NULL;
