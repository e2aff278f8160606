// The browser test of `routeflow serve`'s web view, GET /ui (issue 18). Run by tests/browser.sh, which
// installs Debian's chromium and this folder's node_modules (playwright-core, pinned) and builds routeflow.
//
// 1. Starts `routeflow serve` on the shipped sample (flows/gtr_sample.yaml, flows/center.yaml) with a
//    test clock, on a free loopback port, with tokens for every role the script needs.
// 2. Drives a script over HTTP as a CRM, agents' desktops and an admin moving the clock: workitems of
//    four kinds (requested agent ivan, Gold, German skill, default), agents ready, offers accepted, work
//    marked done. The numbers the page must show come from the script itself (N created: the first block
//    shows entered N; K waiting in a Route block since t, T s ago: oldest T s); GET /metrics, /v1/queues,
//    /v1/agents, /v1/flows and /v1/workitems are read as a second opinion on them.
// 3. Opens /ui in headless chromium with a viewer's token (HTTP Basic), waits for the page to show
//    those numbers, then scripts more and waits for the page to follow without a reload (its event
//    stream), saves a full-page screenshot (target/browser/ui.png), then publishes a second flow
//    version and reloads: both versions listed, the new one drawn.
// 4. Checks: /ui without credentials and with a wrong token is 401 with `WWW-Authenticate: Basic`; the
//    page made no request outside the server's origin; no console error, no uncaught exception, no
//    failed request.
//
// Environment: ROUTEFLOW (the binary; default target/debug/routeflow), ROUTEFLOW_CHROMIUM (default
// /usr/bin/chromium), ROUTEFLOW_BROWSER_OUT (default target/browser: screenshot, server log),
// ROUTEFLOW_BROWSER_TIMEOUT_MS (how long the page may take to show a state; default 20000),
// ROUTEFLOW_BROWSER_API_ONLY=1 (drive the script and check the API's numbers only, no browser).
// Exit 0 when everything holds, 1 otherwise (each failure says what was expected and what was seen).

import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = resolve(ROOT, process.env.ROUTEFLOW || 'target/debug/routeflow');
const CHROMIUM = process.env.ROUTEFLOW_CHROMIUM || '/usr/bin/chromium';
const OUT = resolve(ROOT, process.env.ROUTEFLOW_BROWSER_OUT || 'target/browser');
const TIMEOUT_MS = Number(process.env.ROUTEFLOW_BROWSER_TIMEOUT_MS || 20000);
const FLOW_FILE = join(ROOT, 'flows/gtr_sample.yaml');
const CENTER_FILE = join(ROOT, 'flows/center.yaml');
const TABLE = 'tables/OPEN_MEDIA_ROUTING_CONFIG.csv';

const started = Date.now();
const log = (message) =>
  console.error(`[${((Date.now() - started) / 1000).toFixed(1).padStart(5)} s] ${message}`);

class Failure extends Error {}
function fail(message) {
  throw new Failure(message);
}
function check(condition, message) {
  if (!condition) fail(typeof message === 'function' ? message() : message);
}
const show = (value) => JSON.stringify(value);

// ---------------------------------------------------------------------------------------------------
// The server

const work = mkdtempSync(join(tmpdir(), 'routeflow-browser-'));
let server = null;
let serverLog = '';
let browser = null;
let feed = null;

function token(role) {
  const out = execFileSync(BIN, ['token', '--role', role], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).split('\n');
  check(out[0].startsWith('rft_') && out[1].includes(`role: ${role}`), `routeflow token --role ${role} printed ${show(out)}`);
  return { token: out[0], line: out[1] };
}

// The agents the script drives, each with its own desktop token.
const AGENTS_DRIVEN = ['alice', 'bob', 'grace', 'heidi', 'ivan'];
const TOKENS = {};

async function startServer() {
  const lines = [];
  for (const role of ['admin', 'integration', 'viewer', ...AGENTS_DRIVEN.map((id) => `agent:${id}`)]) {
    const made = token(role);
    TOKENS[role] = made.token;
    lines.push(made.line);
  }
  writeFileSync(join(work, 'tokens.yaml'), lines.join('\n') + '\n');
  const args = ['serve', '--flow', FLOW_FILE, '--center', CENTER_FILE, '--data', join(work, 'data'),
    '--listen', '127.0.0.1:0', '--tokens', join(work, 'tokens.yaml'), '--clock', 'test'];
  server = spawn(BIN, args, { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  server.stderr.setEncoding('utf8');
  const base = await new Promise((resolveBase, rejectBase) => {
    const timer = setTimeout(() => rejectBase(new Failure(`routeflow serve did not say where it listens within 60 s:\n${serverLog}`)), 60000);
    server.stderr.on('data', (chunk) => {
      serverLog += chunk;
      const found = /routeflow: listening on (http:\/\/\S+)/.exec(serverLog);
      if (found) {
        clearTimeout(timer);
        resolveBase(found[1]);
      }
    });
    server.on('exit', (code, signal) => {
      clearTimeout(timer);
      rejectBase(new Failure(`routeflow serve exited (${code ?? signal}) before it listened:\n${serverLog}`));
    });
  });
  server.on('exit', (code, signal) => {
    if (!stopping) log(`routeflow serve exited unexpectedly (${code ?? signal})`);
  });
  return base;
}

let stopping = false;
// Never leave a server behind: not when this process is stopped (a CI time-out), nor when it dies.
process.on('exit', () => server?.exitCode === null && server.signalCode === null && server.kill('SIGKILL'));
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    log(`${signal}: stopping`);
    process.exit(1);
  });
}
async function stopServer() {
  stopping = true;
  if (!server || server.exitCode !== null || server.signalCode !== null) return;
  const exited = new Promise((done) => server.once('exit', done));
  server.kill('SIGTERM');
  const timer = setTimeout(() => server.kill('SIGKILL'), 12000);
  await exited;
  clearTimeout(timer);
}

