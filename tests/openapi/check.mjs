// Keeps docs/openapi.yaml true; driven by tests/e2e/t_openapi.sh.
//   node check.mjs spec SPEC             valid OpenAPI 3.1, every schema compiles strictly
//   node check.mjs fields SPEC ROOT      every endpoint of cgi-bin/ is described, and each request body
//                                        schema says what its C validator table (struct valid_field) does
//   node check.mjs answers SPEC DIR      each recorded answer (DIR/NNN.meta, .headers, .body) matches the
//                                        description of its operation and status; a request kept beside it
//                                        (NNN.request) fits the request schema if taken, not if refused (400)
//   node check.mjs render URL SPEC       Redoc renders every operation of the page at URL
// Each check prints one line: "ok<TAB>name" or "fail<TAB>name<TAB>detail"; the shell counts them.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { Validator } from '@seriousme/openapi-schema-validator';
import YAML from 'yaml';

const require = createRequire(import.meta.url);
const Ajv2020 = require('ajv/dist/2020').default;
const addFormats = require('ajv-formats').default;

const METHODS = ['get', 'head', 'post', 'put', 'delete', 'patch', 'options', 'trace'];
const oneLine = (s) => String(s).replace(/\s+/g, ' ').slice(0, 400);
const ok = (name) => console.log(`ok\t${name}`);
const fail = (name, detail) => console.log(`fail\t${name}\t${oneLine(detail)}`);
const check = (name, cond, detail) => (cond ? ok(name) : fail(name, detail));

