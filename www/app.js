/* MRB demo: create-room and join-room through the broker, then a call
 * with Debian's janus.js: AudioBridge for a voice room, VideoRoom for a
 * video room (join-room's "plugin"). Uses exactly what join-room returns:
 * server, token, ice, opaqueId and plugin. No build step.
 *
 * A video room: one publisher handle sends camera and microphone, one
 * subscriber handle per other publisher receives it (a tile each), and
 * "Share screen" publishes the screen on a second publisher handle. Every
 * handle is attached with the same opaqueId, which is how MRB tells a
 * person's screen share from a new person (it takes no seat). The talking
 * indicator comes from the received audio's level (pollLevels).
 *
 * The call outlives its media server: when the server is lost (the Janus
 * session fails, ICE fails or stays disconnected for 3 s, or the room is
 * destroyed under us), the page calls join-room again with the same userId
 * and "unreachable": the server it lost, and follows the answer, retrying
 * after 0.5, 1, 2 and 4 s, then every 4 s. Every 30 s, and when the tab
 * becomes visible, a plain join-room (a reload: no write) checks that the
 * room has not moved (server panic, failover) and follows it if it has.
 * docs/API.md, "Client recipe", has the same loop for app developers. */
'use strict';

const $ = (id) => document.getElementById(id);
/* Exposed for the browser test and for poking at from the console. */
const mrb = (window.mrb = { janus: null, handle: null, joined: false, myId: null, people: new Map(), error: null,
  call: null, grant: null, rejoining: false, rejoins: 0, video: null, muted: false, cameraOff: false, log: [] });
/* One userId per tab: a rejoin keeps its seat, even in a full room. */
mrb.userId = sessionStorage.getItem('mrbUserId') ||
  'demo-' + Array.from(crypto.getRandomValues(new Uint8Array(8)), (b) => b.toString(16).padStart(2, '0')).join('');
sessionStorage.setItem('mrbUserId', mrb.userId);
const REJOIN_DELAYS = [500, 1000, 2000, 4000];
const RECHECK_MS = 30000, ICE_GRACE_MS = 3000;
const VIDEOROOM = 'janus.plugin.videoroom';

/* What happened to the call, with times: window.mrb.log in the console (and
 * in the browser tests' failure messages). */
function note(text) {
  mrb.log.push(`${new Date().toISOString().slice(11, 23)} ${text}`);
  if (mrb.log.length > 40) mrb.log.shift();
}

function showError(text) {
  mrb.error = text;
  $('error').textContent = text;
  $('error').hidden = false;
}

function clearError() {
  mrb.error = null;
  $('error').hidden = true;
}

function setStatus(text, up) {
  $('status').textContent = text;
  $('status').classList.toggle('up', !!up);
}

/* POST a JSON body to /mrb/<path>; resolves with data or rejects with the
 * broker's own error text ("106: wrong room key"). */
async function api(path, body, token) {
  const headers = { 'Content-Type': 'application/json' };
  if (token) headers.Authorization = 'Bearer ' + token;
  const res = await fetch('/mrb/' + path, { method: 'POST', headers, body: JSON.stringify(body) });
  let doc;
  try {
    doc = await res.json();
  } catch (e) {
    throw new Error(`${res.status}: ${res.statusText || 'no JSON answer'}`);
  }
  if (!res.ok || doc.code !== '000') {
    const e = new Error(`${doc.code}: ${doc.message}`);
    e.code = doc.code;
    throw e;
  }
  return doc.data;
}

/* Drops the Janus session without waiting for the server (it may be dead). */
function dropSession() {
  const j = mrb.janus;
  mrb.janus = mrb.handle = null;
  mrb.joined = false;
  clearTimeout(mrb.iceTimer);
  resetVideo(true);
  if (j) {
    try {
      j.destroy({ cleanupHandles: true, notifyDestroyed: false, unload: true });
    } catch (e) {
      /* the server is gone: nothing to tell it */
    }
  }
}

/* The media server is lost: join again through the broker, naming it. */
async function lost(why) {
  if (!mrb.call || mrb.rejoining) return;
  mrb.rejoining = true;
  const bad = mrb.grant && mrb.grant.server;
  note(`lost ${bad}: ${why}`);
  dropSession();
  setStatus('Reconnecting… (' + why + ')');
  for (let i = 0; mrb.call; i++) {
    await new Promise((r) => setTimeout(r, REJOIN_DELAYS[Math.min(i, REJOIN_DELAYS.length - 1)]));
    if (!mrb.call) break;
    try {
      const grant = await api('join-room', { ...joinBody(), unreachable: bad });
      note(`rejoined: ${grant.server}`);
      mrb.rejoins++;
      mrb.rejoining = false;
      startCall(grant);
      return;
    } catch (e) {
      if (e.code === '105' || e.code === '104' || e.code === '106' || e.code === '107') {
        /* ended, gone, key changed, or no seat: rejoining cannot help */
        showError(e.message);
        leave(e.code === '105' ? 'Room ended.' : 'Left the room.');
        break;
      }
      /* the broker or the network is down too: keep trying */
      note(`join-room: ${e.message}`);
    }
  }
  mrb.rejoining = false;
}

