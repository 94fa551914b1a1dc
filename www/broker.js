/* The call through the broker: create-room and join-room (api), starting and
 * leaving a call, and the rejoin loop that follows the room to another media
 * server when ours is lost or the room moves. */

import { $, mrb, note, showError, setStatus } from './page.js';
import { attachAudio, renderPeople } from './audio-room.js';
import { VIDEOROOM, attachVideo, resetVideo, showControls } from './video-room.js';

/* The call outlives its media server: when the server is lost (the Janus
 * session fails, ICE fails or stays disconnected for 3 s, or the room is
 * destroyed under us), the page calls join-room again with the same userId
 * and "unreachable": the server it lost, and follows the answer, retrying
 * after 0.5, 1, 2 and 4 s, then every 4 s. Every 30 s, and when the tab
 * becomes visible, a plain join-room (a reload: no write) checks that the
 * room has not moved (server panic, failover) and follows it if it has.
 * docs/API.md, "Client recipe", has the same loop for app developers. */

const REJOIN_DELAYS = [500, 1000, 2000, 4000];
const RECHECK_MS = 30000, ICE_GRACE_MS = 3000;

/* POST a JSON body to /mrb/<path>; resolves with data or rejects with an
 * Error whose message is the broker's own line ("106: wrong room key"), and
 * status (HTTP, 0 when nothing answered), code ("106", "network" when the
 * broker cannot be reached), serverMessage and retryAfter (seconds, from
 * Retry-After) for page.js's showError to put in words. */
async function api(path, body, token) {
  const headers = { 'Content-Type': 'application/json' };
  if (token) headers.Authorization = 'Bearer ' + token;
  let res;
  try {
    res = await fetch('/mrb/' + path, { method: 'POST', headers, body: JSON.stringify(body) });
  } catch (e) {
    throw apiError(0, 'network', e.message || String(e));
  }
  const retryAfter = Number(res.headers.get('Retry-After')) || undefined;
  let doc;
  try {
    doc = await res.json();
  } catch (e) {
    throw apiError(res.status, String(res.status), res.statusText || 'no JSON answer', retryAfter);
  }
  if (!res.ok || !doc || doc.code !== '000') {
    throw apiError(res.status, (doc && doc.code) || String(res.status), (doc && doc.message) || res.statusText, retryAfter);
  }
  return doc.data;
}

function apiError(status, code, message, retryAfter) {
  const e = new Error(`${code}: ${message}`);
  e.status = status;
  e.code = code;
  e.serverMessage = message;
  e.retryAfter = retryAfter;
  return e;
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
  /* A room destroyed under us, or gone from the server before our join
   * reached it, was moved on purpose (panic, drain, members' reports: MRB
   * destroys the old copy only once the new mapping is committed) or ended:
   * join-room says which at once, so the first try does not wait. */
  const delays = why.startsWith('room ') ? [0, ...REJOIN_DELAYS] : REJOIN_DELAYS;
  for (let i = 0; mrb.call; i++) {
    await new Promise((r) => setTimeout(r, delays[Math.min(i, delays.length - 1)]));
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
        showError(e);
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

export { RECHECK_MS, api, lost, recheck, joinBody, leave, startCall, watchIce };