const loadSpec = (file) => YAML.parse(fs.readFileSync(file, 'utf8'));
const ptr = (...tokens) => '#/' + tokens.map((t) => encodeURIComponent(String(t).replace(/~/g, '~0').replace(/\//g, '~1'))).join('/');
function deref(spec, obj) {
  for (let n = 0; obj && obj.$ref && n < 20; n++) {
    obj = obj.$ref.slice(2).split('/').map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'))
      .reduce((o, t) => (o == null ? o : o[t]), spec);
  }
  return obj;
}

// One Ajv for a whole spec: JSON Schema 2020-12 (OpenAPI 3.1's dialect), strict, so a misspelt keyword
// fails to compile instead of being ignored. The spec itself is the schema store: refs are pointers into it.
function specAjv(spec) {
  const ajv = new Ajv2020({ strict: true, allErrors: true, allowUnionTypes: true });
  addFormats(ajv);
  ajv.addVocabulary(['openapi', 'info', 'servers', 'paths', 'components', 'security', 'tags', 'webhooks',
    'jsonSchemaDialect', 'externalDocs', 'example', 'discriminator', 'xml', 'x-mrb-config']);
  ajv.addSchema(spec, 'spec');
  const cache = new Map();
  return (pointer) => {
    if (!cache.has(pointer)) cache.set(pointer, ajv.compile({ $ref: 'spec' + pointer }));
    return cache.get(pointer);
  };
}
const errText = (v) => (v.errors || []).map((e) => `${e.instancePath || '/'} ${e.message}`).join('; ');

// Every schema the spec uses, as [name, pointer].
function schemaPointers(spec) {
  const out = [];
  for (const name of Object.keys(spec.components?.schemas || {})) out.push([`schema ${name}`, ptr('components', 'schemas', name)]);
  for (const [p, item] of Object.entries(spec.paths || {})) {
    for (const m of METHODS.filter((x) => item[x])) {
      const op = item[m];
      for (const [mt, c] of Object.entries(op.requestBody?.content || {}))
        if (c.schema) out.push([`${m} ${p} request ${mt}`, ptr('paths', p, m, 'requestBody', 'content', mt, 'schema')]);
      for (const [st, r0] of Object.entries(op.responses || {})) {
        const base = r0.$ref ? r0.$ref.slice(1).split('/').slice(1).map((t) => t.replace(/~1/g, '/')) : ['paths', p, m, 'responses', st];
        const r = deref(spec, r0);
        for (const [mt, c] of Object.entries(r.content || {}))
          if (c.schema) out.push([`${m} ${p} ${st} ${mt}`, ptr(...base, 'content', mt, 'schema')]);
        for (const [h, hd] of Object.entries(r.headers || {}))
          if (deref(spec, hd).schema) out.push([`${m} ${p} ${st} header ${h}`, ptr(...base, 'headers', h, 'schema')]);
      }
    }
  }
  return out;
}

async function cmdSpec(file) {
  const validator = new Validator();
  const res = await validator.validate(file);
  check(`${path.basename(file)} is valid OpenAPI (@seriousme/openapi-schema-validator)`, res.valid,
    JSON.stringify(res.errors));
  check('it is OpenAPI 3.1', validator.version === '3.1', `version ${validator.version}`);
  const spec = loadSpec(file);
  const compile = specAjv(spec);
  const bad = [];
  const pointers = schemaPointers(spec);
  for (const [name, p] of pointers) {
    try { compile(p); } catch (e) { bad.push(`${name}: ${e.message}`); }
  }
  check(`all ${pointers.length} schemas compile as strict JSON Schema 2020-12 (ajv)`, bad.length === 0, bad.join('; '));
  // The examples shown to readers are answers and requests the schemas accept.
  const wrong = [];
  let n = 0;
  const at = (p) => p.slice(2).split('/').map((t) => decodeURIComponent(t).replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((o, t) => o?.[t], spec);
  for (const [name, p] of pointers) {
    const schema = at(p);
    const media = at(p.replace(/\/schema$/, ''));
    const values = [...(Array.isArray(schema?.examples) ? schema.examples : []),
      ...(p.endsWith('/schema') && !p.startsWith('#/components/schemas') ? Object.values(media?.examples || {}).map((e) => e.value) : [])];
    for (const v of values) {
      n++;
      try { const f = compile(p); if (!f(v)) wrong.push(`${name}: ${JSON.stringify(v).slice(0, 80)}: ${errText(f)}`); } catch { /* reported above */ }
    }
  }
  check(`all ${n} examples fit their schemas`, n > 0 && wrong.length === 0, wrong.join('; ') || 'no examples');
}

// ---- the C side: endpoints (cgi-bin/*.c) and their struct valid_field tables (lib/*.c, lib/*.h) ----

const stripComments = (s) => s.replace(/\/\*[\s\S]*?\*\//g, ' ').replace(/\/\/[^\n]*/g, ' ');
const src = (root, dir) => fs.readdirSync(path.join(root, dir)).filter((f) => /\.[ch]$/.test(f))
  .map((f) => ({ file: `${dir}/${f}`, text: stripComments(fs.readFileSync(path.join(root, dir, f), 'utf8')) }));

// The body of the function NAME defined in text (from its "{" to the matching "}"), or null.
function functionBody(text, name) {
  const m = new RegExp(`\\b${name}\\s*\\([^;{]*\\)\\s*\\{`).exec(text);
  if (!m) return null;
  let depth = 0;
  for (let i = m.index + m[0].length - 1; i < text.length; i++) {
    if (text[i] === '{') depth++;
    else if (text[i] === '}' && --depth === 0) return text.slice(m.index + m[0].length, i);
  }
  return null;
}

// The rows of the table NAME: a local array in body, else a file-level one in text. Macro rows
// (ROOM_FIELD_NAME(VALID_REQUIRED)) are expanded with the #defines of the headers.
function tableRows(body, text, name, macros) {
  const re = new RegExp(`struct\\s+valid_field\\s+${name}\\s*\\[\\s*\\]\\s*=\\s*\\{([\\s\\S]*?)\\};`);
  const m = re.exec(body) || re.exec(text);
  if (!m) return null;
  const rows = [];
  const rowRe = /\{\s*"([^"]+)"\s*,\s*(VALID_\w+)\s*,\s*([^,]+?)\s*,\s*([^,]+?)\s*,\s*([^}]+?)\s*\}|\b([A-Z][A-Z0-9_]*)\s*(?:\(([^()]*)\))?/g;
  for (let r; (r = rowRe.exec(m[1]));) {
    if (r[1]) { rows.push({ name: r[1], type: r[2], flags: r[3], min: r[4], max: r[5] }); continue; }
    const mac = macros[r[6]];
    if (!mac) continue;
    let def = mac.body;
    const args = (r[7] || '').split(',').map((a) => a.trim());
    mac.params.forEach((p, i) => { def = def.replace(new RegExp(`\\b${p}\\b`, 'g'), args[i]); });
    const d = /\{\s*"([^"]+)"\s*,\s*(VALID_\w+)\s*,\s*([^,]+?)\s*,\s*([^,]+?)\s*,\s*([^}]+?)\s*\}/.exec(def);
    if (d) rows.push({ name: d[1], type: d[2], flags: d[3], min: d[4], max: d[5] });
  }
  return rows;
}

// "[section] key" = value from conf/mrb.conf.example (the documented defaults).
function confDefaults(root) {
  const out = {};
  let section = '';
  for (const line of fs.readFileSync(path.join(root, 'conf/mrb.conf.example'), 'utf8').split('\n')) {
    const s = /^\s*\[([^\]]+)\]/.exec(line);
    if (s) { section = s[1].trim(); continue; }
    const kv = /^\s*([A-Za-z_][\w]*)\s*=\s*([^;#]*)/.exec(line);
    if (kv) out[`[${section}] ${kv[1]}`] = kv[2].trim();
  }
  return out;
}

// A bound of a table row: a number, or a config value such as (c)->rooms.max_ttl.
function bound(expr, defaults) {
  const e = expr.replace(/[()\s]/g, '');
  if (/^-?\d+$/.test(e)) return { value: Number(e) };
  const m = /->(\w+)\.(\w+)$/.exec(e);
  if (!m) return { error: `cannot read bound ${expr}` };
  const key = `[${m[1]}] ${m[2]}`;
  if (!(key in defaults)) return { error: `${key} (from ${expr}) is not in conf/mrb.conf.example` };
  return { value: Number(defaults[key]), conf: key };
}

// Every endpoint: cgi-bin/NAME.c -> { name, methods, fn (the library call that checks its body) }.
function endpoints(root) {
  return src(root, 'cgi-bin').filter((f) => f.file.endsWith('.c')).map(({ file, text }) => {
    const name = path.basename(file, '.c');
    const methods = [];
    const sj = /serve_json\(\s*"[^"]+"\s*,\s*(\w+)/.exec(text);
    if (sj || /"POST"/.test(text)) methods.push('post');
    if (/http_check_get\(/.test(text)) methods.push('get', 'head');
    let fn = sj ? sj[1] : null;
    const local = fn && functionBody(text, fn); // a wrapper in the adapter: the call it makes
    if (local) fn = (/return\s+(\w+)\s*\(/.exec(local) || [])[1] || fn;
    return { name, file, methods, fn };
  });
}

// The table fn checks its body with: valid_check(body, T, N, err) or begin(app, bearer, body, T, N, ...).
function endpointTable(root, fn, macros) {
  for (const { file, text } of src(root, 'lib').filter((f) => f.file.endsWith('.c'))) {
    const body = functionBody(text, fn);
    if (!body) continue;
    const call = /\b(?:valid_check\(\s*body|begin\(\s*app\s*,\s*bearer\s*,\s*body)\s*,\s*(\w+)\s*,\s*([^,]+?)\s*,/.exec(body);
    if (!call) return { file, error: `${fn}() calls neither valid_check() nor begin() on the body` };
    let rows = tableRows(body, text, call[1], macros);
    if (!rows) return { file, error: `table ${call[1]} of ${fn}() not found` };
    if (/^\d+$/.test(call[2])) rows = rows.slice(0, Number(call[2])); // kick: the first 2 rows of 3
    return { file, table: call[1], rows };
  }
  return { error: `function ${fn}() not found in lib/` };
}

function macroTable(root) {
  const macros = {};
  for (const { text } of src(root, 'lib')) {
    for (const m of text.matchAll(/#define\s+([A-Z][A-Z0-9_]*)(?:\(([^)]*)\))?[ \t]+(\{[^\n]*\})/g))
      macros[m[1]] = { params: (m[2] || '').split(',').map((p) => p.trim()).filter(Boolean), body: m[3] };
  }
  return macros;
}

const types = (s) => [].concat(s?.type ?? []);

// What the schema of one property must say for one table row; returns a list of mismatches.
function rowMismatches(row, prop, required, defaults) {
  const out = [];
  const t = types(prop);
  const req = /VALID_REQUIRED/.test(row.flags);
  const want = { VALID_STRING: 'string', VALID_DIGITS: 'string', VALID_INT: 'integer', VALID_BOOL: 'boolean',
    VALID_TAGS: 'array', VALID_REGION: 'string' }[row.type];
  if (!want) return [`unknown type ${row.type}`];
  if (!t.includes(want)) out.push(`type ${JSON.stringify(prop.type)} lacks ${want}`);
  if (req !== required) out.push(req ? 'required in C, optional here' : 'optional in C, required here');
  // valid.c: an explicit null counts as absent: fine for an optional field, "is required" for a required one
  if (req && t.includes('null')) out.push('required, so null is refused: type must not include null');
  if (!req && !t.includes('null')) out.push('optional, and null counts as absent: type must include null');
  const lo = bound(row.min, defaults), hi = bound(row.max, defaults);
  for (const b of [lo, hi]) if (b.error) out.push(b.error);
  if (lo.error || hi.error) return out;
  const eq = (k, got, wantv) => { if (got !== wantv) out.push(`${k} ${got} (C: ${wantv})`); };
  if (row.type === 'VALID_STRING') { eq('minLength', prop.minLength ?? 0, lo.value); eq('maxLength', prop.maxLength, hi.value); }
  if (row.type === 'VALID_DIGITS') eq('pattern', prop.pattern, `^[0-9]{${lo.value},${hi.value}}$`);
  // conf.h: tags and regions are 1-32 of a-z 0-9 - _ . (CONF_TAG_MAX, CONF_REGION_MAX); a region may be required with "!"
  if (row.type === 'VALID_TAGS') {
    eq('minItems', prop.minItems ?? 0, lo.value); eq('maxItems', prop.maxItems, hi.value);
    eq('items.pattern', prop.items?.pattern, '^[a-z0-9._-]{1,32}$');
  }
  if (row.type === 'VALID_REGION') eq('pattern', prop.pattern, '^!?[a-z0-9._-]{1,32}$');
  if (row.type === 'VALID_INT') {
    eq('minimum', prop.minimum, lo.value); eq('maximum', prop.maximum, hi.value);
    const conf = hi.conf || lo.conf;
    if ((prop['x-mrb-config'] ?? null) !== (conf ?? null))
      out.push(`x-mrb-config ${prop['x-mrb-config']} (C bound from ${conf ?? 'no config key'})`);
  }
  return out;
}

function cmdFields(file, root) {
  const spec = loadSpec(file);
  const macros = macroTable(root);
  const defaults = confDefaults(root);
  const eps = endpoints(root);
  const described = Object.keys(spec.paths || {}).sort();
  check(`every program of cgi-bin/ is a path of the description, and nothing else (${eps.length})`,
    JSON.stringify(eps.map((e) => '/' + e.name).sort()) === JSON.stringify(described),
    `cgi-bin: ${eps.map((e) => '/' + e.name).sort().join(' ')}; described: ${described.join(' ')}`);
  for (const ep of eps) {
    const item = spec.paths?.['/' + ep.name] || {};
    const ops = METHODS.filter((m) => item[m]);
    check(`/${ep.name}: methods ${ep.methods.join(', ')} as in ${ep.file}`,
      JSON.stringify(ops.sort()) === JSON.stringify([...ep.methods].sort()), `described: ${ops.join(', ') || 'none'}`);
    if (!ep.fn) continue; // no JSON-object body to check (webhook, health, metrics)
    const tbl = endpointTable(root, ep.fn, macros);
    const name = `/${ep.name}: request body schema = ${tbl.file || 'lib'} ${ep.fn}() table ${tbl.table || '?'}`;
    if (tbl.error) { fail(name, tbl.error); continue; }
    const schema = deref(spec, item.post?.requestBody?.content?.['application/json']?.schema);
    if (!schema) { fail(name, 'no application/json request body schema'); continue; }
    const props = Object.fromEntries(Object.entries(schema.properties || {}).map(([k, v]) => [k, deref(spec, v)]));
    const req = new Set(schema.required || []);
    const problems = [];
    const cNames = tbl.rows.map((r) => r.name);
    const sNames = Object.keys(props);
    for (const n of cNames.filter((x) => !sNames.includes(x))) problems.push(`${n}: in the C table, not described`);
    for (const n of sNames.filter((x) => !cNames.includes(x))) problems.push(`${n}: described, not in the C table`);
    for (const row of tbl.rows.filter((r) => props[r.name]))
      for (const p of rowMismatches(row, props[row.name], req.has(row.name), defaults)) problems.push(`${row.name}: ${p}`);
    for (const n of [...req].filter((x) => !cNames.includes(x))) problems.push(`${n}: required, not in the C table`);
    // valid.c ignores unknown fields: the description must not refuse them
    if (schema.additionalProperties === false || schema.unevaluatedProperties === false)
      problems.push('unknown fields are ignored by valid_check(), but the schema refuses them');
    check(`${name} {${cNames.join(', ')}}`, problems.length === 0, problems.join('; '));
  }
}

// ---- answers recorded by the shell ----

function lastHeaderBlock(text) {
  const blocks = text.replace(/\r/g, '').split(/\n\n/).filter((b) => /^HTTP\//.test(b));
  const lines = (blocks[blocks.length - 1] || '').split('\n').slice(1);
  const h = {};
  for (const l of lines) { const i = l.indexOf(':'); if (i > 0) h[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim(); }
  return h;
}
const mediaParts = (ct) => ct.split(';').map((x) => x.trim().toLowerCase()).filter(Boolean);

function cmdAnswers(file, dir) {
  const spec = loadSpec(file);
  const compile = specAjv(spec);
  const metas = fs.readdirSync(dir).filter((f) => f.endsWith('.meta')).sort();
  for (const mf of metas) {
    const [mname, mmethod, mpath, mstatus] = fs.readFileSync(path.join(dir, mf), 'utf8').replace(/\n$/, '').split('\t');
    const meta = { name: mname, method: mmethod, path: mpath, status: mstatus };
    const base = path.join(dir, mf.replace(/\.meta$/, ''));
    const name = `${meta.name}: ${meta.method} ${meta.path} ${meta.status}`;
    const method = meta.method.toLowerCase();
    const item = spec.paths?.[meta.path];
    if (!item) { fail(name, `${meta.path} is not described`); continue; }
    let opMethod = item[method] ? method : null;
    // a method the path does not take: its 405 is described on the path's operations
    if (!opMethod && String(meta.status) === '405') opMethod = METHODS.find((m) => item[m]?.responses?.['405']);
    if (!opMethod) { fail(name, `${meta.method} ${meta.path} is not described`); continue; }
    const op = item[opMethod];
    const st = String(meta.status);
    if (!op.responses?.[st]) { fail(name, `status ${st} is not described for ${opMethod.toUpperCase()} ${meta.path}`); continue; }
    const rbase = op.responses[st].$ref ? op.responses[st].$ref.slice(1).split('/').slice(1).map((t) => t.replace(/~1/g, '/'))
      : ['paths', meta.path, opMethod, 'responses', st];
    const resp = deref(spec, op.responses[st]);
    const headers = lastHeaderBlock(fs.readFileSync(base + '.headers', 'utf8'));
    const body = fs.readFileSync(base + '.body', 'utf8');
    const problems = [];
    for (const [h, hd0] of Object.entries(resp.headers || {})) {
      const hd = deref(spec, hd0);
      const v = headers[h.toLowerCase()];
      if (v === undefined) { if (hd.required) problems.push(`header ${h} missing`); continue; }
      const val = types(hd.schema).includes('integer') && /^-?\d+$/.test(v) ? Number(v) : v;
      const hv = compile(ptr(...rbase, 'headers', h, 'schema'));
      if (!hv(val)) problems.push(`header ${h}: ${v}: ${errText(hv)}`);
    }
    const content = resp.content || {};
    if (meta.method === 'HEAD' || Object.keys(content).length === 0) {
      if (body.length) problems.push(`a body where none is described: ${body.slice(0, 80)}`);
    } else {
      const got = mediaParts(headers['content-type'] || '');
      const mt = Object.keys(content).find((k) => { const w = mediaParts(k); return w[0] === got[0] && w.every((p) => got.includes(p)); });
      if (!mt) problems.push(`Content-Type ${headers['content-type']} is not one of: ${Object.keys(content).join(', ')}`);
      else {
        const v = compile(ptr(...rbase, 'content', mt, 'schema'));
        let doc = body;
        if (got[0] === 'application/json') {
          try { doc = JSON.parse(body); } catch (e) { problems.push(`body is not JSON: ${body.slice(0, 80)}`); doc = undefined; }
        }
        if (doc !== undefined && !v(doc)) problems.push(`body ${body.slice(0, 120)}: ${errText(v)}`);
      }
    }
    check(name, problems.length === 0, problems.join('; '));

    // The request: what the server took must fit the request schema, what it refused as a field error not.
    if (!fs.existsSync(base + '.request')) continue;
    const want = st === '400' ? false : ['200', '201', '403', '404', '409', '410', '429'].includes(st) ? true : null;
    const rs = op.requestBody?.content?.['application/json']?.schema;
    if (want === null || !rs) continue;
    let req, parsed = true;
    try { req = JSON.parse(fs.readFileSync(base + '.request', 'utf8')); } catch { parsed = false; }
    const rv = compile(ptr('paths', meta.path, opMethod, 'requestBody', 'content', 'application/json', 'schema'));
    const fits = parsed && rv(req);
    check(`${meta.name}: the request ${want ? 'fits' : 'does not fit'} the request body schema`, fits === want,
      want ? errText(rv) : 'the schema accepts a body the server refused with 400');
  }
}

// ---- the Redoc page ----

async function cmdRender(url, file) {
  const { chromium } = require('playwright-core');
  const spec = loadSpec(file);
  const browser = await chromium.launch({ executablePath: process.env.MRB_CHROMIUM || '/usr/bin/chromium', headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
  try {
    const page = await browser.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    // Offline: anything not from the dev stack is refused, and must not be asked for at all.
    const outside = [];
    const origin = new URL(url).origin;
    await page.route('**/*', (route) => {
      const u = route.request().url();
      if (u.startsWith(origin + '/') || /^(data|blob):/.test(u)) return route.continue();
      outside.push(u);
      return route.abort();
    });
    const res = await page.goto(url, { waitUntil: 'load', timeout: 15000 });
    check(`${url} is served`, res && res.status() === 200, `status ${res && res.status()}`);
    const summaries = [];
    for (const item of Object.values(spec.paths)) for (const m of METHODS) if (item[m]?.summary) summaries.push(item[m].summary);
    let text = '';
    try {
      await page.waitForSelector('.menu-content', { timeout: 15000 });
      await page.waitForFunction((n) => document.querySelectorAll('[data-section-id^="operation/"]').length >= n,
        summaries.length, { timeout: 15000 });
    } catch (e) { /* reported below */ }
    text = await page.evaluate(() => document.body.innerText);
    const missing = summaries.filter((s) => !text.includes(s));
    check(`Redoc renders all ${summaries.length} operations`, missing.length === 0 && !/Something went wrong/.test(text),
      `missing: ${missing.join(' | ')}; ${text.slice(0, 200)}`);
    check('the page loads nothing from outside the dev stack', outside.length === 0, outside.join(' '));
    check('no page errors', errors.length === 0, errors.join('; '));
  } finally {
    await browser.close();
  }
}

// events SPEC FILE: every event body in FILE (the test receiver's log, GET /log of tests/notify/receiver.mjs,
// written by tests/e2e/t_notify.sh) against its webhook in the description: one check per event type, and
// every event type the outbox knows (lib/outbox.c outbox_types) described in webhooks.
function cmdEvents(file, logFile, root) {
  const spec = loadSpec(file);
  const compile = specAjv(spec);
  const bodies = JSON.parse(fs.readFileSync(logFile, 'utf8')).events.map((e) => e.body);
  const byType = new Map();
  for (const b of bodies) byType.set(b.type, [...(byType.get(b.type) || []), b]);
  const described = Object.keys(spec.webhooks || {}).sort();
  const outbox = fs.readFileSync(path.join(root, 'lib/outbox.c'), 'utf8');
  const known = [...(/outbox_types\[\] = \{([^}]*)\}/s.exec(outbox) || ['', ''])[1].matchAll(/"([a-z._]+)"/g)].map((m) => m[1]).sort();
  check(`webhooks describes exactly the outbox's ${known.length} event types`, JSON.stringify(known) === JSON.stringify(described),
    `outbox: ${known.join(' ')}; described: ${described.join(' ')}`);
  for (const [type, list] of [...byType.entries()].sort()) {
    if (!spec.webhooks?.[type]) { fail(`delivered ${type}: described in webhooks`, 'no such webhook'); continue; }
    const v = compile(`#/webhooks/${type.replace(/~/g, '~0').replace(/\//g, '~1')}/post/requestBody/content/application~1json/schema`);
    const bad = list.filter((b) => !v(b)).map((b) => `${JSON.stringify(b).slice(0, 200)}: ${errText(v)}`);
    check(`${list.length} delivered ${type} bod${list.length === 1 ? 'y matches' : 'ies match'} webhooks.${type}`, bad.length === 0,
      bad.slice(0, 3).join(' | '));
  }
}

const [cmd, ...args] = process.argv.slice(2);
const cmds = { spec: cmdSpec, fields: cmdFields, answers: cmdAnswers, render: cmdRender, events: cmdEvents };
if (!cmds[cmd]) { console.error('usage: node check.mjs spec|fields|answers|render|events ...'); process.exit(2); }
try {
  await cmds[cmd](...args);
} catch (e) {
  fail(`check.mjs ${cmd}`, e.stack || e.message);
}
