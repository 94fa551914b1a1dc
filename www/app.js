/* The demo page's entry module (index.html loads it as type="module"):
 * the forms' and buttons' handlers. janus.js stays a classic script, and the
 * modules use its global Janus. */

import { $, mrb, showError, clearError } from './page.js';
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
