/* Video rooms (janus.plugin.videoroom): camera and microphone on air, a tile
 * per other publisher, screen sharing, the talking indicator, and the mute and
 * camera buttons' effect (on either kind of room). */

import { $, mrb, note, showError, setStatus } from './page.js';
import { lost, leave, watchIce } from './broker.js';

/* A video room: one publisher handle sends camera and microphone, one
 * subscriber handle per other publisher receives it (a tile each), and
 * "Share screen" publishes the screen on a second publisher handle. Every
 * handle is attached with the same opaqueId, which is how MRB tells a
 * person's screen share from a new person (it takes no seat). The talking
 * indicator comes from the received audio's level (pollLevels). */

const VIDEOROOM = 'janus.plugin.videoroom';

/* One Janus session's video state: the publisher handle, the screen-share
 * handle, and one subscription per other publisher (a feed). When the
 * session is lost (keepScreen), a screen capture is kept in mrb.screenTrack
 * to be published again once the camera is on air on the next server. */
function resetVideo(keepScreen) {
  const v = mrb.video;
  mrb.video = null;
  if (v) {
    clearInterval(v.levelTimer);
    for (const f of v.feeds.values()) detachQuietly(f.handle);
    detachQuietly(v.screen);
    /* a screen share goes on from the next server (publishScreen) */
    if (keepScreen && v.screenTrack && v.screenTrack.readyState === 'live') mrb.screenTrack = v.screenTrack;
    else if (v.screenTrack) v.screenTrack.stop();
  }
  if (!keepScreen && mrb.screenTrack) {
    mrb.screenTrack.stop();
    mrb.screenTrack = null;
  }
  $('tiles').replaceChildren();
  shareButton();
}

function detachQuietly(h) {
  if (!h) return;
  try {
    h.detach({ noRequest: !mrb.janus });
  } catch (e) {
    /* the session is gone already */
  }
}

/* The mids of the m-lines of one kind in an SDP, to describe them. */
function midsOf(sdp, kind) {
  const mids = [];
  for (const section of (sdp || '').split(/\r?\nm=/).slice(1)) {
    const m = section.startsWith(kind + ' ') && /\r?\na=mid:(\S+)/.exec(section);
    if (m) mids.push(m[1]);
  }
  return mids;
}

function describe(jsep, description) {
  return midsOf(jsep.sdp, 'video').map((mid) => ({ mid, description }));
}

/* A tile: a <video> with the name, a talking dot and flags underneath.
 * Created once per key (self, self-screen, or a feed id) and updated in
 * place, so that playback is not interrupted. */
function tileOf(key) {
  return [...$('tiles').children].find((t) => t.dataset.key === String(key));
}

function tile(key, name, opts = {}) {
  let el = tileOf(key);
  if (!el) {
    el = document.createElement('figure');
    el.className = 'tile';
    el.dataset.key = key;
    const video = document.createElement('video');
    video.autoplay = true;
    video.playsInline = true;
    video.muted = !!opts.self; /* no echo of our own microphone */
    const cap = document.createElement('figcaption');
    const dot = document.createElement('span');
    dot.className = 'dot';
    const label = document.createElement('span');
    label.className = 'name';
    const flags = document.createElement('span');
    flags.className = 'flags';
    cap.append(dot, label, flags);
    el.append(video, cap);
    $('tiles').append(el);
  }
  el.classList.toggle('screen', !!opts.screen);
  el.classList.toggle('self', !!opts.self);
  el.querySelector('.name').textContent = name;
  return el;
}

function dropTile(key) {
  const el = tileOf(key);
  if (el) el.remove();
}

function showTracks(el, tracks) {
  const video = el.querySelector('video');
  video.srcObject = tracks.length ? new MediaStream(tracks) : null;
  if (tracks.length) video.play().catch(() => {});
  el.classList.toggle('novideo', !tracks.some((t) => t.kind === 'video'));
}

function selfFlags() {
  const el = tileOf('self');
  if (el) el.querySelector('.flags').textContent = [mrb.muted && 'muted', mrb.cameraOff && 'camera off'].filter(Boolean).join(' · ');
}

/* The talking indicator, from the audio itself: every 250 ms, the mean
 * level of the audio decoded from each feed since the last look (getStats
 * inbound-rtp totalAudioEnergy over totalSamplesDuration), and of our own
 * microphone (media-source). A tile lights up for 600 ms after a level above
 * 0.02 (about -34 dBFS). VideoRoom's own "talking" events need, by default,
 * two seconds of sound above its threshold and miss short words (and the
 * fake microphone's beeps). */
const LEVEL_MS = 250, LEVEL_ON = 0.02, LEVEL_HOLD_MS = 600;

