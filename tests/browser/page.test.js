// The demo page's own manners, in Debian's chromium (headless, playwright-core):
// - the seats field takes its range from GET /mrb/health's limits (and the
//   page still works, with min 2 and no max, when /mrb/health fails);
// - "Create room" says the room was created, with a share link
//   (?room=ID&key=KEY) and a copy button; opening the link prefills the join
//   form (and, on a phone, shows the join form);
// - errors in words with "(HTTP · code)", the broker's own line kept in the
//   text (call.test.js reads "106: wrong room key" from it): a wrong key, a
//   field out of range, an ended room, an unreachable broker;
// - on a phone (375x667) the page fits the width and, once join-room
//   answers, the call panel is scrolled into view. No media is needed: the
//   checks end at join-room's answer (the call itself is call.test.js's).
// Run by tests/browser/run.sh (MRB_HOST_TOKEN); by hand against a running
// stack: MRB_HOST_TOKEN=$(tools/mrbctl token host --sub demo) node tests/browser/page.test.js
'use strict';
const { chromium } = require('playwright-core');

const { BASE, ARGS, check, sleep, openPage, join, createOnPage, api, finish } = require('./lib');

const TOKEN = process.env.MRB_HOST_TOKEN;
const SHOTS = process.env.MRB_SHOTS || 'run';
const PHONE = { width: 375, height: 667 };
const rooms = [];

const errorText = async (page) => {
  await page.waitForSelector('#error:not([hidden])', { timeout: 5000 }).catch(() => {});
  return (await page.textContent('#error')) || '';
};
// Where an element is, in the viewport.
const box = (page, sel) => page.evaluate((s) => {
  const r = document.querySelector(s).getBoundingClientRect();
  return { top: Math.round(r.top), bottom: Math.round(r.bottom), h: innerHeight, w: innerWidth, sw: document.documentElement.scrollWidth };
}, sel);
async function until(fn, ok, ms) {
  const deadline = Date.now() + ms;
  let v = await fn();
  while (!ok(v) && Date.now() < deadline) { await sleep(100); v = await fn(); }
  return v;
}

async function seats(browser) {
  const health = await (await fetch(`${BASE}/mrb/health`)).json();
  const limits = health.data && health.data.limits;
  check(`/mrb/health answers limits (${JSON.stringify(limits)})`, !!(limits && limits.maxParticipants >= 2));
  if (!limits) return;
  const ctx = await browser.newContext();
  const page = await openPage(ctx, 'seats');
  const got = await page.evaluate(async () => {
    await window.mrb.limitsReady;
    const s = document.querySelector('#maxParticipants');
    return { min: s.min, max: s.max, value: s.value, range: document.querySelector('#seatsRange').textContent };
  });
  check(`the seats field offers the broker's range (min ${got.min}, max ${got.max}, value ${got.value}, "${got.range}")`,
        got.min === '2' && got.max === String(limits.maxParticipants) && got.value === String(limits.defaultMaxParticipants));
  await ctx.close();

  // /mrb/health refused: the page neither waits for it nor breaks
  const ctx2 = await browser.newContext();
  await ctx2.route('**/mrb/health', (r) => r.fulfill({ status: 503, contentType: 'application/json', body: '{"code":"503","message":"database unreachable"}' }));
  const p2 = await openPage(ctx2, 'no health');
  const fb = await p2.evaluate(async () => {
    const l = await window.mrb.limitsReady;
    const s = document.querySelector('#maxParticipants');
    return { limits: l, min: s.min, max: s.max, value: s.value };
  });
  check(`without /mrb/health the seats field keeps min 2, no max, the server's default (${JSON.stringify(fb)})`,
        fb.limits === null && fb.min === '2' && fb.max === '' && fb.value === '');
  await ctx2.close();
}

async function shareLink(browser) {
  const ctx = await browser.newContext({ permissions: ['clipboard-read', 'clipboard-write'] });
  const host = await openPage(ctx, 'host');
  await host.evaluate(() => window.mrb.limitsReady);
  const { room, key } = await createOnPage(host, TOKEN, 'page test: share link');
  if (room) rooms.push(room);
  check('create-room through the page', room !== '' && /^[0-9]{4,12}$/.test(key), `error: ${await host.evaluate(() => window.mrb.error)}`);
  const shown = await host.isVisible('#created');
  const said = await host.textContent('#createdText');
  const link = await host.inputValue('#shareLink');
  const want = `${BASE}/?room=${encodeURIComponent(room)}&key=${encodeURIComponent(key)}`;
  check(`the page says the room was created ("${said}")`, shown && /created/.test(said));
  check(`...with its share link (${link})`, link === want, `want ${want}`);
  await host.click('#copyLink');
  await sleep(200);
  const copied = await host.evaluate(async () => {
    const i = document.querySelector('#shareLink');
    let clip = null;
    try { clip = await navigator.clipboard.readText(); } catch (e) { /* not granted: the link is selected instead */ }
    return { clip, selected: i.value.slice(i.selectionStart, i.selectionEnd), said: document.querySelector('#copied').textContent };
  });
  check(`"Copy link" copies it, or selects it ("${copied.said}")`, copied.clip === want || copied.selected === want, JSON.stringify(copied));
  await ctx.close();

  // the guest, on a phone, opens the link
  const gctx = await browser.newContext({ viewport: PHONE });
  const guest = await gctx.newPage();
  await guest.goto(link);
  const form = { room: await guest.inputValue('#roomId'), key: await guest.inputValue('#roomKey') };
  check(`the link prefills the join form (${form.room} / ${form.key})`, form.room === room && form.key === key);
  const g = await box(guest, '#guest');
  check(`...and shows the whole join form on a phone (${g.top} to ${g.bottom} of ${g.h})`, g.top >= 0 && g.bottom <= g.h);
  await gctx.close();
  return { room, key };
}