/* The room may have moved without our server failing (server panic, a
 * failover seen by others): a plain join, which writes nothing, tells. */
async function recheck() {
  if (!mrb.call || mrb.rejoining || !mrb.grant) return;
  try {
    const grant = await api('join-room', joinBody());
    if (mrb.call && !mrb.rejoining && grant.server !== mrb.grant.server) {
      note(`moved: ${mrb.grant.server} -> ${grant.server}`);
      dropSession();
      setStatus('The room moved; reconnecting…');
      mrb.rejoins++;
      startCall(grant);
    }
  } catch (e) {
    /* a failed check changes nothing; the next one may do */
  }
}

function joinBody() {
  const c = mrb.call;
  return { roomId: c.room, roomKey: c.key, display: c.display, userId: mrb.userId };
}

function renderPeople() {
  const ul = $('people');
  ul.replaceChildren();
  for (const p of mrb.people.values()) {
    const li = document.createElement('li');
    li.dataset.id = p.id;
    li.classList.toggle('talking', !!p.talking);
    const dot = document.createElement('span');
    dot.className = 'dot';
    const name = document.createElement('span');
    name.textContent = p.display || '(no name)';
    li.append(dot, name);
    if (p.id === mrb.myId) {
      const you = document.createElement('span');
      you.className = 'you';
      you.textContent = '(you)';
      li.append(you);
    }
    if (p.muted) {
      const m = document.createElement('span');
      m.className = 'muted';
      m.textContent = 'muted';
      li.append(m);
    }
    ul.append(li);
  }
}

function upsertPeople(list) {
  for (const p of list || []) {
    const old = mrb.people.get(p.id) || {};
    mrb.people.set(p.id, { ...old, id: p.id, display: p.display, muted: p.muted, talking: p.talking ?? old.talking });
  }
  renderPeople();
}

function setTalking(id, talking) {
  const p = mrb.people.get(id);
  if (p) {
    p.talking = talking;
    renderPeople();
  }
}

function leave(reason) {
  mrb.call = null;
  mrb.gen = (mrb.gen || 0) + 1; /* the session's late callbacks (a long poll's 404) are not ours any more */
  clearInterval(mrb.recheckTimer);
  if (mrb.janus) mrb.janus.destroy({ cleanupHandles: true });
  mrb.janus = mrb.handle = null;
  mrb.joined = false;
  resetVideo();
  mrb.people.clear();
  renderPeople();
  $('join').disabled = false;
  $('leave').disabled = true;
  if (reason) setStatus(reason);
}

function onMessage(msg, jsep, room) {
  const ev = msg.audiobridge;
  if (ev === 'joined' && msg.id !== undefined) {
    /* our own join: publish the microphone, then the others' audio comes mixed */
    mrb.myId = msg.id;
    mrb.joined = true;
    upsertPeople([{ id: msg.id, display: $('display').value, muted: mrb.muted }]);
    upsertPeople(msg.participants);
    setStatus('Joined; connecting audio…');
    mrb.handle.createOffer({
      tracks: [{ type: 'audio', capture: true, recv: true }],
      success: (offer) => mrb.handle.send({ message: { request: 'configure', muted: mrb.muted }, jsep: offer }),
      error: (e) => showError('microphone or WebRTC: ' + (e.message || e)),
    });
  } else if (ev === 'joined') {
    upsertPeople(msg.participants);
  } else if (ev === 'talking' || ev === 'stopped-talking') {
    setTalking(msg.id, ev === 'talking');
  } else if (ev === 'destroyed') {
    /* ended by its host, or destroyed under us: join-room tells which (410) */
    lost('room destroyed on the media server');
  } else if (ev === 'event') {
    if (msg.participants) upsertPeople(msg.participants);
    if (msg.leaving !== undefined) {
      mrb.people.delete(msg.leaving);
      renderPeople();
    }
    if (msg.kicked !== undefined && msg.kicked === mrb.myId) {
      showError('You were removed from the room by its host.');
      leave('Removed.');
    }
    if (msg.error) showError(`${msg.error_code}: ${msg.error}`);
  }
  if (jsep && mrb.handle) mrb.handle.handleRemoteJsep({ jsep });
}