/* The mean audio level since the last call, from the stats of one handle's
 * audio receiver (inbound-rtp) or sender (media-source): a sender's or a
 * receiver's getStats gathers far less than the whole PeerConnection's. */
async function audioLevel(h, who, type) {
  const pc = h && h.webrtcStuff && h.webrtcStuff.pc;
  const ends = !pc ? [] : type === 'inbound-rtp' ? pc.getReceivers() : pc.getSenders();
  const end = ends.find((e) => e.track && e.track.kind === 'audio');
  if (!end) return 0;
  let energy = 0, duration = 0;
  (await end.getStats()).forEach((s) => {
    if (s.type === type && s.kind === 'audio') {
      energy += s.totalAudioEnergy || 0;
      duration += s.totalSamplesDuration || 0;
    }
  });
  const last = who.energy || { energy: 0, duration: 0 };
  who.energy = { energy, duration };
  const dt = duration - last.duration;
  return dt > 0 && energy >= last.energy ? Math.sqrt((energy - last.energy) / dt) : 0;
}

function showLevel(key, who, level) {
  const now = performance.now();
  if (level > LEVEL_ON) who.loudAt = now;
  who.level = level;
  who.talking = now - (who.loudAt || -Infinity) < LEVEL_HOLD_MS;
  const el = tileOf(key);
  if (el) el.classList.toggle('talking', who.talking);
}

async function pollLevels(v) {
  for (const f of v.feeds.values()) if (!f.screen) showLevel(f.id, f, await audioLevel(f.handle, f, 'inbound-rtp').catch(() => 0));
  const own = await audioLevel(v.pub, v.self, 'media-source').catch(() => 0);
  showLevel('self', v.self, mrb.muted ? 0 : own);
}

/* Janus's error in the page's error line; 432 (the room's publishers cap)
 * says what it means for the user. The handle's PeerConnection is dropped:
 * Janus refused it. */
function publishRefused(h, msg, what) {
  let text = `${msg.error_code}: ${msg.error}`;
  if (msg.error_code === 432) text += ` (the room takes no more ${what}s; you can still watch and listen)`;
  showError(text);
  try {
    h.hangup();
  } catch (e) {
    /* nothing to hang up */
  }
}

function attachVideo(j, grant, current) {
  const { room, key, display } = mrb.call;
  const v = (mrb.video = { pub: null, privateId: null, published: false, screen: null, screenId: null, feeds: new Map(), self: {} });
  v.levelTimer = setInterval(async () => {
    if (mrb.video !== v || v.polling) return;
    v.polling = true;
    await pollLevels(v);
    v.polling = false;
  }, LEVEL_MS);
  const localTracks = new Map();
  j.attach({
    plugin: VIDEOROOM,
    opaqueId: grant.opaqueId,
    success: (h) => {
      if (!current()) return;
      mrb.handle = v.pub = h;
      h.send({ message: { request: 'join', ptype: 'publisher', room, pin: key, display } });
    },
    error: (e) => current() && showError('media server: ' + e),
    onmessage: (msg, jsep) => current() && onVideoMessage(v, msg, jsep),
    onlocaltrack: (track, on) => {
      if (!current()) return;
      if (on) localTracks.set(track.id, track);
      else localTracks.delete(track.id);
      /* the preview shows the camera only: our own audio would echo */
      showTracks(tile('self', display + ' (you)', { self: true }), [...localTracks.values()].filter((t) => t.kind === 'video'));
      selfFlags();
    },
    webrtcState: (up) => {
      if (!current()) return;
      note(`camera and microphone ${up ? 'up' : 'down'}`);
      setStatus(up ? 'Connected: camera and microphone on air.' : 'Media disconnected.', up);
      if (up) applyMute();
    },
    iceState: watchIce(current),
  });
}

