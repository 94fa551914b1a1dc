// Real browser calls through MRB: Debian's chromium, headless, driven by
// playwright-core, with fake microphones. Run by tests/browser/run.sh inside
// a network namespace of its own (with the whole dev stack), never directly.
//
// Two pages create/join one room through the demo page (www/), using only
// what join-room returns; within 10 s each must receive audio (inbound-rtp
// bytesReceived > 0 and growing). Once with the default ICE policy, once
// relay-only, where the selected candidate pair must be a TURN relay. A third
// page with a wrong key must show the broker's error. Screenshots go to
// $MRB_SHOTS (run/).
'use strict';
const { chromium } = require('playwright-core');

const { ARGS, check, sleep, openPage, join, createOnPage, finish } = require('./lib');

const TOKEN = process.env.MRB_HOST_TOKEN;
const SHOTS = process.env.MRB_SHOTS || 'run';

// Polls every page's stats until each has inbound audio bytes > 0 and growing.
async function audioFlows(pages, ms) {
  const first = new Map();
  const deadline = Date.now() + ms;
  let last = [];
  while (Date.now() < deadline) {
    last = await Promise.all(pages.map((p) => p.evaluate(() => window.mrb.stats())));
    let all = true;
    last.forEach((s, i) => {
      if (s.bytesReceived > 0 && !first.has(i)) first.set(i, s.bytesReceived);
      if (!(first.has(i) && s.bytesReceived > first.get(i))) all = false;
    });
    if (all) return { ok: true, stats: last };
    await sleep(250);
  }
  return { ok: false, stats: last };
}

async function call(browser, relay) {
  const label = relay ? 'relay-only' : 'default ICE policy';
  const ctx = await browser.newContext();
  const host = await openPage(ctx, 'host', true);
  const { room, key } = await createOnPage(host, TOKEN, `browser test (${label})`);
  check(`${label}: the page created a room through create-room`, room !== '' && /^[0-9]{4,12}$/.test(key),
        `error: ${await host.evaluate(() => window.mrb.error)}`);
  const guest = await openPage(ctx, 'guest', true);
  const t0 = Date.now();
  await join(host, room, key, 'Host', relay);
  await join(guest, room, key, 'Guest', relay);
  const r = await audioFlows([host, guest], 10000);
  check(`${label}: both pages receive audio within 10 s (${Date.now() - t0} ms; bytes ${r.stats.map((s) => s.bytesReceived).join(', ')})`,
        r.ok, `stats: ${JSON.stringify(r.stats)}; errors: ${await host.evaluate(() => window.mrb.error)} / ${await guest.evaluate(() => window.mrb.error)}`);
  if (relay) {
    check(`${label}: both selected candidate pairs are TURN relays (${r.stats.map((s) => s.localType).join(', ')})`,
          r.stats.length === 2 && r.stats.every((s) => s.localType === 'relay'));
  }
  const seen = await host.evaluate(() => document.querySelectorAll('#people li').length);
  check(`${label}: the host page lists both participants`, seen === 2, `listed: ${seen}`);
  await host.screenshot({ path: `${SHOTS}/browser-${relay ? 'relay' : 'default'}-host.png`, fullPage: true });
  await guest.screenshot({ path: `${SHOTS}/browser-${relay ? 'relay' : 'default'}-guest.png`, fullPage: true });
  await ctx.close();
  return { room, key };
}

(async () => {
  if (!TOKEN) { console.log('browser: MRB_HOST_TOKEN is not set'); process.exit(2); }
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ARGS });
  try {
    const { room } = await call(browser, false);
    await call(browser, true);

    const ctx = await browser.newContext();
    const intruder = await openPage(ctx, 'intruder', true);
    await join(intruder, room, '000000', 'Intruder', false);
    await intruder.waitForSelector('#error:not([hidden])', { timeout: 5000 }).catch(() => {});
    const text = await intruder.textContent('#error');
    check(`a wrong key shows the broker's error on screen ("${text}")`, /^106: wrong room key/.test(text || ''));
    check('...and no call is started', await intruder.evaluate(() => window.mrb.janus === null));
    await intruder.screenshot({ path: `${SHOTS}/browser-wrong-key.png`, fullPage: true });
    await ctx.close();
  } catch (e) {
    check(`browser test ran to the end (${e.message})`, false);
  } finally {
    await browser.close();
  }
  finish('calls');
})();
