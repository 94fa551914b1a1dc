/* The page's shared state and its lines of text: window.mrb (the browser
 * tests' only hook, and the console's), and the error, status and log lines.
 * The other modules import them from here, so that there is one of each. */

const $ = (id) => document.getElementById(id);
/* Exposed for the browser test and for poking at from the console. */
const mrb = (window.mrb = { janus: null, handle: null, joined: false, myId: null, people: new Map(), error: null,
  call: null, grant: null, rejoining: false, rejoins: 0, video: null, muted: false, cameraOff: false, log: [] });
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

export { $, mrb, note, showError, clearError, setStatus };
