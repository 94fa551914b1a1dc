// Shared by the browser tests: chromium's flags, the check/result counter,
// and a page of the demo opened the same way everywhere.
'use strict';

const BASE = process.env.MRB_BASE || 'http://127.0.0.1:8080';
const ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync',
  '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream',
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

// "<suite>: N passed, N failed", and the exit status.
function finish(suite) {
  console.log(`${suite}: ${result.passed} passed, ${result.failed} failed`);
  process.exit(result.failed === 0 ? 0 : 1);
}

module.exports = { BASE, ARGS, check, sleep, openPage, finish, result };
