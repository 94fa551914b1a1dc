/* MRB demo: create-room and join-room through the broker, then an
 * AudioBridge call with Debian's janus.js. Uses exactly what join-room
 * returns: server, token, ice and opaqueId. No build step. */
'use strict';

const $ = (id) => document.getElementById(id);
/* Exposed for the browser test and for poking at from the console. */
const mrb = (window.mrb = { janus: null, handle: null, joined: false, myId: null, people: new Map(), error: null });

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
  if (!res.ok || doc.code !== '000') throw new Error(`${doc.code}: ${doc.message}`);
  return doc.data;
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
    showError('The room was ended.');
    leave('Room ended.');
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

function startCall(grant, room, key, display, relayOnly) {
  $('roomLabel').textContent = room;
  $('call').hidden = false;
  setStatus('Connecting to ' + grant.server + '…');
  Janus.init({
    debug: false,
    dependencies: Janus.useDefaultDependencies(),
    callback: () => {
      mrb.janus = new Janus({
        server: grant.server,
        token: grant.token,
        iceServers: grant.ice,
        iceTransportPolicy: relayOnly ? 'relay' : undefined,
        success: () =>
          mrb.janus.attach({
            plugin: 'janus.plugin.audiobridge',
            opaqueId: grant.opaqueId,
            success: (h) => {
              mrb.handle = h;
              h.send({ message: { request: 'join', room, pin: key, display } });
            },
            error: (e) => showError('media server: ' + e),
            onmessage: (msg, jsep) => onMessage(msg, jsep, room),
            onremotetrack: (track, mid, on) => {
              if (track.kind === 'audio' && on) {
                $('remote').srcObject = new MediaStream([track]);
                $('remote').play().catch(() => {});
              }
            },
            webrtcState: (up) => setStatus(up ? 'Connected: talk away.' : 'Audio disconnected.', up),
          }),
        error: (e) => {
          showError('media server: ' + e);
          leave();
        },
      });
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
    const grant = await api('join-room', { roomId: room, roomKey: key, display });
    $('leave').disabled = false;
    startCall(grant, room, key, display, $('relay').checked);
  } catch (e) {
    showError(e.message);
    $('join').disabled = false;
  }
});

$('leave').addEventListener('click', () => leave('Left the room.'));

/* ?room=ID&key=KEY prefill the join form (a link a host can send). */
const q = new URLSearchParams(location.search);
if (q.get('room')) $('roomId').value = q.get('room');
if (q.get('key')) $('roomKey').value = q.get('key');
