'use strict';
// opsroom room page. All server-provided text is inserted via text nodes,
// never as HTML.

const $ = (id) => document.getElementById(id);

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

// ---------- state ----------

function roomFromPath() {
  const parts = window.location.pathname.split('/').filter(Boolean); // ['rooms', '<name>']
  if (parts.length < 2 || parts[0] !== 'rooms') return '';
  try { return decodeURIComponent(parts[1]); } catch (_) { return parts[1]; }
}

const roomName = roomFromPath();
const roomPath = '/api/v1/rooms/' + encodeURIComponent(roomName);

const seen = new Set();
let lastId = 0;
let archived = false;
let usable = false; // room loaded and exists
let sending = false;
let events = null;
let retryDelay = 1000;
let retryTimer = null;

const scroller = $('scroller');
const list = $('messages');
const input = $('input');
const sendBtn = $('send');

// ---------- rendering ----------

const pad = (n) => String(n).padStart(2, '0');

function fmtTime(iso) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  return pad(d.getHours()) + ':' + pad(d.getMinutes()) + ':' + pad(d.getSeconds());
}

function renderMessage(m) {
  const kind = ['user', 'bot', 'system'].includes(m.kind) ? m.kind : 'user';
  const d = new Date(m.created_at);
  return h('li', { class: 'msg msg-' + kind, 'data-id': m.id },
    h('time', { class: 'msg-time', datetime: m.created_at || null,
      title: Number.isNaN(d.getTime()) ? null : d.toLocaleString() }, fmtTime(m.created_at)),
    h('span', { class: 'msg-author', title: m.author }, m.author || '?'),
    h('div', { class: 'msg-text' }, m.text === null || m.text === undefined ? '' : String(m.text)),
  );
}

const nearBottom = () => scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 80;

function scrollToBottom() {
  scroller.scrollTop = scroller.scrollHeight;
  $('jump').hidden = true;
}

// Adds messages (any order, duplicates ignored) keeping the list sorted by id.
function addMessages(messages, { forceScroll = false } = {}) {
  const stick = forceScroll || nearBottom();
  let added = 0;
  for (const m of messages) {
    if (!m || typeof m.id !== 'number' || seen.has(m.id)) continue;
    seen.add(m.id);
    const node = renderMessage(m);
    if (m.id > lastId) {
      list.append(node);
      lastId = m.id;
    } else {
      const after = Array.from(list.children).find((li) => Number(li.dataset.id) > m.id);
      list.insertBefore(node, after || null);
    }
    added += 1;
  }
  if (!added) return;
  $('no-messages').hidden = true;
  if (stick) scrollToBottom();
  else $('jump').hidden = false;
}

function setBanner(text, kind) {
  const b = $('banner');
  b.textContent = text || '';
  b.className = 'banner' + (kind ? ' banner-' + kind : '');
  b.hidden = !text;
}

function updateComposer() {
  const disabled = !usable || archived;
  input.disabled = disabled;
  sendBtn.disabled = disabled || sending;
  input.placeholder = archived ? 'This room is archived' : 'Message or command…';
}

function showRoom(room) {
  archived = !!room.archived;
  usable = true;
  $('room-name').textContent = '#' + room.name;
  document.title = '#' + room.name + ' — opsroom';
  $('room-topic').textContent = room.topic || '';
  $('room-badges').replaceChildren(
    room.incident_number !== null && room.incident_number !== undefined
      ? h('span', { class: 'badge kind' }, 'INC-' + room.incident_number) : '',
    archived ? h('span', { class: 'badge archived-badge' }, 'archived') : '',
  );
  if (archived) setBanner('This room is archived (read-only)', 'archived');
  else if ($('banner').classList.contains('banner-archived')) setBanner('');
  updateComposer();
}

function setLive(state) {
  const el = $('live');
  el.className = 'live live-' + state;
  el.textContent = { on: 'live', off: 'reconnecting…', connecting: 'connecting…' }[state];
}

