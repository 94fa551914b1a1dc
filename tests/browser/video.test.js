// Video rooms in real browsers: Debian's chromium, headless, with a fake
// camera, microphone and screen, through the demo page (www/) and MRB, in
// the network namespace and stack of tests/browser/run.sh (never directly).
//
// - Three-person call: three pages join a video room created on the page;
//   within 15 s each decodes video from both others (framesDecoded growing,
//   frameWidth > 0) and receives their audio (bytes and packets growing);
//   the talking indicator lights up; mute silences a person for the others
//   and camera off blacks out their tile.
// - Screen share: page 1 shares; within 10 s the two others decode that
//   feed, and room-status lists page 1's person once, publishing "screen";
//   stop sharing takes it away again.
// - Relay only: two relay-only pages; media flows and every PeerConnection's
//   selected candidate pair is a TURN relay.
// - Publisher cap: a room of 2 seats without screen sharing (2 publishers);
//   a third camera (page A's userId in another tab, which keeps A's seat) is
//   refused by Janus (432): the page says so, still shows the others, and
//   its buttons work.
// - Recording: a recorded room leaves .mjr files in its server's
//   record_dir; janus-pp-rec turns the video one into a .webm that ffprobe
//   reads as at least 2 s long.
// Prints "video: N passed, N failed". Screenshots go to $MRB_SHOTS (run/).
'use strict';
const { chromium } = require('playwright-core');
const { execFileSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const { ARGS, check, sleep, openPage, join, createOnPage, api, finish } = require('./lib');

const TOKEN = process.env.MRB_HOST_TOKEN;
const ROOT = process.env.MRB_ROOT;
const SHOTS = process.env.MRB_SHOTS || 'run';
const mrbctl = (...a) => execFileSync(`${ROOT}/tools/mrbctl`, a).toString().trim();

const videoStats = (page) => page.evaluate(() => window.mrb.videoStats());
const errorOf = (page) => page.evaluate(() => window.mrb.error);
const logs = async (pages) => JSON.stringify(await Promise.all(pages.map((p) => p.evaluate(() => window.mrb.log))));

async function createRoom(body) {
  // 10 minutes: run/'s database outlives the run, and this stack ends
  // expired rooms only once an hour
  const doc = await api('create-room', { roomNm: 'video test', roomType: 'video', ttlSeconds: 600, ...body }, TOKEN);
  if (doc.code !== '000') throw new Error(`create-room: ${doc.code} ${doc.message}`);
  return doc.data;
}

async function roomStatus(room) {
  const doc = await api('room-status', { roomId: room }, TOKEN);
  return doc.data || { participants: [], error: `${doc.code} ${doc.message}` };
}

// Polls until every page receives every feed it expects, each growing since
// first seen: `want(i)` lists { display, screen } for page i. Video: frames
// decoded growing and frameWidth > 0; a camera feed also audio bytes and
// packets growing. Resolves with { ok, ms, stats }.
async function flowing(pages, want, ms) {
  const t0 = Date.now(), first = new Map();
  let stats = [];
  while (Date.now() - t0 < ms) {
    stats = await Promise.all(pages.map(videoStats));
    let all = true;
    stats.forEach((st, i) => {
      for (const w of want(i)) {
        const f = st.feeds.find((x) => x.display === w.display && x.screen === !!w.screen);
        const key = `${i}/${w.display}/${!!w.screen}/${f && f.id}`;
        const live = f && f.framesDecoded > 0 && f.frameWidth > 0 && (w.screen || (f.audioBytes > 0 && f.audioPackets > 0));
        if (live && !first.has(key)) first.set(key, { ...f, at: Date.now() - t0 });
        const a = first.get(key);
        const grows = a && live && f.framesDecoded > a.framesDecoded &&
          (w.screen || (f.audioBytes > a.audioBytes && f.audioPackets > a.audioPackets));
        if (!grows) all = false;
      }
    });
    if (all) return { ok: true, ms: Date.now() - t0, stats, firsts: [...first.values()].map((f) => f.at) };
    await sleep(400); // every look is a getStats on each PeerConnection of each page
  }
  return { ok: false, ms: Date.now() - t0, stats, firsts: [...first.values()].map((f) => f.at) };
}

const brief = (stats) => stats.map((st) => st.feeds.map((f) =>
  `${f.display}${f.screen ? '[screen]' : ''} ${f.framesDecoded}f ${f.frameWidth}w ${f.audioPackets}p`).join(', ')).join(' | ');

// The others' camera feeds, as page i should see them.
const others = (names) => (i) => names.filter((_, j) => j !== i).map((display) => ({ display }));

// Mean brightness (0-255) of the tile named `name`, drawn on a small canvas.
const brightness = (page, name) => page.evaluate((n) => {
  const t = [...document.querySelectorAll('#tiles .tile')].find((e) => e.querySelector('.name').textContent === n);
  const v = t && t.querySelector('video');
  if (!v || !v.videoWidth) return -1;
  const c = document.createElement('canvas');
  c.width = 32;
  c.height = 24;
  const g = c.getContext('2d');
  g.drawImage(v, 0, 0, 32, 24);
  const d = g.getImageData(0, 0, 32, 24).data;
  let sum = 0;
  for (let i = 0; i < d.length; i += 4) sum += (d[i] + d[i + 1] + d[i + 2]) / 3;
  return sum / (d.length / 4);
}, name);

// Polls `fn` every 250 ms until `ok(value)` or `ms` pass; the last value.
async function until(fn, ok, ms) {
  const t0 = Date.now();
  let v = await fn();
  while (!ok(v) && Date.now() - t0 < ms) {
    await sleep(250);
    v = await fn();
  }
  return v;
}

// `name`'s camera feed on `page` (its stats, level and talking flag).
const feedOf = async (page, name) => (await videoStats(page)).feeds.find((f) => f.display === name && !f.screen) || {};

// The mean level (RMS, 0-1) of the audio `page` decodes from `name` over
// the next `ms`: inbound-rtp totalAudioEnergy over totalSamplesDuration.
async function meanLevel(page, name, ms) {
  const a = await feedOf(page, name);
  await sleep(ms);
  const b = await feedOf(page, name);
  const dt = (b.audioSeconds || 0) - (a.audioSeconds || 0);
  return dt > 0 ? Math.sqrt(Math.max(0, b.audioEnergy - a.audioEnergy) / dt) : -1;
}

async function threePersonCall(browser) {
  const ctx = await browser.newContext();
  const names = ['Ana', 'Ben', 'Cleo'];
  const pages = [];
  for (const n of names) pages.push(await openPage(ctx, n, true));
  const { room, key } = await createOnPage(pages[0], TOKEN, 'video: three people', { roomType: 'video', seats: 3 });
  check('three-person: the page created a video room through create-room', room !== '' && /^[0-9]{4,12}$/.test(key),
        `error: ${await errorOf(pages[0])}`);
  const t0 = Date.now();
  await Promise.all(pages.map((p, i) => join(p, room, key, names[i]))); // together, as people would
  const grants = await Promise.all(pages.map((p) => p.waitForFunction(() => window.mrb.grant || window.mrb.error, null, { timeout: 10000 })
    .then(() => p.evaluate(() => window.mrb.grant && [window.mrb.grant.roomType, window.mrb.grant.plugin])).catch(() => null)));
  check('three-person: join-room says roomType video, plugin janus.plugin.videoroom, on every page',
        grants.every((g) => g && g[0] === 'video' && g[1] === 'janus.plugin.videoroom'), JSON.stringify(grants));
  const r = await flowing(pages, others(names), 15000 - (Date.now() - t0));
  const took = Date.now() - t0;
  check(`three-person: each page decodes video from both others and receives their audio within 15 s (${took} ms)`,
        r.ok && took <= 15000, `${brief(r.stats)}; first media at ${r.firsts.join(', ')} ms; errors: ${await Promise.all(pages.map(errorOf))}; ` +
        `joined at ${new Date(t0).toISOString().slice(11, 23)}; logs: ${await logs(pages)}`);
  const tiles = await Promise.all(pages.map((p) => p.evaluate(() => [...document.querySelectorAll('#tiles .tile .name')].map((e) => e.textContent))));
  check(`three-person: each page shows three named tiles (${tiles[0].join(', ')})`,
        tiles.every((t, i) => t.length === 3 && names.every((n) => t.includes(n === names[i] ? `${n} (you)` : n))), JSON.stringify(tiles));

  // The talking indicator: the fake microphone beeps every second.
  const lit = await until(() => pages[0].evaluate(() => document.querySelectorAll('#tiles .tile.talking:not(.self)').length), (n) => n > 0, 3000);
  check(`three-person: a remote tile's talking indicator lights up within 3 s (${lit} lit)`, lit > 0);

  // Mute: Ben's audio goes silent for Ana (the mean level of what she
  // decodes from him over 2 s), and comes back on unmute.
  const loud = await meanLevel(pages[0], 'Ben', 2000);
  await pages[1].click('#mute');
  const m0 = Date.now();
  const quiet = await until(() => meanLevel(pages[0], 'Ben', 1000), (l) => l >= 0 && l < 0.005, 8000);
  const talking = await pages[0].evaluate(() => [...document.querySelectorAll('#tiles .tile.talking .name')].map((e) => e.textContent));
  const label = await pages[1].textContent('#mute');
  check(`mute: Ben mutes ("${label}"); within 8 s Ana's level of Ben drops from ${loud.toFixed(3)} to ${quiet.toFixed(4)} (${Date.now() - m0} ms), his tile is not lit (lit: ${talking.join(', ') || 'none'})`,
        label === 'Unmute' && loud > 0.02 && quiet >= 0 && quiet < 0.005 && !talking.includes('Ben'));
  await pages[1].click('#mute');
  const back = await until(() => meanLevel(pages[0], 'Ben', 1000), (l) => l > 0.02, 8000);
  check(`mute: after unmute Ana hears Ben again within 8 s (level ${back.toFixed(3)})`, back > 0.02);

  // Camera off: Cleo's tile goes black for Ben, and comes back.
  const lit0 = await brightness(pages[1], 'Cleo');
  await pages[2].click('#camera');
  const dark = await until(() => brightness(pages[1], 'Cleo'), (b) => b >= 0 && b < 10, 8000);
  const flags = await pages[2].evaluate(() => document.querySelector('#tiles .tile.self .flags').textContent);
  check(`camera off: Cleo's tile goes dark for Ben (brightness ${lit0.toFixed(1)} -> ${dark.toFixed(1)}), her own says "${flags}"`,
        lit0 > 30 && dark >= 0 && dark < 10 && /camera off/.test(flags));
  await pages[2].click('#camera');
  const relit = await until(() => brightness(pages[1], 'Cleo'), (b) => b > 30, 8000);
  check(`camera on: Cleo's tile lights up again for Ben (brightness ${relit.toFixed(1)})`, relit > 30,
        `Cleo: ${await pages[2].evaluate(() => JSON.stringify(window.mrb.handle.webrtcStuff.myStream.getTracks().map((t) => [t.kind, t.enabled])))}; ` +
        `Ben sees ${JSON.stringify(await feedOf(pages[1], 'Cleo'))}`);
  return { ctx, pages, names, room };
}

async function screenShare({ pages, names, room }) {
  const t0 = Date.now();
  await pages[0].click('#share');
  const want = (i) => (i === 0 ? [] : [{ display: names[0], screen: true }]);
  const r = await flowing(pages, want, 10000 - (Date.now() - t0));
  const took = Date.now() - t0;
  check(`screen share: Ben and Cleo decode Ana's screen within 10 s (${took} ms)`, r.ok && took <= 10000,
        `${brief(r.stats)}; error: ${await errorOf(pages[0])}; shared at ${new Date(t0).toISOString().slice(11, 23)}; logs: ${await logs(pages)}`);
  let st = {}, ana;
  for (let i = 0; i < 20; i++) {
    st = await roomStatus(room);
    ana = (st.participants || []).find((p) => p.display === names[0]);
    if (ana && (ana.publishing || []).includes('screen')) break;
    await sleep(250);
  }
  check(`screen share: room-status lists Ana once, publishing ${JSON.stringify(ana && ana.publishing)}`,
        ana && ['microphone', 'camera', 'screen'].every((k) => ana.publishing.includes(k)) &&
        st.participants.filter((p) => p.display === names[0]).length === 1, JSON.stringify(st));
  check(`screen share: the share takes no seat (${st.participants && st.participants.length} people, ${st.seatsHeld} seats held)`,
        st.participants && st.participants.length === 3 && st.seatsHeld === 3);
  const shot = `${SHOTS}/browser-video-call.png`;
  await pages[1].evaluate(() => document.querySelector('#call').scrollIntoView());
  await pages[1].screenshot({ path: shot });
  await pages[1].screenshot({ path: `${SHOTS}/browser-video-call-full.png`, fullPage: true });

  // Stop sharing: the tile goes away on the others, and room-status says so.
  await pages[0].click('#share');
  let gone = false;
  for (let i = 0; i < 25 && !gone; i++) {
    const s = await Promise.all(pages.slice(1).map(videoStats));
    gone = s.every((x) => !x.feeds.some((f) => f.screen));
    if (!gone) await sleep(200);
  }
  for (let i = 0; i < 20; i++) {
    st = await roomStatus(room);
    ana = (st.participants || []).find((p) => p.display === names[0]);
    if (ana && !(ana.publishing || []).includes('screen')) break;
    await sleep(250);
  }
  check(`stop sharing: the screen tile leaves the others' pages and room-status drops "screen" (${JSON.stringify(ana && ana.publishing)})`,
        gone && ana && !ana.publishing.includes('screen') && ana.publishing.includes('camera'));
}

async function relayOnly(browser) {
  const ctx = await browser.newContext();
  const data = await createRoom({ roomNm: 'video: relay only', maxParticipants: 2 });
  const names = ['Dana', 'Eli'];
  const pages = [];
  for (const n of names) pages.push(await openPage(ctx, n, true));
  const t0 = Date.now();
  await Promise.all(pages.map((p, i) => join(p, data.roomId, data.roomKey, names[i], true)));
  const r = await flowing(pages, others(names), 15000 - (Date.now() - t0));
  const took = Date.now() - t0;
  check(`relay-only: both pages decode video and receive audio from each other within 15 s (${took} ms)`, r.ok && took <= 15000,
        `${brief(r.stats)}; errors: ${await Promise.all(pages.map(errorOf))}`);
  const types = r.stats.flatMap((st) => [st.publisher && st.publisher.localType, ...st.feeds.map((f) => f.localType)]);
  check(`relay-only: every PeerConnection's selected pair is a TURN relay (${types.join(', ')})`,
        types.length === 4 && types.every((t) => t === 'relay'));
  await ctx.close();
}

async function publisherCap(browser) {
  const ctx = await browser.newContext();
  const data = await createRoom({ roomNm: 'video: publishers cap', maxParticipants: 2, screenShare: false });
  check(`cap: a 2-seat room without screen sharing has a cap of ${data.publishers} publishers`, data.publishers === 2, JSON.stringify(data));
  const a = await openPage(ctx, 'A', true), b = await openPage(ctx, 'B', true);
  await Promise.all([join(a, data.roomId, data.roomKey, 'Ana'), join(b, data.roomId, data.roomKey, 'Ben')]);
  const r = await flowing([a, b], others(['Ana', 'Ben']), 15000);
  check('cap: A and B publish and receive each other', r.ok, brief(r.stats));
  check('cap: no "Share screen" button in a room without screen sharing', await a.isHidden('#share'));
  // A's userId in another tab: the same seat, so MRB admits it; a third
  // camera in a room of two publishers, so Janus refuses it.
  const userId = await a.evaluate(() => window.mrb.userId);
  const a2 = await openPage(ctx, 'A2', true);
  await a2.evaluate((u) => { window.mrb.userId = u; }, userId);
  const t0 = Date.now();
  await join(a2, data.roomId, data.roomKey, 'Ana again');
  await a2.waitForSelector('#error:not([hidden])', { timeout: 10000 }).catch(() => {});
  const text = (await a2.textContent('#error')) || '';
  check(`cap: the third camera shows Janus's refusal within 10 s (${Date.now() - t0} ms): "${text}"`,
        /^432: .*publishers/i.test(text) && await a2.isVisible('#error'));
  const watch = await flowing([a2], () => [{ display: 'Ana' }, { display: 'Ben' }], 10000);
  check('cap: the refused page still shows and plays the two others', watch.ok, brief(watch.stats));
  const status = await a2.textContent('#status');
  check(`cap: the page says it is not on air ("${status}")`, /not on air/.test(status));
  await a2.screenshot({ path: `${SHOTS}/browser-video-cap.png`, fullPage: true });
  // Not hung: its buttons answer, and Leave ends the call.
  await a2.click('#mute', { timeout: 3000 });
  const label = await a2.textContent('#mute');
  await a2.click('#leave', { timeout: 3000 });
  const left = await a2.evaluate(() => window.mrb.call === null && window.mrb.janus === null && !document.querySelector('#join').disabled);
  check(`cap: the refused page's buttons still work (mute -> "${label}", leave ends the call)`, label === 'Unmute' && left);
  await sleep(1000);
  const st = await Promise.all([a, b].map(videoStats));
  const rs = await roomStatus(data.roomId);
  const who = (rs.participants || []).map((p) => `${p.display}:${(p.publishing || []).join('+')}`).sort();
  check(`cap: A and B are still on air, and room-status still lists both with camera and microphone (${who.join(', ')})`,
        st.every((s) => s.published && s.feeds.length === 1) && who.length === 2 &&
        (rs.participants || []).every((p) => ['camera', 'microphone'].every((k) => (p.publishing || []).includes(k))),
        JSON.stringify(rs));
  await ctx.close();
}

async function recording(browser) {
  const ctx = await browser.newContext();
  const data = await createRoom({ roomNm: 'video: recorded', maxParticipants: 2, record: true });
  const dir = mrbctl('config', 'get', `server ${data.server}`, 'record_dir');
  const names = ['Fay', 'Gus'];
  const pages = [];
  for (const n of names) pages.push(await openPage(ctx, n, true));
  await Promise.all(pages.map((p, i) => join(p, data.roomId, data.roomKey, names[i])));
  const r = await flowing(pages, others(names), 15000);
  check('recording: two pages in a recorded video room', r.ok, brief(r.stats));
  await sleep(4000); // at least 2 s of video in every file
  await ctx.close(); // the pages leave: Janus closes the files
  await sleep(1500);
  const files = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.includes(data.roomId) && f.endsWith('.mjr')) : [];
  const videoFiles = files.filter((f) => /-video-/.test(f));
  check(`recording: .mjr files in ${data.server}'s record_dir ${dir} (${files.length}: ${videoFiles.length} video)`,
        videoFiles.length >= 2 && files.length >= 4, files.join(' '));
  if (!videoFiles.length) return;
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'mrb-rec-')), 'video.webm');
  let duration = 0, why = '';
  try {
    execFileSync('janus-pp-rec', [path.join(dir, videoFiles[0]), out], { stdio: 'ignore', timeout: 60000 });
    duration = Number(execFileSync('ffprobe', ['-v', 'error', '-show_entries', 'format=duration', '-of', 'default=nw=1:nk=1', out]).toString().trim());
  } catch (e) {
    why = e.message;
  }
  check(`recording: janus-pp-rec makes a .webm of ${videoFiles[0]} that ffprobe reads as ${duration.toFixed(2)} s (>= 2 s)`,
        duration >= 2, why);
  fs.rmSync(path.dirname(out), { recursive: true, force: true });
}

(async () => {
  if (!TOKEN || !ROOT) { console.log('video: MRB_HOST_TOKEN and MRB_ROOT must be set'); process.exit(2); }
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ARGS });
  try {
    const call = await threePersonCall(browser);
    await screenShare(call);
    await call.ctx.close();
    await relayOnly(browser);
    await publisherCap(browser);
    await recording(browser);
  } catch (e) {
    check(`video test ran to the end (${e.message})`, false);
  } finally {
    await browser.close();
  }
  finish('video');
})();
