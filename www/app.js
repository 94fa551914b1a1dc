/* MRB demo: create-room and join-room through the broker, then an
 * AudioBridge call with Debian's janus.js. Uses exactly what join-room
 * returns: server, token, ice and opaqueId. No build step.
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
  call: null, grant: null, rejoining: false, rejoins: 0 });
/* One userId per tab: a rejoin keeps its seat, even in a full room. */
mrb.userId = sessionStorage.getItem('mrbUserId') ||
  'demo-' + Array.from(crypto.getRandomValues(new Uint8Array(8)), (b) => b.toString(16).padStart(2, '0')).join('');
sessionStorage.setItem('mrbUserId', mrb.userId);
const REJOIN_DELAYS = [500, 1000, 2000, 4000];
const RECHECK_MS = 30000, ICE_GRACE_MS = 3000;

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
  dropSession();
  setStatus('Reconnecting… (' + why + ')');
  for (let i = 0; mrb.call; i++) {
    await new Promise((r) => setTimeout(r, REJOIN_DELAYS[Math.min(i, REJOIN_DELAYS.length - 1)]));
    if (!mrb.call) break;
    try {
      const grant = await api('join-room', { ...joinBody(), unreachable: bad });
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
  clearInterval(mrb.recheckTimer);
  if (mrb.janus) mrb.janus.destroy({ cleanupHandles: true });
  mrb.janus = mrb.handle = null;
  mrb.joined = false;
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
    upsertPeople([{ id: msg.id, display: $('display').value, muted: false }]);
    upsertPeople(msg.participants);
    setStatus('Joined; connecting audio…');
    mrb.handle.createOffer({
      tracks: [{ type: 'audio', capture: true, recv: true }],
      success: (offer) => mrb.handle.send({ message: { request: 'configure', muted: false }, jsep: offer }),
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
  const { room, key, display, relay: relayOnly } = mrb.call;
  /* callbacks of an earlier session (a server we left) must not act on this one */
  const gen = (mrb.gen = (mrb.gen || 0) + 1);
  const current = () => gen === mrb.gen;
  mrb.grant = grant;
  $('roomLabel').textContent = room;
  $('call').hidden = false;
  setStatus('Connecting to ' + grant.server + '…');
  Janus.init({
    debug: false,
    dependencies: Janus.useDefaultDependencies(),
    callback: () => {
      const j = (mrb.janus = new Janus({
        server: grant.server,
        token: grant.token,
        iceServers: grant.ice,
        iceTransportPolicy: relayOnly ? 'relay' : undefined,
        success: () =>
          current() &&
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
            webrtcState: (up) => current() && setStatus(up ? 'Connected: talk away.' : 'Audio disconnected.', up),
            iceState: (state) => {
              if (!current()) return;
              clearTimeout(mrb.iceTimer);
              if (state === 'failed') lost('ICE failed');
              else if (state === 'disconnected')
                mrb.iceTimer = setTimeout(() => lost('ICE disconnected for 3 s'), ICE_GRACE_MS);
            },
          }),
        error: (e) => current() && lost('media server: ' + e),
      }));
    },
  });
}

/* For the test: inbound audio bytes and the selected candidate pair's local type. */
mrb.stats = async () => {
  const pc = mrb.handle && mrb.handle.webrtcStuff && mrb.handle.webrtcStuff.pc;
  if (!pc) return { bytesReceived: 0, localType: null };
  const report = await pc.getStats();
  let bytes = 0, pairId = null, localType = null;
  report.forEach((s) => {
    if (s.type === 'inbound-rtp' && s.kind === 'audio') bytes += s.bytesReceived || 0;
    if (s.type === 'transport' && s.selectedCandidatePairId) pairId = s.selectedCandidatePairId;
  });
  if (pairId) {
    const pair = report.get(pairId);
    const local = pair && report.get(pair.localCandidateId);
    localType = local ? local.candidateType : null;
  }
  return { bytesReceived: bytes, localType };
};

$('create').addEventListener('click', async () => {
  clearError();
  try {
    const data = await api('create-room', { roomNm: $('roomNm').value }, $('token').value.trim());
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

/* ?room=ID&key=KEY prefill the join form (a link a host can send). */
const q = new URLSearchParams(location.search);
if (q.get('room')) $('roomId').value = q.get('room');
if (q.get('key')) $('roomKey').value = q.get('key');