function onVideoMessage(v, msg, jsep) {
  const ev = msg.videoroom;
  if (ev === 'joined') {
    /* our own join: publish camera and microphone, subscribe to the others */
    note(`joined as ${msg.id}; ${(msg.publishers || []).length} publishing`);
    mrb.myId = msg.id;
    v.privateId = msg.private_id;
    mrb.joined = true;
    tile('self', mrb.call.display + ' (you)', { self: true });
    selfFlags();
    setStatus('Joined; connecting camera and microphone…');
    v.pub.createOffer({
      tracks: [{ type: 'audio', capture: true, recv: false }, { type: 'video', capture: true, recv: false }],
      success: (offer) => v.pub.send({ message: { request: 'publish', descriptions: describe(offer, 'camera') }, jsep: offer }),
      error: (e) => showError('camera or microphone: ' + (e.message || e)),
    });
    subscribeAll(v, msg.publishers);
    shareButton();
  } else if (ev === 'event' && msg.error_code === 426) {
    /* "no such room": it moved (or ended) between join-room's answer and
     * our join; join-room says where it is now */
    lost('room not on the media server');
    return;
  } else if (ev === 'event') {
    if (msg.publishers) subscribeAll(v, msg.publishers);
    if (msg.unpublished !== undefined && msg.unpublished !== 'ok') dropFeed(v, msg.unpublished);
    if (msg.leaving === 'ok' && msg.reason === 'kicked') {
      showError('You were removed from the room by its host.');
      leave('Removed.');
      return;
    }
    if (msg.leaving !== undefined && msg.leaving !== 'ok') dropFeed(v, msg.leaving);
    if (msg.kicked !== undefined) dropFeed(v, msg.kicked);
    if (msg.configured === 'ok') {
      v.published = true;
      /* a share from the server we lost: on air again, after the camera (the
       * person's first handle) */
      const track = mrb.screenTrack;
      mrb.screenTrack = null;
      if (track && track.readyState === 'live' && !v.screenTrack) publishScreen(v, track);
    }
    if (msg.error) {
      publishRefused(v.pub, msg, 'camera');
      v.refused = msg.error_code;
      setStatus('Watching and listening only: your camera and microphone are not on air.');
      tile('self', mrb.call.display + ' (you, not on air)', { self: true });
    }
  } else if (ev === 'destroyed') {
    lost('room destroyed on the media server');
    return;
  }
  if (msg.error) note(`error ${msg.error_code}: ${msg.error}`);
  if (jsep && v.pub) v.pub.handleRemoteJsep({ jsep });
}

function subscribeAll(v, publishers) {
  for (const p of publishers || []) subscribe(v, p);
}

/* One subscriber handle per feed: its own PeerConnection, so that the
 * test (and the console) can read each feed's stats. */
function subscribe(v, p) {
  if (p.id === mrb.myId || p.id === v.screenId || v.feeds.has(p.id) || p.dummy) return;
  /* a screen: its video described as "screen"; other clients may also name
   * the handle "Name (screen)" (docs/API.md), ours keeps the person's name */
  const named = / \(screen\)$/.test(p.display || '');
  const screen = named || (p.streams || []).some((s) => s.description === 'screen');
  const display = named ? p.display.slice(0, -' (screen)'.length) : p.display || '(no name)';
  const feed = { id: p.id, display, screen, handle: null, tracks: new Map() };
  v.feeds.set(p.id, feed);
  const el = tile(p.id, screen ? `${feed.display} (screen)` : feed.display, { screen });
  const { room, key } = mrb.call;
  const mine = () => mrb.video === v && v.feeds.get(p.id) === feed;
  mrb.janus.attach({
    plugin: VIDEOROOM,
    opaqueId: mrb.grant.opaqueId,
    success: (h) => {
      if (!mine()) return detachQuietly(h);
      feed.handle = h;
      h.send({ message: { request: 'join', ptype: 'subscriber', room, pin: key, streams: [{ feed: p.id }], private_id: v.privateId } });
    },
    error: (e) => mine() && showError('media server: ' + e),
    onmessage: (msg, jsep) => {
      if (!mine()) return;
      if (msg.error) showError(`${msg.error_code}: ${msg.error}`);
      if (jsep) {
        feed.handle.createAnswer({
          jsep,
          /* receive only: no capture; data only if offered */
          tracks: [{ type: 'data' }],
          success: (answer) => feed.handle.send({ message: { request: 'start', room }, jsep: answer }),
          error: (e) => showError('WebRTC: ' + (e.message || e)),
        });
      }
    },
    onremotetrack: (track, mid, on) => {
      if (!mine()) return;
      if (on && !feed.tracks.size) note(`receiving ${feed.display}${screen ? ' (screen)' : ''}`);
      if (on) feed.tracks.set(mid, track);
      else feed.tracks.delete(mid);
      showTracks(el, [...feed.tracks.values()]);
    },
  });
}

function dropFeed(v, id) {
  const feed = v.feeds.get(id);
  if (!feed) return;
  v.feeds.delete(id);
  detachQuietly(feed.handle);
  dropTile(id);
}

/* Mute and camera off: the tracks stay, disabled (silence, black frames),
 * and come back as they were after a rejoin. */
