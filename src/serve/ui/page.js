// The web view (GET /ui): the flow drawn as `routeflow render` draws it, each block with live counts,
// the queues and the agents. The numbers come from the API (blocks, queues, agents, clock); the
// supervisors' event stream (GET /v1/events) says when they changed, and lists what happened. A burst
// of events makes one refresh a second at most, so a busy center costs a viewer no more than a quiet
// one. Every text from the server goes in as text, never as markup; the drawing is the server's own
// SVG, parsed as SVG.
'use strict';

const REFRESH_MS = 1000; // at most one refresh a second, however many events arrive
const IDLE_REFRESH_MS = 3000; // waits grow without events
const RECONNECT_MS = 2000;
const EVENTS_SHOWN = 60;
const EVENTS_BACK = 30; // events shown from before the page opened
const EVENT_NAMES = [
  'created', 'waiting', 'offered', 'offer_rescinded', 'offer_accepted', 'offer_rejected', 'assigned',
  'timed_out',
  'target_rejected', 'userdata_updated', 'stopped', 'ended', 'done', 'agent_state',
];

const view = {
  drawn: null, // `name@version` of the drawing shown
  blocks: new Map(), // block id → its <g>
  timer: null,
  refreshing: false,
  again: false,
  last: 0,
  stream: null,
  streamOpen: false,
  loaded: false,
  testClock: false,
  scrolled: false,
};

const byId = (id) => document.getElementById(id);

/** `path` on this server. Absolute, from the origin: a page opened as `http://user:token@host/ui`
 * has its credentials in its own address, and requests relative to it would carry them (refused). */
const api = (path) => `${window.location.origin}${path}`;

/** `text` as one path segment: dots too, so that a flow named `..` stays a name, not a step up. */
const segment = (text) => encodeURIComponent(text).replace(/\./g, '%2E');

function setText(element, text) {
  if (element.textContent !== text) element.textContent = text;
}

