/* Voice rooms (janus.plugin.audiobridge): one handle sends the microphone
 * and plays the room's mix, and the list of the people in the room with
 * their talking and muted flags. */

import { $, mrb, note, showError, setStatus } from './page.js';
import { lost, leave, watchIce } from './broker.js';

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
  } else if (ev === 'event' && msg.error_code === 485) {
    /* "no such room": it moved (or ended) between join-room's answer and
     * our join; join-room says where it is now */
    lost('room not on the media server');
    return;
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

export { renderPeople, attachAudio };