function applyMute() {
  const h = mrb.handle;
  if (!h || !mrb.call) return;
  if (mrb.video) {
    try {
      if (mrb.muted) h.muteAudio();
      else h.unmuteAudio();
      if (mrb.cameraOff) h.muteVideo();
      else h.unmuteVideo();
    } catch (e) {
      /* no PeerConnection yet: applied once it is up */
    }
    selfFlags();
  } else if (mrb.joined) {
    h.send({ message: { request: 'configure', muted: mrb.muted } });
  }
}

function showControls() {
  $('mute').textContent = mrb.muted ? 'Unmute' : 'Mute';
  $('mute').setAttribute('aria-pressed', String(mrb.muted));
  $('camera').textContent = mrb.cameraOff ? 'Camera on' : 'Camera off';
  $('camera').setAttribute('aria-pressed', String(mrb.cameraOff));
  shareButton();
}

function shareButton() {
  const v = mrb.video;
  const sharing = !!(v && v.screenTrack);
  $('share').textContent = sharing ? 'Stop sharing' : 'Share screen';
  $('share').setAttribute('aria-pressed', String(sharing));
  $('share').disabled = !(v && mrb.joined) || !!(v && v.capturing);
}

/* Share screen: a second publisher handle in the same room, with the same
 * opaqueId, publishing one getDisplayMedia track described as "screen".
 * The screen is captured first, straight from the click: browsers allow
 * getDisplayMedia only within a few seconds of the user's gesture, and the
 * Janus round trips may take longer. */
async function startShare() {
  const v = mrb.video;
  if (!v || v.screenTrack || v.capturing || !mrb.janus) return;
  v.capturing = true;
  $('share').disabled = true;
  let track;
  try {
    const stream = await navigator.mediaDevices.getDisplayMedia({ video: { frameRate: { ideal: 10, max: 15 } }, audio: false });
    track = stream.getVideoTracks()[0];
  } catch (e) {
    showError('screen capture: ' + (e.message || e));
  } finally {
    v.capturing = false;
    shareButton();
  }
  if (!track) return;
  if (mrb.video !== v || !mrb.janus) return track.stop();
  note(`screen captured: ${track.getSettings().width}x${track.getSettings().height}`);
  /* the browser's own "Stop sharing" */
  track.addEventListener('ended', () => mrb.video && mrb.video.screenTrack === track && stopShare());
  publishScreen(v, track);
}

/* Publishes a captured screen track: from the button, or again on the
 * server the room moved to (the capture outlives the Janus session). */
function publishScreen(v, track) {
  const { room, key, display } = mrb.call;
  let handle = null;
  const mine = () => mrb.video === v && handle && v.screen === handle;
  v.screenTrack = track;
  shareButton();
  mrb.janus.attach({
    plugin: VIDEOROOM,
    opaqueId: mrb.grant.opaqueId,
    success: (h) => {
      if (mrb.video !== v || v.screen || v.screenTrack !== track) return detachQuietly(h);
      handle = v.screen = h;
      note('screen handle attached');
      h.send({ message: { request: 'join', ptype: 'publisher', room, pin: key, display } });
    },
    error: (e) => {
      showError('media server: ' + e);
      stopShare();
    },
    onmessage: (msg, jsep) => {
      if (!mine()) return;
      if (msg.videoroom === 'joined') {
        v.screenId = msg.id;
        note(`screen handle joined as ${msg.id}`);
        dropFeed(v, msg.id); /* never subscribe to our own screen */
        handle.createOffer({
          /* dontStop: a lost session's cleanup must not end the capture */
          tracks: [{ type: 'screen', capture: track, recv: false, dontStop: true }],
          success: (offer) => {
            note('screen offer sent');
            handle.send({ message: { request: 'publish', descriptions: describe(offer, 'screen') }, jsep: offer });
          },
          error: (e) => {
            showError('screen share: ' + (e.message || e));
            stopShare();
          },
        });
      } else if (msg.error) {
        publishRefused(handle, msg, 'screen share');
        stopShare();
        return;
      }
      if (jsep) handle.handleRemoteJsep({ jsep });
    },
    onlocaltrack: (t, on) => {
      if (mine() && on && t.kind === 'video') showTracks(tile('self-screen', display + ' (your screen)', { self: true, screen: true }), [t]);
    },
    webrtcState: (up) => {
      if (!mine()) return;
      note(`screen share ${up ? 'up' : 'down'}`);
      v.sharing = up;
    },
  });
}

function stopShare() {
  const v = mrb.video;
  if (v) {
    const h = v.screen, track = v.screenTrack;
    v.screen = v.screenId = v.screenTrack = null;
    v.sharing = false;
    detachQuietly(h);
    if (track) track.stop();
  }
  dropTile('self-screen');
  shareButton();
}

export { VIDEOROOM, resetVideo, attachVideo, applyMute, showControls, startShare, stopShare };