/** Seconds as a person reads a wait: `42 s`, `2 min 5 s`, `1 h 3 min`. */
function duration(seconds) {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '';
  const s = Math.max(0, Math.floor(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

async function getJson(path) {
  const reply = await fetch(api(path), { headers: { Accept: 'application/json' }, cache: 'no-store' });
  if (!reply.ok) {
    let detail = '';
    try { detail = (await reply.json()).detail || ''; } catch (_) { /* not a problem body */ }
    throw new Error(`${path}: ${reply.status} ${detail}`.trim());
  }
  return reply.json();
}

/** The flow to draw: `?flow=NAME&version=N` if given, else the default flow's active version. */
function chosen(flows) {
  const query = new URLSearchParams(window.location.search);
  const named = query.get('flow');
  const flow = flows.find((f) => f.name === named) || flows.find((f) => f.default) || flows[0];
  if (!flow) return null;
  const asked = Number(query.get('version'));
  const version = flow.versions.some((v) => v.version === asked) ? asked : flow.active;
  return { flow, version };
}

async function draw(name, version) {
  const path = `/v1/flows/${segment(name)}/versions/${version}/drawing`;
  const reply = await fetch(api(path), { cache: 'no-store' });
  if (!reply.ok) throw new Error(`${path}: ${reply.status}`);
  const parsed = new DOMParser().parseFromString(await reply.text(), 'image/svg+xml');
  const svg = parsed.documentElement;
  if (svg.nodeName !== 'svg') throw new Error(`${path}: not an SVG drawing`);
  const holder = byId('drawing');
  holder.replaceChildren(document.importNode(svg, true));
  view.blocks.clear();
  for (const group of holder.querySelectorAll('g.block[data-block]')) {
    const note = group.querySelector('text.note');
    if (note) note.classList.add('live-count');
    view.blocks.set(group.dataset.block, group);
  }
  view.drawn = `${name}@${version}`;
  view.scrolled = false;
}

/** Once per drawing: scroll the drawing to its first Route block, where workitems wait. */
function showRoutes(counts) {
  if (view.scrolled) return;
  view.scrolled = true;
  const first = counts.blocks.find((count) => count.route);
  const group = first && view.blocks.get(first.block);
  const holder = byId('drawing');
  if (!group || holder.scrollHeight <= holder.clientHeight) return;
  const top = group.getBoundingClientRect().top - holder.getBoundingClientRect().top;
  holder.scrollTop += top - 24;
}

function showFlow(flow, version) {
  setText(byId('flow'), `${flow.name} · version ${version}`);
  const list = byId('versions');
  const items = flow.versions.filter((v) => v.active || v.running > 0 || v.version === version);
  list.replaceChildren(...items.map((v) => {
    const item = document.createElement('li');
    item.dataset.version = String(v.version);
    if (v.active) item.classList.add('active');
    const link = document.createElement('a');
    const query = new URLSearchParams({ flow: flow.name, version: String(v.version) });
    link.href = `?${query}`;
    link.textContent = `version ${v.version}`;
    item.append(link, ` · ${v.running} running${v.active ? ' · active' : ''}${v.version === version ? ' · drawn' : ''}`);
    return item;
  }));
}

function showCounts(counts) {
  for (const count of counts.blocks) {
    const group = view.blocks.get(count.block);
    if (!group) continue;
    group.dataset.entered = String(count.entered);
    let line = `entered ${count.entered}`;
    if (count.route) {
      const oldest = count.oldest_wait_s === null ? '' : String(Math.floor(count.oldest_wait_s));
      group.dataset.waiting = String(count.waiting);
      group.dataset.oldestS = oldest;
      line += ` · waiting ${count.waiting}`;
      if (count.waiting > 0) line += ` · oldest ${duration(count.oldest_wait_s)}`;
      group.classList.toggle('waiting', count.waiting > 0);
    }
    group.classList.toggle('idle', count.entered === 0);
    const note = group.querySelector('text.live-count');
    if (note) setText(note, line);
  }
  document.body.dataset.seq = String(counts.seq);
}

function cell(className, text) {
  const td = document.createElement('td');
  td.className = className;
  td.textContent = text;
  return td;
}

function showQueues(queues) {
  const rows = [...queues].sort((a, b) => b.waiting - a.waiting
    || (b.oldest_wait_s || 0) - (a.oldest_wait_s || 0)
    || `${a.target.kind}:${a.target.value}`.localeCompare(`${b.target.kind}:${b.target.value}`));
  byId('queues').tBodies[0].replaceChildren(...rows.map((queue) => {
    const tr = document.createElement('tr');
    tr.dataset.target = `${queue.target.kind}:${queue.target.value}`;
    tr.dataset.oldestS = queue.oldest_wait_s === null ? '' : String(Math.floor(queue.oldest_wait_s));
    const target = cell('target', '');
    const kind = document.createElement('span');
    kind.className = 'kind';
    kind.textContent = queue.target.kind.replace('_', ' ');
    target.append(kind, queue.target.value);
    tr.append(
      target,
      cell('waiting number', String(queue.waiting)),
      cell('oldest number', duration(queue.oldest_wait_s)),
      cell('routed number', String(queue.routed_last_15m)),
    );
    return tr;
  }));
  byId('queues-empty').hidden = rows.length > 0;
  return rows.reduce((sum, queue) => sum + queue.waiting, 0);
}

function showAgents(agents, nowS) {
  byId('agents').tBodies[0].replaceChildren(...agents.map((agent) => {
    const tr = document.createElement('tr');
    tr.dataset.agent = agent.id;
    tr.append(
      cell('agent', agent.id),
      cell(`state ${agent.state}`, agent.state),
      cell('reason', agent.reason || ''),
      cell('load number', `${agent.workitems.length} / ${agent.capacity}`),
      cell('since number', agent.since_s === null ? '' : duration(nowS - agent.since_s)),
    );
    return tr;
  }));
  const ready = agents.filter((agent) => agent.state === 'ready').length;
  const busy = agents.filter((agent) => agent.workitems.length > 0).length;
  return { ready, busy, all: agents.length };
}

function showClock(clock) {
  view.testClock = clock.clock === 'test';
  const text = clock.clock === 'test'
    ? `test clock ${duration(clock.now_s) || '0 s'}`
    : new Date(clock.now_s * 1000).toLocaleTimeString();
  setText(byId('clock'), text);
}

async function refresh() {
  const [flows, clock, queues, agents] = await Promise.all([
    getJson('/v1/flows'), getJson('/v1/clock'), getJson('/v1/queues'), getJson('/v1/agents'),
  ]);
  const pick = chosen(flows);
  if (pick === null) {
    setText(byId('flow'), 'no flow is published');
  } else {
    const { flow, version } = pick;
    if (view.drawn !== `${flow.name}@${version}`) await draw(flow.name, version);
    const path = `/v1/flows/${segment(flow.name)}/versions/${version}/blocks`;
    const counts = await getJson(path);
    showFlow(flow, version);
    showCounts(counts);
    showRoutes(counts);
  }
  showClock(clock);
  const waiting = showQueues(queues);
  const staff = showAgents(agents, clock.now_s);
  setText(byId('totals'), `${waiting} waiting · ${staff.ready} of ${staff.all} agents ready · ${staff.busy} busy`);
}

async function refreshNow() {
  view.timer = null;
  if (view.refreshing) {
    view.again = true;
    return;
  }
  view.refreshing = true;
  view.last = Date.now();
  try {
    await refresh();
    view.loaded = true;
    byId('problem').hidden = true;
  } catch (error) {
    const problem = byId('problem');
    problem.textContent = `Could not refresh: ${error.message}`;
    problem.hidden = false;
  } finally {
    view.refreshing = false;
    showState();
    if (view.again) {
      view.again = false;
      refreshSoon();
    }
  }
}

/** A refresh, at most one every REFRESH_MS. */
function refreshSoon() {
  if (view.timer !== null) return;
  const wait = Math.max(0, view.last + REFRESH_MS - Date.now());
  view.timer = setTimeout(refreshNow, wait);
}

function showState() {
  const live = view.loaded && view.streamOpen;
  document.body.dataset.state = live ? 'live' : (view.loaded ? 'reconnecting' : 'loading');
  setText(byId('connection'), live ? 'live' : (view.loaded ? 'reconnecting' : 'connecting'));
}

function describe(message) {
  const data = message.data || {};
  const parts = [];
  if (message.workitem !== undefined) parts.push(message.workitem);
  if (message.agent !== undefined) parts.push(`agent ${message.agent}`);
  for (const key of ['block', 'agent', 'state', 'reason', 'outcome', 'disposition']) {
    const value = data[key];
    if (typeof value === 'string' && value !== '') parts.push(`${key} ${value}`);
  }
  if (data.target && typeof data.target.value === 'string') {
    parts.push(`target ${data.target.value}`);
  }
  // `ended`: the outcome line, as a replay writes it.
  if (data.outcome && typeof data.outcome.outcome === 'string') {
    parts.push(`outcome ${data.outcome.outcome}`);
  }
  return parts.join(' · ');
}

/** Events heard since the list was last drawn: drawn once a frame, the last EVENTS_SHOWN only, so
 * that thousands of events a second cost the page one short list a frame. */
const heard = [];
let drawing = false;

function showEvent(name, message) {
  heard.push([name, message]);
  if (heard.length > EVENTS_SHOWN) heard.splice(0, heard.length - EVENTS_SHOWN);
  if (!drawing) {
    drawing = true;
    requestAnimationFrame(drawEvents);
  }
}

function drawEvents() {
  drawing = false;
  const list = byId('events');
  byId('events-empty').hidden = true;
  const items = heard.splice(0).map(([name, message]) => eventItem(name, message));
  list.prepend(...items.reverse());
  while (list.children.length > EVENTS_SHOWN) list.lastElementChild.remove();
}

function eventItem(name, message) {
  const item = document.createElement('li');
  const title = document.createElement('span');
  title.className = 'name';
  title.textContent = name;
  const at = document.createElement('span');
  at.className = 'at';
  if (typeof message.at_s === 'number') {
    at.textContent = view.testClock
      ? duration(message.at_s) || '0 s'
      : new Date(message.at_s * 1000).toLocaleTimeString();
  }
  item.append(title, ' ', describe(message), ' ', at);
  const block = message.data && message.data.block;
  const group = typeof block === 'string' ? view.blocks.get(block) : undefined;
  if (group) {
    group.classList.add('pulse');
    setTimeout(() => group.classList.remove('pulse'), 600);
  }
  return item;
}

/** Follow the event stream, from after event `after` (null: from now). */
function follow(after) {
  const path = after === null ? '/v1/events' : `/v1/events?after=${after}`;
  const stream = new EventSource(api(path));
  view.stream = stream;
  stream.onopen = () => {
    view.streamOpen = true;
    showState();
    refreshSoon();
  };
  stream.onerror = () => {
    view.streamOpen = false;
    showState();
    // Closed for good (a refusal, such as events no longer kept): start again, from now.
    if (stream.readyState === EventSource.CLOSED) {
      setTimeout(() => follow(null), RECONNECT_MS);
    }
  };
  for (const name of EVENT_NAMES) {
    stream.addEventListener(name, (event) => {
      let message = {};
      try { message = JSON.parse(event.data); } catch (_) { /* shown without details */ }
      showEvent(name, message);
      refreshSoon();
    });
  }
}

/** The first numbers, then the stream from a few events back (what happened just before). */
async function start() {
  await refreshNow();
  const seq = Number.parseInt(document.body.dataset.seq, 10);
  follow(Number.isFinite(seq) ? Math.max(0, seq - EVENTS_BACK) : null);
  setInterval(refreshSoon, IDLE_REFRESH_MS);
}

start();
