// The test receiver of MRB's events (an application's webhook endpoint).
// Every delivery is verified with the reference Standard Webhooks library
// (npm "standardwebhooks"): signature, and a timestamp within its 5 minute
// tolerance; a delivery that fails either is answered 400 and counted as
// rejected. A webhook-id seen before is acknowledged (200) and dropped, as
// the spec asks of receivers (MRB retries until it hears a 2xx, so an
// acknowledgement that was lost brings the same id again), and counted as
// a duplicate.
//
//   node receiver.mjs PORT SECRET
//
// POST /events            a delivery
// GET  /log               {"events":[...accepted, in arrival order...], "duplicates":[ids], "rejected":[reasons], "attempts":N}
// POST /mode              {"mode":"ok"} | {"mode":"fail","status":500} | {"mode":"hang","ms":3000}
//                         (answer nothing, record nothing) | {"mode":"slow","ms":3000} (record, then
//                         answer late: the sender has given up, and sends the same id again)
// POST /reset             forget everything
// POST /forge             {"body":..., "headers":{...}}: run the same checks on a hand-made request, answer what it would
import http from 'node:http';
import { Webhook } from 'standardwebhooks';

const [port, secret] = process.argv.slice(2);
if (!port || !secret) {
  console.error('usage: node receiver.mjs PORT SECRET');
  process.exit(2);
}
const wh = new Webhook(secret);
let state = { events: [], seen: new Set(), duplicates: [], rejected: [], attempts: 0, mode: { mode: 'ok' } };
const reset = () => { state = { events: [], seen: new Set(), duplicates: [], rejected: [], attempts: 0, mode: state.mode }; };

function read(req) {
  return new Promise((resolve) => {
    const parts = [];
    req.on('data', (c) => parts.push(c));
    req.on('end', () => resolve(Buffer.concat(parts).toString('utf8')));
  });
}

// The checks of a delivery: 'ok', 'duplicate' or the reason it is refused.
function judge(body, headers) {
  try {
    wh.verify(body, {
      'webhook-id': headers['webhook-id'] || '',
      'webhook-timestamp': headers['webhook-timestamp'] || '',
      'webhook-signature': headers['webhook-signature'] || '',
    });
  } catch (e) {
    return `refused: ${e.message}`;
  }
  return state.seen.has(headers['webhook-id']) ? 'duplicate' : 'ok';
}

const server = http.createServer(async (req, res) => {
  const body = await read(req);
  const answer = (code, doc) => { res.writeHead(code, { 'Content-Type': 'application/json' }); res.end(JSON.stringify(doc)); };
  if (req.method === 'GET' && req.url === '/log')
    return answer(200, { events: state.events, duplicates: state.duplicates, rejected: state.rejected, attempts: state.attempts });
  if (req.method === 'POST' && req.url === '/mode') { state.mode = JSON.parse(body || '{}'); return answer(200, state.mode); }
  if (req.method === 'POST' && req.url === '/reset') { reset(); return answer(200, {}); }
  if (req.method === 'POST' && req.url === '/forge') {
    const f = JSON.parse(body);
    return answer(200, { verdict: judge(typeof f.body === 'string' ? f.body : JSON.stringify(f.body), f.headers || {}) });
  }
  if (req.method !== 'POST' || req.url !== '/events') return answer(404, { error: 'not found' });
  state.attempts++;
  const m = state.mode;
  if (m.mode === 'fail') return answer(m.status || 500, { error: 'failing on purpose' });
  if (m.mode === 'hang') {
    await new Promise((r) => setTimeout(r, m.ms || 3000));
    // the sender has given up on this attempt by now: nothing is recorded
    res.destroy();
    return undefined;
  }
  const verdict = judge(body, req.headers);
  if (verdict === 'duplicate') { state.duplicates.push(req.headers['webhook-id']); return answer(200, { duplicate: true }); }
  if (verdict !== 'ok') { state.rejected.push(verdict); return answer(400, { error: verdict }); }
  state.seen.add(req.headers['webhook-id']);
  state.events.push({ id: req.headers['webhook-id'], timestamp: Number(req.headers['webhook-timestamp']),
    receivedMs: Date.now(), body: JSON.parse(body) });
  if (m.mode === 'slow') await new Promise((r) => setTimeout(r, m.ms || 3000));
  return answer(200, { ok: true });
});
server.keepAliveTimeout = 30000;
server.listen(Number(port), '127.0.0.1', () => console.log(`receiver: listening on 127.0.0.1:${port}`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