// ---------------------------------------------------------------------------------------------------
// The model of the run: workitems (kind, where they wait since when, who holds them, ended or not) and
// agents, kept by the script as it acts; `expected()` turns it into the page's numbers.
const model = {
  workitems: new Map(), // id -> {kind, state: waiting|assigned|done, since, agent, routedAt}
  agents: new Map(), // id -> {state, reason, capacity, holds: Set, since: when the script set its state}
};

async function loadAgents() {
  for (const agent of await ok('GET', '/v1/agents', 'viewer')) {
    model.agents.set(agent.id, { state: agent.state, reason: agent.reason ?? null, capacity: agent.capacity, holds: new Set(), since: null });
  }
}

// ---------------------------------------------------------------------------------------------------
// The API, as a CRM, desktops and an admin use it

let BASE = '';

async function api(method, path, role, body) {
  const headers = { authorization: `Bearer ${TOKENS[role]}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const reply = await fetch(BASE + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await reply.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = text;
  }
  return { status: reply.status, headers: reply.headers, json, text };
}

async function ok(method, path, role, body) {
  const reply = await api(method, path, role, body);
  check(reply.status >= 200 && reply.status < 300, `${method} ${path} as ${role}: expected a 2xx, got ${reply.status} ${reply.text}`);
  return reply.json;
}

let now = 0; // the test clock, as the script moved it
async function advance(by) {
  const clock = await ok('POST', '/v1/clock/advance', 'admin', { by_s: by });
  now += by;
  check(clock.now_s === now, `the clock should be at ${now} s after advancing ${by} s: ${show(clock)}`);
}

// The routing the script expects each kind of workitem to get from the sample flow.
const KINDS = {
  // GTR_requestedAgent: route_agent first (nothing looked up by classification).
  agent: { userdata: { GTR_requestedAgent: 'ivan' }, block: 'route_agent', target: 'agent:ivan' },
  // Insurance/Health/Gold: the table's Gold row, 'english' > 7.
  gold: { userdata: { GTR_level1: 'Insurance', GTR_level2: 'Health', CustomerSegment: 'Gold' }, block: 'route_skill', target: "skill:'english' > 7" },
  // A skill expression in the user data: only heidi (german 9) matches.
  german: { userdata: { GTR_skillExpression: "'german' > 5" }, block: 'route_skill', target: "skill:'german' > 5" },
  // No classification: the table's default row, 'english' > 1.
  default: { userdata: {}, block: 'route_skill', target: "skill:'english' > 1" },
};

async function create(id, kind) {
  const spec = KINDS[kind];
  const reply = await ok('POST', '/v1/workitems', 'integration', { id, userdata: { ...spec.userdata, caseNumber: id } });
  const target = reply.target ? `${reply.target.kind}:${reply.target.value}` : null;
  check(reply.state === 'waiting' && reply.block === spec.block && target === spec.target,
    `workitem ${id} (${kind}) should wait in ${spec.block} for ${spec.target}: ${show(reply)}`);
  model.workitems.set(id, { kind, state: 'waiting', since: now, agent: null, routedAt: null });
}

async function setState(agent, state, reason) {
  const body = reason === undefined ? { state } : { state, reason };
  await ok('PUT', `/v1/agents/${agent}/state`, `agent:${agent}`, body);
  Object.assign(model.agents.get(agent), { state, reason: reason ?? null, since: now });
}

// The workitems `agent` is offered now, in the order the server lists them, once it lists `count`.
async function offered(agent, count) {
  for (let tries = 0; tries < 100; tries++) {
    const seen = await ok('GET', `/v1/agents/${agent}`, `agent:${agent}`);
    const offers = [];
    for (const id of seen.workitems) {
      const item = await ok('GET', `/v1/workitems/${encodeURIComponent(id)}`, `agent:${agent}`);
      if (item.state === 'offered') offers.push(item);
    }
    if (offers.length >= count) return offers;
    await new Promise((done) => setTimeout(done, 50));
  }
  fail(`${agent} should have been offered ${count} workitem(s)`);
}

// `agent` accepts the offers it has, which must be of exactly the workitems `ids`.
async function accept(agent, ids) {
  const offers = await offered(agent, ids.length);
  check(show(offers.map((item) => item.id).sort()) === show([...ids].sort()),
    `${agent} should be offered ${show(ids)}, is offered ${show(offers.map((item) => item.id))}`);
  for (const item of offers) {
    const reply = await ok('POST', `/v1/offers/${encodeURIComponent(item.offer)}/accept`, `agent:${agent}`);
    check(reply.state === 'assigned' && reply.agent === agent, `${agent} accepting ${item.id}: ${show(reply)}`);
    Object.assign(model.workitems.get(item.id), { state: 'assigned', agent, routedAt: now });
    model.agents.get(agent).holds.add(item.id);
  }
}

async function done(agent, id) {
  const reply = await ok('POST', `/v1/workitems/${encodeURIComponent(id)}/done`, `agent:${agent}`, { disposition: 'resolved' });
  check(reply.state === 'done', `${id} marked done by ${agent}: ${show(reply)}`);
  model.workitems.get(id).state = 'done';
  model.agents.get(agent).holds.delete(id);
}

// The supervisors' stream, followed from the start as a second opinion on the page's last event.
function followFeed() {
  const events = [];
  const controller = new AbortController();
  const reading = (async () => {
    const reply = await fetch(BASE + '/v1/events', { headers: { authorization: `Bearer ${TOKENS.viewer}` }, signal: controller.signal });
    check(reply.status === 200, `GET /v1/events: ${reply.status}`);
    const decoder = new TextDecoder();
    let buffer = '';
    let current = {};
    for await (const chunk of reply.body) {
      buffer += decoder.decode(chunk, { stream: true });
      let end;
      while ((end = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, end).replace(/\r$/, '');
        buffer = buffer.slice(end + 1);
        if (line === '') {
          if (current.data) events.push({ id: Number(current.id), event: current.event, ...JSON.parse(current.data) });
          current = {};
        } else if (line.startsWith('id:')) current.id = line.slice(3).trim();
        else if (line.startsWith('event:')) current.event = line.slice(6).trim();
        else if (line.startsWith('data:')) current.data = (current.data ?? '') + line.slice(5).trim();
      }
    }
  })().catch((error) => {
    if (error.name !== 'AbortError') log(`the supervisors' stream ended: ${error.message}`);
  });
  return {
    events,
    close: () => controller.abort(),
    // The last event's id once the stream has shown one matching `test` and nothing new for 400 ms.
    async settle(test, what) {
      const deadline = Date.now() + TIMEOUT_MS;
      while (!events.some(test)) {
        check(Date.now() < deadline, `the supervisors' stream never showed ${what}; its last events: ${show(events.slice(-5))}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      let count;
      do {
        count = events.length;
        await new Promise((r) => setTimeout(r, 400));
      } while (events.length !== count);
      return events[events.length - 1];
    },
  };
}

// ---------------------------------------------------------------------------------------------------
// What the page must show: built from the script's own bookkeeping

const BLOCKS = ['read_userdata', 'write_override_key', 'none_provided', 'read_by_classification',
  'search_not_valid', 'read_defaults', 'agent_not_requested', 'assign_default_agent', 'skill_not_requested',
  'assign_default_skill', 'group_not_requested', 'assign_default_group', 'agent_requested', 'route_agent',
  'skill_requested', 'route_skill', 'group_requested', 'route_group', 'route_default_group'];
const ROUTE_BLOCKS = ['route_agent', 'route_skill', 'route_group', 'route_default_group'];

// Which blocks each kind of workitem enters (while it waits in, or was routed by, its first Route block).
function blocksEntered(kind) {
  const initialize = ['read_userdata', 'write_override_key', 'none_provided', 'search_not_valid',
    'agent_not_requested', 'skill_not_requested', 'group_not_requested', 'assign_default_group', 'agent_requested'];
  const more = {
    // requested agent: no classification lookup, the default row read, the agent kept, the default skill.
    agent: ['read_defaults', 'assign_default_skill', 'route_agent'],
    // Gold: the classification's row is found; the agent and skill from it.
    gold: ['read_by_classification', 'assign_default_agent', 'assign_default_skill', 'skill_requested', 'route_skill'],
    // a requested skill: no lookup by classification, the default row read, the skill kept.
    german: ['read_defaults', 'assign_default_agent', 'skill_requested', 'route_skill'],
    // nothing: the classification lookup finds no row, the default row is read.
    default: ['read_by_classification', 'read_defaults', 'assign_default_agent', 'assign_default_skill', 'skill_requested', 'route_skill'],
  }[kind];
  return [...initialize, ...more];
}

function expected({ flow = 'gtr_sample · version 1', versions = { 1: { active: true } }, recent = [], seq }) {
  const blocks = {};
  for (const block of BLOCKS) blocks[block] = { entered: 0 };
  for (const block of ROUTE_BLOCKS) Object.assign(blocks[block], { waiting: 0, oldest: null });
  const queues = {};
  for (const item of model.workitems.values()) {
    for (const block of blocksEntered(item.kind)) blocks[block].entered += 1;
    const { block, target } = KINDS[item.kind];
    queues[target] ??= { waiting: 0, oldest: null, routed: 0 };
    if (item.state === 'waiting') {
      const wait = now - item.since;
      blocks[block].waiting += 1;
      blocks[block].oldest = Math.max(blocks[block].oldest ?? 0, wait);
      queues[target].waiting += 1;
      queues[target].oldest = Math.max(queues[target].oldest ?? 0, wait);
    }
    if (item.routedAt !== null && now - item.routedAt <= 900) queues[target].routed += 1;
  }
  const agents = {};
  for (const [id, agent] of model.agents) {
    agents[id] = { state: agent.state, reason: agent.reason, load: `${agent.holds.size} / ${agent.capacity}`, since: agent.since === null ? null : now - agent.since };
  }
  const running = [...model.workitems.values()].filter((item) => item.state !== 'done').length;
  const versionsWithRunning = {};
  for (const [version, spec] of Object.entries(versions)) versionsWithRunning[version] = { running, ...spec };
  return { state: 'live', seq: String(seq), flow, versions: versionsWithRunning, blocks, queues, agents, recent };
}

// ---------------------------------------------------------------------------------------------------
// The second opinion: the API's own numbers against the model's

function metricValue(text, name, labels) {
  let total = 0;
  let found = false;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name + '{') && !line.startsWith(name + ' ')) continue;
    const match = /^([^{ ]+)(?:\{(.*)\})? (\S+)/.exec(line);
    if (!match || match[1] !== name) continue;
    const set = match[2] ?? '';
    if (labels.every((label) => set.split(/,(?=[a-z_]+=")/).includes(label))) {
      check(!found, `two samples of ${name} ${show(labels)}`);
      found = true;
      total = Number(match[3]);
    }
  }
  return total;
}

async function crossCheck(want) {
  const metrics = await api('GET', '/metrics', 'viewer');
  check(metrics.status === 200, `GET /metrics as viewer: ${metrics.status}`);
  const text = metrics.text;
  const problems = [];
  const flowLabels = ['flow="gtr_sample"', 'version="1"'];
  for (const [block, spec] of Object.entries(want.blocks)) {
    const entries = metricValue(text, 'routeflow_block_entries_total', [...flowLabels, `block="${block}"`]);
    if (entries !== spec.entered) problems.push(`/metrics: ${block} entered ${entries}, the script says ${spec.entered}`);
  }
  const createdCount = metricValue(text, 'routeflow_workitems_created_total', flowLabels);
  if (createdCount !== model.workitems.size) problems.push(`/metrics: ${createdCount} created, the script made ${model.workitems.size}`);

  const queues = await ok('GET', '/v1/queues', 'viewer');
  const seen = {};
  for (const queue of queues) seen[`${queue.target.kind}:${queue.target.value}`] = queue;
  for (const [target, spec] of Object.entries(want.queues)) {
    const queue = seen[target];
    const waiting = queue?.waiting ?? 0;
    const oldest = queue?.oldest_wait_s ?? null;
    if (waiting !== spec.waiting || oldest !== spec.oldest) {
      problems.push(`/v1/queues: ${target} waiting ${waiting}, oldest ${oldest}; the script says ${spec.waiting}, ${spec.oldest}`);
    }
  }
  for (const target of Object.keys(seen)) {
    if (!want.queues[target]) problems.push(`/v1/queues: a queue the script does not know: ${target}`);
  }

  const waitingByBlock = {};
  for (const state of ['waiting', 'offered']) {
    for (const item of await ok('GET', `/v1/workitems?state=${state}&limit=1000`, 'viewer')) {
      waitingByBlock[item.block] ??= [];
      waitingByBlock[item.block].push(item);
    }
  }
  for (const block of ROUTE_BLOCKS) {
    const items = waitingByBlock[block] ?? [];
    if (items.length !== want.blocks[block].waiting) {
      problems.push(`/v1/workitems: ${items.length} waiting in ${block}, the script says ${want.blocks[block].waiting}`);
    }
  }

  for (const agent of await ok('GET', '/v1/agents', 'viewer')) {
    const spec = want.agents[agent.id];
    const load = `${agent.workitems.length} / ${agent.capacity}`;
    if (!spec || spec.state !== agent.state || (spec.reason ?? null) !== (agent.reason ?? null) || spec.load !== load) {
      problems.push(`/v1/agents: ${agent.id} ${agent.state} (${agent.reason}) ${load}; the script says ${show(spec)}`);
    }
  }

  const flows = await ok('GET', '/v1/flows/gtr_sample', 'viewer');
  for (const [version, spec] of Object.entries(want.versions)) {
    const view = flows.versions.find((v) => v.version === Number(version));
    if (!view || view.running !== spec.running || view.active !== spec.active) {
      problems.push(`/v1/flows/gtr_sample: version ${version} ${show(view)}; the script says ${show(spec)}`);
    }
  }
  check(problems.length === 0, () => `the API disagrees with the script:\n  ${problems.join('\n  ')}`);
}

// ---------------------------------------------------------------------------------------------------
// The page: one self-contained function, run in the page, that reads every hook and lists what differs
// from `want` (a state built by expected()); with `want.predicate`, whether none does (for waitForFunction).

function pageMismatches(want) {
  const problems = [];
  const text = (node) => (node ? node.textContent.replace(/\s+/g, ' ').trim() : null);
  // '30 s', '2 min 5 s', '1 h 2 min' -> seconds; null for '' or a dash.
  const seconds = (words) => {
    if (words === null || words === '' || /^[-—–]$/.test(words)) return null;
    let total = 0;
    let matched = '';
    for (const [part, n, unit] of words.matchAll(/(\d+)\s*(h|min|s)\b/g)) {
      total += Number(n) * { h: 3600, min: 60, s: 1 }[unit];
      matched += part;
    }
    return matched ? total : NaN;
  };
  const same = (a, b) => a === b || (Number.isNaN(a) && Number.isNaN(b));
  const body = document.body;
  if (body.dataset.state !== want.state) problems.push(`body[data-state] is ${JSON.stringify(body.dataset.state)}, want ${JSON.stringify(want.state)}`);
  if (want.seq !== undefined && body.dataset.seq !== want.seq) problems.push(`body[data-seq] is ${JSON.stringify(body.dataset.seq)}, want ${JSON.stringify(want.seq)}`);

  const flow = text(document.querySelector('#flow'));
  if (flow !== want.flow) problems.push(`#flow says ${JSON.stringify(flow)}, want ${JSON.stringify(want.flow)}`);

  const versions = [...document.querySelectorAll('#versions li[data-version]')];
  const versionNames = versions.map((li) => li.dataset.version).sort();
  if (JSON.stringify(versionNames) !== JSON.stringify(Object.keys(want.versions).sort())) {
    problems.push(`#versions lists ${JSON.stringify(versionNames)}, want ${JSON.stringify(Object.keys(want.versions))}`);
  }
  for (const li of versions) {
    const spec = want.versions[li.dataset.version];
    if (!spec) continue;
    const words = text(li);
    if (!words.includes(`version ${li.dataset.version}`) || !new RegExp(`\\b${spec.running} running\\b`).test(words)) {
      problems.push(`#versions li[data-version=${li.dataset.version}] says ${JSON.stringify(words)}, want "version ${li.dataset.version}" and "${spec.running} running"`);
    }
    if (li.classList.contains('active') !== spec.active) problems.push(`#versions li[data-version=${li.dataset.version}] is${spec.active ? ' not' : ''} .active`);
  }

  const groups = [...document.querySelectorAll('#drawing svg g.block[data-block]')];
  const drawn = groups.map((g) => g.dataset.block).sort();
  const wantBlocks = Object.keys(want.blocks).sort();
  if (JSON.stringify(drawn) !== JSON.stringify(wantBlocks)) {
    problems.push(`#drawing's g.block[data-block] are ${JSON.stringify(drawn)}, want ${JSON.stringify(wantBlocks)}`);
  }
  for (const g of groups) {
    const spec = want.blocks[g.dataset.block];
    if (!spec) continue;
    const name = `g.block[data-block=${g.dataset.block}]`;
    const label = text(g.querySelector('text.live-count'));
    const entered = g.getAttribute('data-entered');
    if (entered !== String(spec.entered)) problems.push(`${name}[data-entered] is ${JSON.stringify(entered)}, want "${spec.entered}"`);
    const parsed = label === null ? null : /^entered (\d+)(?: · waiting (\d+)(?: · oldest (.+))?)?$/.exec(label);
    if (!parsed) {
      problems.push(`${name} text.live-count says ${JSON.stringify(label)}, want "entered ${spec.entered}${spec.waiting !== undefined ? ` · waiting ${spec.waiting}…` : ''}"`);
      continue;
    }
    if (Number(parsed[1]) !== spec.entered) problems.push(`${name} text.live-count says ${JSON.stringify(label)}: entered ${spec.entered} wanted`);
    if (spec.waiting === undefined) {
      if (parsed[2] !== undefined) problems.push(`${name} (not a Route block) text.live-count says ${JSON.stringify(label)}`);
      continue;
    }
    const waiting = g.getAttribute('data-waiting');
    const oldest = g.getAttribute('data-oldest-s');
    if (waiting !== String(spec.waiting)) problems.push(`${name}[data-waiting] is ${JSON.stringify(waiting)}, want "${spec.waiting}"`);
    const wantOldest = spec.oldest === null ? '' : String(spec.oldest);
    if (oldest !== wantOldest) problems.push(`${name}[data-oldest-s] is ${JSON.stringify(oldest)}, want ${JSON.stringify(wantOldest)}`);
    // A Route block's text: 'entered N · waiting W · oldest T s' while some wait ('entered N' or
    // 'entered N · waiting 0' while none does).
    const shownWaiting = parsed[2] === undefined ? 0 : Number(parsed[2]);
    const shownOldest = parsed[3] === undefined ? null : seconds(parsed[3]);
    if (shownWaiting !== spec.waiting || !same(shownOldest, spec.oldest)) {
      problems.push(`${name} text.live-count says ${JSON.stringify(label)}, want waiting ${spec.waiting}${spec.oldest === null ? ' and no oldest' : `, oldest ${spec.oldest} s`}`);
    }
  }

  const rows = new Map([...document.querySelectorAll('#queues tbody tr[data-target]')].map((tr) => [tr.dataset.target, tr]));
  for (const [target, spec] of Object.entries(want.queues)) {
    const tr = rows.get(target);
    if (!tr) {
      // A target nobody waits for may be left out; one with workitems waiting may not.
      if (spec.waiting > 0) problems.push(`#queues has no row tr[data-target="${target}"] (want waiting ${spec.waiting})`);
      continue;
    }
    const cells = {
      target: text(tr.querySelector('td.target')),
      waiting: text(tr.querySelector('td.waiting')),
      oldest: text(tr.querySelector('td.oldest')),
      routed: text(tr.querySelector('td.routed')),
    };
    const attribute = tr.getAttribute('data-oldest-s');
    const wantAttribute = spec.oldest === null ? '' : String(spec.oldest);
    const value = target.slice(target.indexOf(':') + 1);
    if (cells.target === null || !cells.target.includes(value)) problems.push(`#queues ${target}: td.target says ${JSON.stringify(cells.target)}, want it to name ${JSON.stringify(value)}`);
    if (cells.waiting !== String(spec.waiting)) problems.push(`#queues ${target}: td.waiting says ${JSON.stringify(cells.waiting)}, want "${spec.waiting}"`);
    if (!same(seconds(cells.oldest), spec.oldest)) problems.push(`#queues ${target}: td.oldest says ${JSON.stringify(cells.oldest)}, want ${spec.oldest === null ? 'none' : `${spec.oldest} s`}`);
    if (attribute !== wantAttribute) problems.push(`#queues ${target}: tr[data-oldest-s] is ${JSON.stringify(attribute)}, want ${JSON.stringify(wantAttribute)}`);
    if (cells.routed !== String(spec.routed)) problems.push(`#queues ${target}: td.routed says ${JSON.stringify(cells.routed)}, want "${spec.routed}"`);
  }
  for (const target of rows.keys()) {
    if (!want.queues[target]) problems.push(`#queues has a row for ${JSON.stringify(target)}, a target the script never routed to`);
  }

  const agents = new Map([...document.querySelectorAll('#agents tbody tr[data-agent]')].map((tr) => [tr.dataset.agent, tr]));
  const agentNames = [...agents.keys()].sort();
  if (JSON.stringify(agentNames) !== JSON.stringify(Object.keys(want.agents).sort())) {
    problems.push(`#agents lists ${JSON.stringify(agentNames)}, want ${JSON.stringify(Object.keys(want.agents).sort())}`);
  }
  for (const [id, spec] of Object.entries(want.agents)) {
    const tr = agents.get(id);
    if (!tr) continue;
    const state = text(tr.querySelector('td.state'));
    const reason = text(tr.querySelector('td.reason'));
    const load = text(tr.querySelector('td.load'));
    const since = tr.querySelector('td.since');
    if (state !== spec.state) problems.push(`#agents ${id}: td.state says ${JSON.stringify(state)}, want ${JSON.stringify(spec.state)}`);
    const noReason = reason === '' || /^[-—–]$/.test(reason ?? '');
    if (spec.reason === null ? !noReason : reason !== spec.reason) problems.push(`#agents ${id}: td.reason says ${JSON.stringify(reason)}, want ${JSON.stringify(spec.reason ?? '')}`);
    if (load === null || load.replace(/\s+/g, '') !== spec.load.replace(/\s+/g, '')) problems.push(`#agents ${id}: td.load says ${JSON.stringify(load)}, want ${JSON.stringify(spec.load)}`);
    if (!since) problems.push(`#agents ${id}: no td.since`);
    else if (spec.since !== null && !same(seconds(text(since)), spec.since)) problems.push(`#agents ${id}: td.since says ${JSON.stringify(text(since))}, want ${spec.since} s (since the script set its state)`);
  }

  // The events since the page opened, newest first: each li starts with its event's name.
  const events = [...document.querySelectorAll('#events li')].map(text);
  const differs = want.recent.findIndex((name, n) => events[n] === undefined || !events[n].startsWith(name));
  if (differs >= 0) {
    problems.push(`#events li ${differs + 1} (newest first) says ${JSON.stringify(events[differs] ?? null)}, want it to start with ${JSON.stringify(want.recent[differs])}:\n` +
      `    the page lists ${JSON.stringify(events.slice(0, want.recent.length))}\n    the stream sent ${JSON.stringify(want.recent)} (GET /v1/events, newest first)`);
  }
  return want.predicate ? problems.length === 0 : problems;
}

// Everything the page shows of the hooks, for a failure's message.
function pageSummary() {
  const text = (node) => (node ? node.textContent.replace(/\s+/g, ' ').trim() : null);
  return {
    state: document.body.dataset.state,
    seq: document.body.dataset.seq,
    flow: text(document.querySelector('#flow')),
    versions: [...document.querySelectorAll('#versions li')].map((li) => `${li.dataset.version}${li.classList.contains('active') ? ' (active)' : ''}: ${text(li)}`),
    blocks: [...document.querySelectorAll('#drawing svg g.block[data-block]')].map((g) =>
      `${g.dataset.block}: entered=${g.getAttribute('data-entered')} waiting=${g.getAttribute('data-waiting')} oldest-s=${g.getAttribute('data-oldest-s')} "${text(g.querySelector('text.live-count'))}"`),
    queues: [...document.querySelectorAll('#queues tbody tr')].map((tr) => `${tr.dataset.target} [oldest-s=${tr.getAttribute('data-oldest-s')}]: ${[...tr.cells].map(text).join(' | ')}`),
    agents: [...document.querySelectorAll('#agents tbody tr')].map((tr) => `${tr.dataset.agent}: ${[...tr.cells].map(text).join(' | ')}`),
    events: [...document.querySelectorAll('#events li')].slice(0, 8).map(text),
  };
}

async function waitForPage(page, what, want) {
  log(`waiting for the page to show ${what}`);
  try {
    // A function, not a string: the page's Content-Security-Policy forbids eval.
    await page.waitForFunction(pageMismatches, { ...want, predicate: true }, { timeout: TIMEOUT_MS, polling: 100 });
  } catch (error) {
    if (!/Timeout/i.test(error.message)) throw error;
    const problems = await page.evaluate(pageMismatches, want).catch((e) => [`(could not read the page: ${e.message})`]);
    const seen = await page.evaluate(pageSummary).catch(() => null);
    await page.screenshot({ path: join(OUT, 'failure.png'), fullPage: true }).catch(() => {});
    fail(`after ${TIMEOUT_MS / 1000} s the page does not show ${what}:\n  ${problems.join('\n  ')}\n` +
      `what the page shows:\n${JSON.stringify(seen, null, 2)}\n(screenshot: ${join(OUT, 'failure.png')})`);
  }
  log(`the page shows ${what}`);
}

// ---------------------------------------------------------------------------------------------------
// The run

// Part 1: the state the page finds when it opens (at t = 45 s). Resolves to the last event it made.
async function part1() {
  log('script, part 1: 9 workitems, 3 agents ready, 4 offers accepted, 1 done');
  for (const id of ['D1', 'D2', 'D3']) await create(id, 'default');
  await advance(20);
  for (const id of ['A1', 'A2', 'A3']) await create(id, 'agent');
  await advance(10);
  for (const id of ['G1', 'G2']) await create(id, 'gold');
  await create('S1', 'german');
  await advance(15);
  // heidi (german 9) takes S1 and marks it done; ivan takes A1 (his capacity is 1: A2, A3 wait);
  // bob (english 8, capacity 2) takes the two oldest he matches, D1 and D2 (created at 0 s).
  await setState('heidi', 'ready');
  await accept('heidi', ['S1']);
  await setState('ivan', 'ready');
  await accept('ivan', ['A1']);
  await setState('bob', 'ready');
  await accept('bob', ['D1', 'D2']);
  await done('heidi', 'S1');
  await setState('alice', 'not_ready', 'break');
  return feed.settle((e) => e.event === 'agent_state' && e.agent === 'alice', "alice's agent_state");

}

// Part 2, while the page is open (to t = 85 s): it must follow without a reload.
async function part2() {
  log('script, part 2: bob marks D1 done and takes D3, D4 arrives, the clock moves 40 s, grace is not ready');
  await done('bob', 'D1');
  await accept('bob', ['D3']);
  await create('D4', 'default');
  await advance(40);
  await setState('grace', 'not_ready', 'training');
  return feed.settle((e) => e.event === 'agent_state' && e.agent === 'grace', "grace's agent_state");
}

async function main() {
  mkdirSync(OUT, { recursive: true });
  for (const old of ['ui.png', 'failure.png']) rmSync(join(OUT, old), { force: true });
  log(`routeflow: ${BIN}`);
  BASE = await startServer();
  log(`routeflow serve at ${BASE}`);
  for (let tries = 0; ; tries++) {
    const ready = await api('GET', '/readyz', 'viewer');
    if (ready.status === 200) break;
    check(tries < 200, `/readyz never said ready: ${ready.status} ${ready.text}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  feed = followFeed();
  await loadAgents();

  let last = await part1();
  // The page lists recent events from the moment it opens: the last ten, newest first.
  const first = expected({ seq: last.id, recent: feed.events.map((event) => event.event).reverse().slice(0, 10) });
  await crossCheck(first);
  log(`the API agrees with the script (t = ${now} s, last event ${last.id})`);
  if (process.env.ROUTEFLOW_BROWSER_API_ONLY) {
    last = await part2();
    await crossCheck(expected({ seq: last.id }));
    log(`the API agrees with the script (t = ${now} s, last event ${last.id}); no browser (ROUTEFLOW_BROWSER_API_ONLY)`);
    return;
  }

  // The page's protection: HTTP Basic, the token as the password.
  const anonymous = await fetch(BASE + '/ui');
  check(anonymous.status === 401 && /basic/i.test(anonymous.headers.get('www-authenticate') ?? ''),
    `GET /ui without credentials: want 401 with WWW-Authenticate: Basic, got ${anonymous.status} (WWW-Authenticate: ${anonymous.headers.get('www-authenticate')})`);
  const basic = (password) => 'Basic ' + Buffer.from(`viewer:${password}`).toString('base64');
  const wrong = await fetch(BASE + '/ui', { headers: { authorization: basic('rft_' + '0'.repeat(64)) } });
  check(wrong.status === 401, `GET /ui with a wrong token: want 401, got ${wrong.status}`);
  const right = await fetch(BASE + '/ui', { headers: { authorization: basic(TOKENS.viewer) } });
  check(right.status === 200 && /text\/html/.test(right.headers.get('content-type') ?? ''),
    `GET /ui with the viewer's token: want 200 text/html, got ${right.status} ${right.headers.get('content-type')}`);
  log('/ui: 401 without credentials and with a wrong token, 200 with the viewer\'s');

  // The browser, as a supervisor with a viewer's token.
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--no-first-run', '--disable-quic'],
  });
  const context = await browser.newContext({
    viewport: { width: 1400, height: 1000 },
    httpCredentials: { username: 'viewer', password: TOKENS.viewer },
  });
  const page = await context.newPage();
  const origin = new URL(BASE).origin;
  const outside = [];
  const errors = [];
  page.on('request', (request) => {
    const url = request.url();
    if (!(url.startsWith(origin + '/') || url === origin || /^(data|blob):/.test(url))) outside.push(`${request.method()} ${url}`);
  });
  page.on('pageerror', (error) => errors.push(`uncaught exception: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`console error: ${message.text()}`);
  });
  page.on('requestfailed', (request) => {
    // A reload or the page's closing aborts its event stream (net::ERR_ABORTED): anything else is an error.
    const why = request.failure()?.errorText ?? '';
    if (!/ERR_ABORTED/.test(why)) errors.push(`request failed: ${request.method()} ${request.url()}: ${why}`);
  });
  page.on('response', (response) => {
    if (response.status() >= 400) errors.push(`${response.request().method()} ${response.url()}: ${response.status()}`);
  });

  const reply = await page.goto(BASE + '/ui');
  check(reply && reply.status() === 200, `the page opened with ${reply?.status()}`);
  await waitForPage(page, `the state at ${now} s (part 1)`, first);
  check(errors.length === 0, () => `the page reported errors:\n  ${errors.join('\n  ')}`);
  const pageStarted = await page.evaluate(() => performance.timeOrigin);

  // Part 2: the page follows without a reload.
  last = await part2();
  // The events since the page opened, newest first (it lists them as they come).
  const recent = feed.events.filter((event) => event.id > Number(first.seq)).map((event) => event.event).reverse();
  const second = expected({ seq: last.id, recent: recent.slice(0, 20) });
  await crossCheck(second);
  log(`the API agrees with the script (t = ${now} s, last event ${last.id})`);
  await waitForPage(page, `the state at ${now} s (part 2), without a reload`, second);
  check((await page.evaluate(() => performance.timeOrigin)) === pageStarted, 'the page reloaded itself');
  // The viewport, not the full page: the drawing scrolls in its own box (opened at its Route blocks),
  // and a full-page capture re-lays the page out taller, which scrolls that box back up.
  await page.screenshot({ path: join(OUT, 'ui.png') });
  log(`screenshot: ${join(OUT, 'ui.png')}`);

  // Part 3: a second version of the flow, published by an admin; a workitem runs it. Reloaded, the page
  // draws version 2 (active) and lists version 1 too (workitems still run it).
  log('script, part 3: version 2 of gtr_sample published, one workitem runs it; the page reloaded');
  const flowText = readFileSync(FLOW_FILE, 'utf8').replace('description: >-', 'description: >-\n  Version 2 (the browser test).');
  const published = await ok('PUT', '/v1/flows/gtr_sample', 'admin', {
    flow: 'gtr_sample.yaml',
    files: { 'gtr_sample.yaml': flowText, [TABLE]: readFileSync(join(ROOT, 'flows', TABLE), 'utf8') },
  });
  check(published.version === 2, `the publication should be version 2: ${show(published)}`);
  const v2 = await ok('POST', '/v1/workitems', 'integration', { id: 'V1', userdata: { caseNumber: 'V1' } });
  check(v2.flow?.version === 2 && v2.state === 'waiting', `V1 should run version 2 and wait: ${show(v2)}`);
  last = await feed.settle((e) => e.workitem === 'V1' && e.event === 'waiting', "V1's waiting");
  const running1 = [...model.workitems.values()].filter((item) => item.state !== 'done').length;
  const versions = (await ok('GET', '/v1/flows/gtr_sample', 'viewer')).versions.map((v) => [v.version, v.active, v.running]);
  check(show(versions) === show([[1, false, running1], [2, true, 1]]), `/v1/flows/gtr_sample: versions (number, active, running) ${show(versions)}, the script says ${show([[1, false, running1], [2, true, 1]])}`);
  await page.reload();
  const third = {
    state: 'live',
    seq: String(last.id),
    flow: 'gtr_sample · version 2',
    versions: { 1: { active: false, running: running1 }, 2: { active: true, running: 1 } },
    // The drawing is version 2's: its counts are its own workitem's.
    blocks: Object.fromEntries(BLOCKS.map((block) => [block, { entered: blocksEntered('default').includes(block) ? 1 : 0 }])),
    queues: { ...second.queues, "skill:'english' > 1": { ...second.queues["skill:'english' > 1"], waiting: 2 } },
    agents: second.agents,
    recent: [],
  };
  for (const block of ROUTE_BLOCKS) Object.assign(third.blocks[block], { waiting: block === 'route_skill' ? 1 : 0, oldest: block === 'route_skill' ? 0 : null });
  await waitForPage(page, 'two versions, version 2 drawn (part 3, after a reload)', third);

  check(outside.length === 0, () => `the page made requests outside ${origin}:\n  ${outside.join('\n  ')}`);
  check(errors.length === 0, () => `the page reported errors:\n  ${errors.join('\n  ')}`);
  log(`no request outside ${origin}, no console error, no failed request`);
  await context.close();
}

let status = 0;
try {
  await main();
  log('browser test: passed');
} catch (error) {
  status = 1;
  console.error(`\nbrowser test FAILED: ${error instanceof Failure ? error.message : error.stack}`);
} finally {
  if (browser) await browser.close().catch(() => {});
  if (feed) feed.close();
  await stopServer().catch(() => {});
  writeFileSync(join(OUT, 'server.log'), serverLog);
  if (status !== 0) {
    const tail = serverLog.split('\n').filter((line) => !line.includes('routeflow::request')).slice(-20).join('\n');
    console.error(`\nthe server's log is in ${join(OUT, 'server.log')}; its last lines but requests:\n${tail}`);
  }
  if (/panicked/.test(serverLog)) {
    status = 1;
    console.error('routeflow serve panicked during the run (see its log)');
  }
  rmSync(work, { recursive: true, force: true });
}
// One line a CI log reader counts.
console.log(status === 0 ? 'browser: 1 passed, 0 failed' : 'browser: 0 passed, 1 failed');
process.exit(status);