function startCall(grant) {
  const { relay: relayOnly } = mrb.call;
  /* callbacks of an earlier session (a server we left) must not act on this one */
  const gen = (mrb.gen = (mrb.gen || 0) + 1);
  const current = () => gen === mrb.gen;
  const video = grant.plugin === VIDEOROOM;
  mrb.grant = grant;
  $('roomLabel').textContent = mrb.call.room;
  $('call').hidden = false;
  $('people').hidden = video;
  $('tiles').hidden = !video;
  $('camera').hidden = !video;
  $('share').hidden = !video || grant.screenShare === false;
  showControls();
  setStatus('Connecting to ' + grant.server + '…');
  note(`connecting: ${grant.server} (${video ? 'VideoRoom' : 'AudioBridge'})`);
  Janus.init({
    debug: false,
    dependencies: Janus.useDefaultDependencies(),
    callback: () => {
      const j = (mrb.janus = new Janus({
        server: grant.server,
        token: grant.token,
        iceServers: grant.ice,
        iceTransportPolicy: relayOnly ? 'relay' : undefined,
        success: () => current() && (video ? attachVideo(j, grant, current) : attachAudio(j, grant, current)),
        error: (e) => current() && lost('media server: ' + e),
      }));
    },
  });
}

/* The media server is lost when ICE fails or stays disconnected for 3 s. */
function watchIce(current) {
  return (state) => {
    if (!current()) return;
    clearTimeout(mrb.iceTimer);
    if (state === 'failed') lost('ICE failed');
    else if (state === 'disconnected') mrb.iceTimer = setTimeout(() => lost('ICE disconnected for 3 s'), ICE_GRACE_MS);
  };
}

function attachAudio(j, grant, current) {
  const { room, key, display } = mrb.call;
  j.attach({
    plugin: 'janus.plugin.audiobridge',
    opaqueId: grant.opaqueId,
    success: (h) => {
      if (!current()) return;
      mrb.handle = h;
      h.send({ message: { request: 'join', room, pin: key, display } });
    },
    error: (e) => current() && showError('media server: ' + e),
    onmessage: (msg, jsep) => current() && onMessage(msg, jsep, room),
    onremotetrack: (track, mid, on) => {
      if (current() && track.kind === 'audio' && on) {
        $('remote').srcObject = new MediaStream([track]);
        $('remote').play().catch(() => {});
      }
    },
    webrtcState: (up) => {
      if (!current()) return;
      note(`audio ${up ? 'up' : 'down'}`);
      setStatus(up ? 'Connected: talk away.' : 'Audio disconnected.', up);
    },
    iceState: watchIce(current),
  });
}

/* ---- Video rooms (janus.plugin.videoroom) ---- */

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

$('create').addEventListener('click', async () => {
  clearError();
  try {
    const body = { roomNm: $('roomNm').value, roomType: $('roomType').value };
    if ($('maxParticipants').value) body.maxParticipants = Number($('maxParticipants').value);
    if ($('record').checked) body.record = true;
    if (body.roomType === 'video') body.screenShare = $('screenShare').checked;
    const data = await api('create-room', body, $('token').value.trim());
    $('roomId').value = data.roomId;
    $('roomKey').value = data.roomKey;
  } catch (e) {
    showError(e.message);
  }
});

$('join').addEventListener('click', async () => {
  clearError();
  const room = $('roomId').value.trim(), key = $('roomKey').value.trim(), display = $('display').value.trim();
  $('join').disabled = true;
  try {
    mrb.call = { room, key, display, relay: $('relay').checked };
    const grant = await api('join-room', joinBody());
    $('leave').disabled = false;
    startCall(grant);
    clearInterval(mrb.recheckTimer);
    mrb.recheckTimer = setInterval(recheck, RECHECK_MS);
  } catch (e) {
    mrb.call = null;
    showError(e.message);
    $('join').disabled = false;
  }
});

document.addEventListener('visibilitychange', () => {
  if (document.visibilityState === 'visible') recheck();
});

$('leave').addEventListener('click', () => leave('Left the room.'));

$('roomType').addEventListener('change', () => {
  $('screenShareLabel').hidden = $('roomType').value !== 'video';
});

$('mute').addEventListener('click', () => {
  mrb.muted = !mrb.muted;
  showControls();
  applyMute();
});

$('camera').addEventListener('click', () => {
  mrb.cameraOff = !mrb.cameraOff;
  showControls();
  applyMute();
});

$('share').addEventListener('click', () => (mrb.video && mrb.video.screenTrack ? stopShare() : startShare()));

/* ?room=ID&key=KEY prefill the join form (a link a host can send). */
const q = new URLSearchParams(location.search);
if (q.get('room')) $('roomId').value = q.get('room');
if (q.get('key')) $('roomKey').value = q.get('key');
