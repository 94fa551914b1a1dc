/* The browser tests' view of the media: window.mrb.stats() and
 * window.mrb.videoStats(), from the getStats of each Janus handle's
 * PeerConnection. It exports nothing: app.js imports it for these two. */

import { mrb } from './page.js';

/* The stats of one handle's PeerConnection: inbound audio and video, and
 * the selected candidate pair's local type. */
async function pcStats(h) {
  const out = { audioBytes: 0, audioPackets: 0, audioEnergy: 0, audioSeconds: 0, videoBytes: 0, framesDecoded: 0, frameWidth: 0,
    frameHeight: 0, localType: null };
  const pc = h && h.webrtcStuff && h.webrtcStuff.pc;
  if (!pc) return out;
  const report = await pc.getStats();
  let pairId = null;
  report.forEach((s) => {
    if (s.type === 'inbound-rtp' && s.kind === 'audio') {
      out.audioBytes += s.bytesReceived || 0;
      out.audioPackets += s.packetsReceived || 0;
      out.audioEnergy += s.totalAudioEnergy || 0;
      out.audioSeconds += s.totalSamplesDuration || 0;
    } else if (s.type === 'inbound-rtp' && s.kind === 'video') {
      out.videoBytes += s.bytesReceived || 0;
      out.framesDecoded += s.framesDecoded || 0;
      out.frameWidth = Math.max(out.frameWidth, s.frameWidth || 0);
      out.frameHeight = Math.max(out.frameHeight, s.frameHeight || 0);
    } else if (s.type === 'transport' && s.selectedCandidatePairId) pairId = s.selectedCandidatePairId;
  });
  const pair = pairId && report.get(pairId);
  const local = pair && report.get(pair.localCandidateId);
  out.localType = local ? local.candidateType : null;
  return out;
}

/* For the test: per remote feed (who, camera or screen, inbound stats), and
 * our own publisher's candidate pair. */
mrb.videoStats = async () => {
  const v = mrb.video;
  if (!v) return { myId: null, publisher: null, sharing: false, feeds: [] };
  const feeds = await Promise.all([...v.feeds.values()].map(async (f) =>
    ({ id: f.id, display: f.display, screen: f.screen, talking: !!f.talking, level: f.level || 0, ...(await pcStats(f.handle)) })));
  return { myId: mrb.myId, publisher: await pcStats(v.pub), published: v.published, sharing: !!v.sharing, talking: !!v.self.talking, feeds };
};

/* For the test: inbound audio bytes and video frames decoded (in a video
 * room, summed over every feed) and our own PeerConnection's selected
 * candidate pair's local type. */
mrb.stats = async () => {
  const own = await pcStats(mrb.handle);
  const feeds = mrb.video ? await Promise.all([...mrb.video.feeds.values()].map((f) => pcStats(f.handle))) : [];
  return {
    bytesReceived: feeds.reduce((sum, f) => sum + f.audioBytes, own.audioBytes),
    framesDecoded: feeds.reduce((sum, f) => sum + f.framesDecoded, 0),
    localType: own.localType,
  };
};
