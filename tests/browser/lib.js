// Shared by the browser tests: chromium's flags, the check/result counter,
// and a page of the demo opened the same way everywhere.
'use strict';

const BASE = process.env.MRB_BASE || 'http://127.0.0.1:8080';
const ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync',
  // The fake camera at 10 fps (its default is 20): a page of a three-person
  // video call encodes one stream and decodes two, in software.
  '--use-fake-device-for-media-stream=fps=10', '--use-fake-ui-for-media-stream',
];
const result = { passed: 0, failed: 0 };
function check(name, cond, detail) {
  if (cond) { result.passed++; console.log(`  ok   ${name}`); }
  else { result.failed++; console.log(`  FAIL ${name}`); if (detail) console.log(`       ${detail}`); }
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function openPage(ctx, tag, phone) {
  const page = await ctx.newPage();
  page.on('console', (m) => { if (m.type() === 'error') console.log(`       [${tag} console] ${m.text()}`); });
  page.on('pageerror', (e) => console.log(`       [${tag} page error] ${e.message}`));
  if (phone) await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(BASE + '/');
  return page;
}

// Fills the demo page's join form and clicks "Join and talk".
async function join(page, room, key, name, relay) {
  await page.fill('#roomId', room);
  await page.fill('#roomKey', key);
  await page.fill('#display', name);
  if (relay) await page.check('#relay');
  await page.click('#join');
}

// Creates a room through the demo page's host form (the host token from
// run.sh); resolves with { room, key } ('' when the page shows an error).
async function createOnPage(page, token, name, opts = {}) {
  await page.fill('#token', token);
  await page.fill('#roomNm', name);
  if (opts.roomType) await page.selectOption('#roomType', opts.roomType);
  if (opts.seats) await page.fill('#maxParticipants', String(opts.seats));
  await page.click('#create');
  await page.waitForFunction(() => document.querySelector('#roomId').value !== '' || window.mrb.error, null, { timeout: 10000 });
  return { room: await page.inputValue('#roomId'), key: await page.inputValue('#roomKey') };
}

// POST /mrb/<path> from node (the broker's answer as JSON, whatever the status).
async function api(path, body, token) {
  const headers = { 'Content-Type': 'application/json' };
  if (token) headers.Authorization = 'Bearer ' + token;
  const res = await fetch(`${BASE}/mrb/${path}`, { method: 'POST', headers, body: JSON.stringify(body) });
  return res.json();
}

// "<suite>: N passed, N failed", and the exit status.
function finish(suite) {
  console.log(`${suite}: ${result.passed} passed, ${result.failed} failed`);
  process.exit(result.failed === 0 ? 0 : 1);
}

module.exports = { BASE, ARGS, check, sleep, openPage, join, createOnPage, api, finish, result };
