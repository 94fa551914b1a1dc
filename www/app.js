/* The demo page's entry module (index.html loads it as type="module"):
 * the forms' and buttons' handlers. janus.js stays a classic script, and the
 * modules use its global Janus. */

import { $, mrb, note, showError, clearError } from './page.js';
import { RECHECK_MS, api, recheck, joinBody, leave, startCall } from './broker.js';
import { applyMute, showControls, startShare, stopShare } from './video-room.js';
import './stats.js';

/* MRB demo: create-room and join-room through the broker, then a call
 * with Debian's janus.js: AudioBridge for a voice room, VideoRoom for a
 * video room (join-room's "plugin"). Uses exactly what join-room returns:
 * server, token, ice, opaqueId and plugin. No build step.
 *
 * The modules: page.js, window.mrb and the page's status lines; broker.js,
 * create-room, join-room, the call and its rejoin loop; audio-room.js, voice
 * rooms (AudioBridge); video-room.js, video rooms (VideoRoom, screen share);
 * stats.js, window.mrb.stats() and videoStats() for the browser tests. */

$('create').addEventListener('click', async () => {
  clearError();
  $('created').hidden = true;
  try {
    const body = { roomNm: $('roomNm').value, roomType: $('roomType').value };
    if ($('maxParticipants').value) body.maxParticipants = Number($('maxParticipants').value);
    if ($('record').checked) body.record = true;
    if (body.roomType === 'video') body.screenShare = $('screenShare').checked;
    const data = await api('create-room', body, $('token').value.trim());
    $('roomId').value = data.roomId;
    $('roomKey').value = data.roomKey;
    showCreated(data);
  } catch (e) {
    showError(e);
  }
});

/* The room is there: say so, with a link that prefills a guest's join form
 * (?room=ID&key=KEY, read below) and a button to copy it. */
function showCreated(data) {
  const link = `${location.origin}${location.pathname}?room=${encodeURIComponent(data.roomId)}&key=${encodeURIComponent(data.roomKey)}`;
  mrb.created = { ...data, link };
  const until = data.expiresAt ? new Date(data.expiresAt) : null;
  const open = until && !isNaN(until) ? `, open until ${until.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })}` : '';
  const kind = data.roomType === 'video' ? 'Video' : 'Voice';
  $('createdText').textContent = `${kind} room “${data.roomNm}” created: ${data.maxParticipants} seats${open}, key ${data.roomKey}. ` +
    'Send the link below; the join form is filled in for you too.';
  $('shareLink').value = link;
  $('copied').textContent = '';
  $('created').hidden = false;
  $('created').scrollIntoView({ behavior: 'smooth', block: 'nearest' });
}

/* navigator.clipboard where the page may use it (a secure context: https or
 * localhost); else the link is selected for the person to copy. */
$('copyLink').addEventListener('click', async () => {
  const input = $('shareLink');
  try {
    if (!navigator.clipboard || !window.isSecureContext) throw new Error('no clipboard here');
    await navigator.clipboard.writeText(input.value);
    $('copied').textContent = 'Link copied.';
  } catch (e) {
    input.focus();
    input.select();
    input.setSelectionRange(0, input.value.length);
    $('copied').textContent = 'Link selected: copy it with Ctrl+C (⌘C on a Mac), or from the menu on a phone.';
  }
});
$('shareLink').addEventListener('focus', (ev) => ev.target.select());

$('join').addEventListener('click', async () => {
  clearError();
  const room = $('roomId').value.trim(), key = $('roomKey').value.trim(), display = $('display').value.trim();
  $('join').disabled = true;
  try {
    mrb.call = { room, key, display, relay: $('relay').checked };
    const grant = await api('join-room', joinBody());
    $('leave').disabled = false;
    startCall(grant);
    /* on a phone the call panel opens below the forms: bring it into view
     * (once, here: a rejoin does not move the page) */
    mrb.callScrolls = (mrb.callScrolls || 0) + 1;
    $('call').scrollIntoView({ behavior: 'smooth', block: 'start' });
    clearInterval(mrb.recheckTimer);
    mrb.recheckTimer = setInterval(recheck, RECHECK_MS);
  } catch (e) {
    mrb.call = null;
    showError(e);
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

/* ?room=ID&key=KEY prefill the join form (the share link a host sends);
 * a guest on a phone lands on the join form, not on the host's. */
const q = new URLSearchParams(location.search);
if (q.get('room')) $('roomId').value = q.get('room');
if (q.get('key')) $('roomKey').value = q.get('key');
if (q.get('room')) $('guest').scrollIntoView({ block: 'start' });

/* The seats field offers the broker's own range ([rooms] in its config, from
 * GET /mrb/health's limits). Without an answer (broker down, an older
 * broker) it keeps min 2 and no max: the broker's 400 names its range.
 * window.mrb.limitsReady resolves with the limits, or null. */
async function loadLimits() {
  const stop = new AbortController();
  const timer = setTimeout(() => stop.abort(), 5000);
  try {
    const res = await fetch('/mrb/health', { cache: 'no-store', signal: stop.signal });
    const doc = await res.json();
    const l = doc && doc.data && doc.data.limits;
    if (!l || !(l.maxParticipants >= 2)) throw new Error(`no limits (HTTP ${res.status})`);
    const seats = $('maxParticipants');
    seats.min = 2;
    seats.max = l.maxParticipants;
    /* the default, unless someone typed a number while we asked */
    const def = Math.min(Math.max(Number(l.defaultMaxParticipants) || 2, 2), l.maxParticipants);
    if (!seats.value) seats.value = def;
    seats.placeholder = `default ${def}`;
    $('seatsRange').textContent = `(2–${l.maxParticipants})`;
    mrb.limits = l;
    return l;
  } catch (e) {
    note(`health: ${e.message}; the seats field keeps min 2, no max`);
    return null;
  } finally {
    clearTimeout(timer);
  }
}
mrb.limitsReady = loadLimits();
