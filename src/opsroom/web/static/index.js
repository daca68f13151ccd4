'use strict';
// opsroom home page. All server-provided text is inserted via text nodes,
// never as HTML.

const REFRESH_MS = 5000;
const $ = (id) => document.getElementById(id);

// ---------- helpers ----------

// h('a', {href: '/x', class: 'c'}, 'text', childNode) -> element.
// Attribute names always come from this file, never from server data.
function h(tag, attrs, ...children) {
  const node = document.createElement(tag);
  if (attrs) {
    for (const [key, value] of Object.entries(attrs)) {
      if (value === null || value === undefined || value === false) continue;
      if (key === 'class') node.className = value;
      else node.setAttribute(key, value === true ? '' : String(value));
    }
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

async function api(path, options = {}) {
  const res = await fetch(path, {
    credentials: 'same-origin',
    ...options,
    headers: { Accept: 'application/json', ...(options.headers || {}) },
  });
  if (res.status === 401) {
    const here = window.location.pathname + window.location.search;
    window.location.assign(here === '/' ? '/login' : '/login?next=' + encodeURIComponent(here));
    throw new ApiError(401, 'unauthorized', 'Not signed in');
  }
  let body = null;
  if ((res.headers.get('content-type') || '').includes('json')) {
    try { body = await res.json(); } catch (_) { body = null; }
  }
  if (!res.ok) {
    const err = body && body.error;
    throw new ApiError(res.status, (err && err.code) || 'http_' + res.status,
      (err && err.message) || ('Request failed (' + res.status + ')'));
  }
  return body;
}

const roomHref = (room) => '/rooms/' + encodeURIComponent(room);
const pad = (n) => String(n).padStart(2, '0');

function fmtDateTime(iso) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso || '');
  return d.getFullYear() + '-' + pad(d.getMonth() + 1) + '-' + pad(d.getDate()) +
    ' ' + pad(d.getHours()) + ':' + pad(d.getMinutes());
}

function fmtAgo(iso) {
  const t = new Date(iso).getTime();
  if (Number.isNaN(t)) return '';
  const s = Math.max(0, Math.round((Date.now() - t) / 1000));
  if (s < 60) return 'just now';
  if (s < 3600) return Math.floor(s / 60) + 'm ago';
  if (s < 86400) return Math.floor(s / 3600) + 'h ago';
  return Math.floor(s / 86400) + 'd ago';
}

function timeCell(iso) {
  if (!iso) return h('span', { class: 'muted' }, '—');
  const d = new Date(iso);
  return h('time', { datetime: iso, title: Number.isNaN(d.getTime()) ? null : d.toLocaleString() },
    fmtDateTime(iso), ' ', h('span', { class: 'muted small' }, fmtAgo(iso)));
}

// Incident severities are sev1..sev4; alert severities are mapped onto the same colours.
const SEV_CLASS = {
  sev1: 'sev1', sev2: 'sev2', sev3: 'sev3', sev4: 'sev4',
  critical: 'sev1', high: 'sev2', error: 'sev2', major: 'sev2',
  warning: 'sev3', warn: 'sev3', medium: 'sev3', minor: 'sev3',
  low: 'sev4', info: 'sev4', none: 'sev4',
};

function sevBadge(sev) {
  const s = String(sev || '').toLowerCase();
  const cls = SEV_CLASS[s] ? 'sev-' + SEV_CLASS[s] : 'sev-unknown';
  return h('span', { class: 'badge ' + cls }, s ? s.toUpperCase() : '—');
}

function statusBadge(status) {
  const s = String(status || '').toLowerCase();
  const cls = /^[a-z0-9_-]+$/.test(s) ? 'st-' + s : '';
  return h('span', { class: 'badge status ' + cls }, s ? s.replace(/_/g, ' ') : '—');
}

const incLabel = (n) => 'INC-' + n;

function showSection(prefix, items, error) {
  $(prefix + '-empty').hidden = !!error || items.length > 0;
  const errEl = $(prefix + '-error');
  errEl.hidden = !error;
  errEl.textContent = error ? 'Could not load: ' + error.message : '';
  $(prefix + '-count').textContent = error ? '' : String(items.length);
}

// ---------- sections ----------

function renderIncidents(items) {
  $('inc-body').replaceChildren(...items.map((inc) => h('tr', null,
    h('td', { 'data-label': 'Incident', class: 'nowrap' },
      inc.room ? h('a', { href: roomHref(inc.room), class: 'strong' }, incLabel(inc.number))
        : h('span', { class: 'strong' }, incLabel(inc.number))),
    h('td', { 'data-label': 'Title', class: 'title-cell' }, inc.title),
    h('td', { 'data-label': 'Severity' }, sevBadge(inc.severity)),
    h('td', { 'data-label': 'Status' }, statusBadge(inc.status)),
    h('td', { 'data-label': 'Commander' }, inc.commander ? inc.commander : h('span', { class: 'muted' }, 'unassigned')),
    h('td', { 'data-label': 'Declared', class: 'nowrap' }, timeCell(inc.declared_at)),
    h('td', { 'data-label': 'Room', class: 'nowrap' }, inc.room ? h('a', { href: roomHref(inc.room) }, 'Open room →') : ''),
  )));
}