async function errors(browser, room) {
  const ctx = await browser.newContext({ viewport: PHONE });
  const page = await openPage(ctx, 'errors');
  await join(page, room, '000000', 'Intruder');
  const text = await errorText(page);
  const order = await page.evaluate(() => {
    const w = document.querySelector('#error .words'), r = document.querySelector('#error .raw');
    return w && r ? w.getBoundingClientRect().top < r.getBoundingClientRect().top : null;
  });
  check(`a wrong key in words, with its code ("${text.replace(/\n/g, ' | ')}")`,
        /room key is wrong/i.test(text) && text.includes('(403 · 106)') && order === true);
  check('...the broker\'s own line kept (window.mrb.error, and the text call.test.js reads)',
        /^106: wrong room key/.test(text) && (await page.evaluate(() => window.mrb.error)) === '106: wrong room key');
  check('...the words are what a screen reader gets (the raw line is aria-hidden)',
        (await page.getAttribute('#error .raw', 'aria-hidden')) === 'true');
  await page.screenshot({ path: `${SHOTS}/browser-page-wrong-key.png`, fullPage: true });

  // a field out of range: the server's message names it, the page adds the label
  await page.fill('#token', TOKEN);
  await page.fill('#maxParticipants', '999');
  await page.click('#create');
  const t400 = await until(() => page.evaluate(() => window.mrb.error ? document.querySelector('#error').textContent : ''), (t) => t, 5000);
  check(`seats out of range in words ("${t400.replace(/\n/g, ' | ')}")`, /Seats \(maxParticipants\)/.test(t400) && t400.includes('(400)'));

  // the broker unreachable
  await page.route('**/mrb/join-room', (r) => r.abort('connectionrefused'));
  await page.click('#join');
  const tnet = await until(() => page.evaluate(() => window.mrb.error ? document.querySelector('#error').textContent : ''), (t) => /reach/.test(t), 5000);
  check(`a network failure in words ("${tnet.replace(/\n/g, ' | ')}")`, /Cannot reach the broker/.test(tnet) && tnet.includes('(no answer)'));
  await page.unroute('**/mrb/join-room');

  // an ended room: the server's "room has ended"
  const ended = await api('create-room', { roomNm: 'page test: ended' }, TOKEN);
  if (ended.data) {
    rooms.push(ended.data.roomId);
    await api('room-end', { roomId: ended.data.roomId }, TOKEN);
    await join(page, ended.data.roomId, ended.data.roomKey, 'Late');
    const t105 = await until(() => page.evaluate(() => document.querySelector('#error').textContent), (t) => /^105/.test(t), 5000);
    check(`an ended room in words ("${t105.replace(/\n/g, ' | ')}")`, /This room has ended\./.test(t105) && t105.includes('(410 · 105)'));
  } else check('create-room for the ended-room check', false, JSON.stringify(ended));
  await ctx.close();
}

async function phone(browser, room, key) {
  const ctx = await browser.newContext({ viewport: PHONE });
  const page = await openPage(ctx, 'phone');
  await page.evaluate(() => window.mrb.limitsReady);
  const fits = await box(page, 'main');
  check(`375 px wide: nothing wider than the screen (scrollWidth ${fits.sw})`, fits.sw <= fits.w);
  await join(page, room, key, 'Phone');
  await page.waitForFunction(() => window.mrb.grant || window.mrb.error, null, { timeout: 10000 }).catch(() => {});
  // where the panel opened (below the forms, off screen), before the scroll moves it
  const opened = await page.evaluate(() => ({ top: Math.round(document.querySelector('#call').getBoundingClientRect().top) }));
  const granted = await page.evaluate(() => !!window.mrb.grant);
  check('join-room through the page on a phone', granted, `error: ${await page.evaluate(() => window.mrb.error)}`);
  // waits inside the page: headless chromium holds a smooth scroll back
  // while page.evaluate calls keep coming from outside
  const c = await page.evaluate(async () => {
    // until the page has stood still for 300 ms
    const t0 = performance.now();
    let last = null, still = 0;
    while (performance.now() - t0 < 4000 && still < 3) {
      await new Promise((r) => setTimeout(r, 100));
      still = scrollY === last ? still + 1 : 0;
      last = scrollY;
    }
    const r = document.querySelector('#call').getBoundingClientRect();
    return { top: Math.round(r.top), h: innerHeight, ms: Math.round(performance.now() - t0), scrolls: window.mrb.callScrolls };
  });
  check(`...the call panel is scrolled to the top (its top at ${c.top} of ${c.h}, settled after ${c.ms} ms; it opened at ${opened.top})`,
        granted && c.top >= 0 && c.top <= 40 && c.scrolls === 1);
  const wide = await box(page, 'main');
  check(`...and the call panel fits the width (scrollWidth ${wide.sw})`, wide.sw <= wide.w);
  await page.screenshot({ path: `${SHOTS}/browser-page-phone.png` });
  await page.click('#leave');
  await ctx.close();
}

(async () => {
  if (!TOKEN) { console.log('page: MRB_HOST_TOKEN is not set'); process.exit(2); }
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ARGS });
  try {
    await seats(browser);
    const { room, key } = await shareLink(browser);
    await errors(browser, room);
    await phone(browser, room, key);
  } catch (e) {
    check(`page test ran to the end (${e.message})`, false);
  } finally {
    await browser.close();
    for (const r of rooms) await api('room-end', { roomId: r }, TOKEN).catch(() => {});
  }
  finish('page');
})();
