/* The page's shared state and its lines of text: window.mrb (the browser
 * tests' only hook, and the console's), and the error, status and log lines.
 * The other modules import them from here, so that there is one of each. */

const $ = (id) => document.getElementById(id);
/* Exposed for the browser test and for poking at from the console. */
const mrb = (window.mrb = { janus: null, handle: null, joined: false, myId: null, people: new Map(), error: null,
  call: null, grant: null, rejoining: false, rejoins: 0, video: null, muted: false, cameraOff: false, log: [],
  errorInfo: null, limits: null, created: null });
/* One userId per tab: a rejoin keeps its seat, even in a full room. */
mrb.userId = sessionStorage.getItem('mrbUserId') ||
  'demo-' + Array.from(crypto.getRandomValues(new Uint8Array(8)), (b) => b.toString(16).padStart(2, '0')).join('');
sessionStorage.setItem('mrbUserId', mrb.userId);

/* What happened to the call, with times: window.mrb.log in the console (and
 * in the browser tests' failure messages). */
function note(text) {
  mrb.log.push(`${new Date().toISOString().slice(11, 23)} ${text}`);
  if (mrb.log.length > 40) mrb.log.shift();
}

/* Errors in words. A broker answer (broker.js's api() rejects with an Error
 * carrying status, code, serverMessage and retryAfter) becomes a sentence for
 * the person at the page, with "(HTTP · code)" kept for developers;
 * docs/API.md, "Error codes", is the table this follows. Codes the web server
 * answers itself (conf/errors/) carry the HTTP status as their code. */
const FIELDS = { roomNm: 'Room name', roomKey: 'Key', roomId: 'Room id', maxParticipants: 'Seats', display: 'Your name' };
const AGAIN = 'Try again shortly.';
const PAGE_BUG = 'This page sent a request the broker cannot take (a bug in the page, or a proxy in between).';
const WORDS = {
  network: 'Cannot reach the broker. Check your connection, then try again.',
  400: (e) => {
    /* the server's message names the field: say it with the form's label too */
    let m = e.serverMessage || 'bad request';
    const f = /^[A-Za-z]+/.exec(m);
    if (f && FIELDS[f[0]]) m = `${FIELDS[f[0]]} (${f[0]})${m.slice(f[0].length)}`;
    return `Check the form: ${m}.`;
  },
  101: 'The host token is missing, expired or not valid. Mint a new one (mrbctl token host) and paste it in.',
  102: 'This token is not allowed to do that: it has no host rights here.',
  104: 'There is no room with this id. Check the room id, or the link you were sent.',
  105: (e) => (/expired/.test(e.serverMessage) ? 'This room has expired.'
    : /ended/.test(e.serverMessage) ? 'This room has ended.' : `This room is over (${e.serverMessage}).`),
  106: 'That room key is wrong. Check the key, then try again.',
  107: 'This room is full: every seat is taken.',
  108: 'That person is not in the room any more.',
  109: (e) => `Too many wrong keys were tried for this room. ${waitFor(e.retryAfter)}`,
  110: 'There is nothing to mute: that person sends no audio.',
  405: PAGE_BUG,
  411: PAGE_BUG,
  415: PAGE_BUG,
  413: 'The request was too large for the broker.',
  408: 'The broker timed out waiting for the request. ' + AGAIN,
  502: 'The broker is not answering right now. ' + AGAIN,
  503: 'The broker cannot do that right now (no media server or no database available). ' + AGAIN,
  504: 'The broker is not answering right now. ' + AGAIN,
  500: 'Something went wrong inside the broker: a bug. Please report it, with what you did and the code.',
};

function waitFor(seconds) {
  if (!(seconds > 0)) return 'Wait a while before trying again.';
  if (seconds < 90) return `Try again in ${Math.ceil(seconds)} seconds.`;
  return `Try again in about ${Math.round(seconds / 60)} minutes.`;
}

/* { words, tag, raw, status, code, message, retryAfter } for a broker error. */
function explain(e) {
  const w = WORDS[e.code];
  let words = typeof w === 'function' ? w(e) : w;
  if (!words && e.status >= 500) words = 'The broker had a problem. ' + AGAIN;
  if (!words) words = `The broker refused the request: ${e.serverMessage || e.message}.`;
  const status = e.status ? String(e.status) : '';
  const tag = e.code === 'network' ? '(no answer)' : !status || status === e.code ? `(${e.code || status})` : `(${status} · ${e.code})`;
  return { words, tag, raw: e.message, status: e.status || 0, code: e.code, message: e.serverMessage, retryAfter: e.retryAfter };
}

/* A broker error (from api(): it has a code) in words, with the code and the
 * broker's own line ("106: wrong room key") for developers; any other text
 * (Janus's, WebRTC's) as it is. window.mrb.error keeps the raw line. */
function showError(err) {
  const box = $('error');
  if (err && typeof err === 'object' && err.code) {
    const info = explain(err);
    mrb.error = info.raw;
    mrb.errorInfo = info;
    const raw = document.createElement('span');
    raw.className = 'raw';
    raw.textContent = info.raw;
    raw.setAttribute('aria-hidden', 'true'); /* the words and the tag say it */
    const words = document.createElement('span');
    words.className = 'words';
    const tag = document.createElement('small');
    tag.className = 'code';
    tag.textContent = info.tag;
    words.append(info.words + ' ', tag);
    /* the broker's line first in the text (the tests and a copy-paste read
     * it); CSS shows the words first */
    box.replaceChildren(raw, '\n', words);
  } else {
    const text = err instanceof Error ? err.message : String(err);
    mrb.error = text;
    mrb.errorInfo = null;
    box.textContent = text;
  }
  box.hidden = false;
  /* on a phone the error line may be off screen (below the join form) */
  if (box.scrollIntoView) box.scrollIntoView({ behavior: 'smooth', block: 'nearest' });
}

function clearError() {
  mrb.error = null;
  mrb.errorInfo = null;
  $('error').hidden = true;
}

function setStatus(text, up) {
  $('status').textContent = text;
  $('status').classList.toggle('up', !!up);
}

export { $, mrb, note, explain, showError, clearError, setStatus };