// ---------- live events ----------

function connect() {
  clearTimeout(retryTimer);
  if (events) events.close();
  setLive('connecting');
  events = new EventSource(roomPath + '/events?after=' + lastId);
  events.addEventListener('open', () => {
    retryDelay = 1000;
    setLive('on');
  });
  events.addEventListener('message', (ev) => {
    let m;
    try { m = JSON.parse(ev.data); } catch (_) { return; }
    addMessages([m]);
  });
  events.addEventListener('error', () => {
    // Reconnect ourselves so that ?after= carries the newest id we have.
    events.close();
    events = null;
    setLive('off');
    retryTimer = setTimeout(reconnect, retryDelay);
    retryDelay = Math.min(retryDelay * 2, 15000);
  });
}

async function reconnect() {
  try {
    showRoom(await api(roomPath)); // also redirects to /login on 401
  } catch (e) {
    if (e.status === 401) return;
    if (e.status === 404) { roomMissing(); return; }
    retryTimer = setTimeout(reconnect, retryDelay);
    retryDelay = Math.min(retryDelay * 2, 15000);
    return;
  }
  connect();
}

function roomMissing() {
  usable = false;
  $('room-name').textContent = '#' + roomName;
  setBanner('Room “' + roomName + '” does not exist.', 'error');
  setLive('off');
  $('live').textContent = 'offline';
  updateComposer();
}

// ---------- sending ----------

function showSendError(text) {
  const el = $('send-error');
  el.textContent = text || '';
  el.hidden = !text;
}

function autosize() {
  input.style.height = 'auto';
  input.style.height = Math.min(input.scrollHeight + 2, 200) + 'px';
}

async function send() {
  const text = input.value;
  if (!text.trim() || sending || archived || !usable) return;
  sending = true;
  updateComposer();
  showSendError('');
  try {
    const body = await api(roomPath + '/messages', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Requested-With': 'opsroom' },
      body: JSON.stringify({ text }),
    });
    input.value = '';
    autosize();
    if (body) {
      const msgs = [];
      if (body.message) msgs.push(body.message);
      if (Array.isArray(body.replies)) msgs.push(...body.replies);
      addMessages(msgs, { forceScroll: true });
    }
  } catch (e) {
    showSendError(e instanceof ApiError ? e.message : 'Could not send: network error');
    if (e.code === 'room_archived') {
      archived = true;
      setBanner('This room is archived (read-only)', 'archived');
    }
  } finally {
    sending = false;
    updateComposer();
    if (!input.disabled) input.focus();
  }
}

$('composer').addEventListener('submit', (ev) => {
  ev.preventDefault();
  send();
});
input.addEventListener('keydown', (ev) => {
  if (ev.key === 'Enter' && !ev.shiftKey && !ev.isComposing) {
    ev.preventDefault();
    send();
  }
});
input.addEventListener('input', autosize);
scroller.addEventListener('scroll', () => { if (nearBottom()) $('jump').hidden = true; });
$('jump').addEventListener('click', scrollToBottom);

// ---------- start ----------

async function start() {
  updateComposer();
  if (!roomName) { roomMissing(); return; }
  try {
    showRoom(await api(roomPath));
  } catch (e) {
    if (e.status === 401) return;
    if (e.status === 404) { roomMissing(); return; }
    setBanner('Could not load room: ' + e.message, 'error');
    retryTimer = setTimeout(start, 5000);
    return;
  }
  try {
    const body = await api(roomPath + '/messages?limit=200');
    const items = body && Array.isArray(body.items) ? body.items : [];
    addMessages(items, { forceScroll: true });
    $('no-messages').hidden = items.length > 0;
  } catch (e) {
    if (e.status === 401) return;
    setBanner('Could not load messages: ' + e.message, 'error');
  }
  connect();
  if (!input.disabled) input.focus();
}

start();