function renderGroups(items, incidentRooms) {
  $('grp-body').replaceChildren(...items.map((g) => {
    let incident = h('span', { class: 'muted' }, '—');
    if (g.incident_number !== null && g.incident_number !== undefined) {
      const room = incidentRooms.get(g.incident_number);
      incident = room ? h('a', { href: roomHref(room) }, incLabel(g.incident_number))
        : h('span', null, incLabel(g.incident_number));
    }
    return h('tr', null,
      h('td', { 'data-label': 'Title', class: 'title-cell' }, g.title),
      h('td', { 'data-label': 'Severity' }, sevBadge(g.severity)),
      h('td', { 'data-label': 'Status' }, statusBadge(g.status)),
      h('td', { 'data-label': 'Alerts', class: 'num' }, String(g.alert_count ?? '')),
      h('td', { 'data-label': 'Incident', class: 'nowrap' }, incident),
      h('td', { 'data-label': 'Created', class: 'nowrap' }, timeCell(g.created_at)),
    );
  }));
}

function renderRooms(items) {
  $('room-body').replaceChildren(...items.map((r) => h('tr', { class: r.archived ? 'archived' : null },
    h('td', { 'data-label': 'Name', class: 'nowrap' }, h('a', { href: roomHref(r.name), class: 'strong' }, '#' + r.name)),
    h('td', { 'data-label': 'Topic', class: 'title-cell' }, r.topic ? r.topic : h('span', { class: 'muted' }, 'no topic')),
    h('td', { 'data-label': '', class: 'nowrap' }, h('span', { class: 'badges' },
      r.kind === 'incident' ? h('span', { class: 'badge kind' }, 'incident') : null,
      r.archived ? h('span', { class: 'badge archived-badge' }, 'archived') : null)),
  )));
}

// ---------- refresh loop ----------

let refreshTimer = null;
let refreshing = false;

async function refresh() {
  if (refreshing) return;
  refreshing = true;
  clearTimeout(refreshTimer);
  try {
    const [inc, grp, rooms] = await Promise.allSettled([
      api('/api/v1/incidents?status=open'),
      api('/api/v1/alert-groups?status=open'),
      api('/api/v1/rooms'),
    ]);
    const items = (r) => (r.status === 'fulfilled' && r.value && Array.isArray(r.value.items) ? r.value.items : []);
    const err = (r) => (r.status === 'rejected' ? r.reason : null);

    const incidents = items(inc);
    const roomList = items(rooms);
    const incidentRooms = new Map();
    for (const i of incidents) if (i.room) incidentRooms.set(i.number, i.room);
    for (const r of roomList) {
      if (r.incident_number !== null && r.incident_number !== undefined && !incidentRooms.has(r.incident_number)) {
        incidentRooms.set(r.incident_number, r.name);
      }
    }

    renderIncidents(incidents);
    showSection('inc', incidents, err(inc));
    renderGroups(items(grp), incidentRooms);
    showSection('grp', items(grp), err(grp));
    renderRooms(roomList);
    showSection('room', roomList, err(rooms));

    const allFailed = [inc, grp, rooms].every((r) => r.status === 'rejected');
    const conn = $('conn-status');
    conn.hidden = !allFailed;
    conn.textContent = allFailed ? 'Cannot reach the opsroom server — retrying…' : '';
    if (!allFailed) $('updated').textContent = 'Updated ' + new Date().toLocaleTimeString() + ' · refreshes every 5 s';
  } finally {
    refreshing = false;
    if (!document.hidden) refreshTimer = setTimeout(refresh, REFRESH_MS);
  }
}

document.addEventListener('visibilitychange', () => {
  if (document.hidden) clearTimeout(refreshTimer);
  else refresh();
});

// ---------- search ----------

let searchTimer = null;
let searchAbort = null;

function clearSearch() {
  if (searchAbort) searchAbort.abort();
  $('search-q').value = '';
  $('search-results').hidden = true;
  $('search-list').replaceChildren();
}

async function runSearch() {
  const q = $('search-q').value.trim();
  if (searchAbort) searchAbort.abort();
  if (!q) { clearSearch(); return; }
  searchAbort = new AbortController();
  const status = $('search-status');
  $('search-results').hidden = false;
  try {
    const body = await api('/api/v1/search?q=' + encodeURIComponent(q), { signal: searchAbort.signal });
    const results = (body && Array.isArray(body.items)) ? body.items : [];
    $('search-list').replaceChildren(...results.map((r) => h('li', null,
      h('a', { href: r.room ? roomHref(r.room) : null },
        h('span', { class: 'strong' }, incLabel(r.number)), ' ',
        h('span', { class: 'result-title' }, r.title)),
      ' ', sevBadge(r.severity), ' ', statusBadge(r.status),
    )));
    status.hidden = results.length > 0;
    status.textContent = results.length ? '' : 'No incidents match “' + q + '”.';
  } catch (e) {
    if (e.name === 'AbortError') return;
    $('search-list').replaceChildren();
    status.hidden = false;
    status.textContent = 'Search failed: ' + e.message;
  }
}

$('search-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  clearTimeout(searchTimer);
  runSearch();
});
$('search-q').addEventListener('input', () => {
  clearTimeout(searchTimer);
  searchTimer = setTimeout(runSearch, 250);
});
$('search-q').addEventListener('keydown', (ev) => {
  if (ev.key === 'Escape') clearSearch();
});
$('search-clear').addEventListener('click', clearSearch);

// ---------- start ----------

api('/api/v1/me').then((me) => {
  $('me').textContent = (me && me.name) ? me.name : '';
}).catch(() => {});
refresh();
