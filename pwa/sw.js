// Houvast's service worker: keeps the whole client (both languages, every exercise) on the
// device, serves it offline, and hands over to a new version only when the person says so.
// The server fills in CONFIG (version, URLs from its route table, precache list); the version
// is a hash of the stored responses themselves.

const CONFIG = /* filled in by server/offline.py */ null;

// The app's own files live in caches named by version; other caches under "houvast-" hold
// what belongs to the person (sets they keep) and survive every update.
const APP_CACHES = 'houvast-app-';
const CACHE = `${APP_CACHES}${CONFIG.version}`;
const BASE = CONFIG.scope;
const LOCALES = Object.keys(CONFIG.homes);
const PRECACHED = new Set(CONFIG.stored.map((path) => new URL(path, self.location).href));

// The bundle (server/bundles.py): a line of JSON, the index, then the shells' markup and the
// bodies, back to back. Every page is built here over its language's layout, and the exercise
// pages, home, settings and app.json from the exercises' documents and their language's
// shells, as the server writes them (server/shells.py): the very same bytes, or the server's
// own are fetched.

const SLOT = /\ue000(\w+)\ue001/g;
const SEPARATOR = '\ue002';
const ESCAPES = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&#34;', "'": '&#39;' };

/** Text in HTML, escaped as the templates escape it (markupsafe). */
function escape(text) {
  return String(text).replace(/[&<>"']/g, (char) => ESCAPES[char]);
}

/** The pattern with each slot given its value. */
function fill(pattern, values) {
  return pattern.replace(SLOT, (_, name) => values[name]);
}

/** A page from its language's layout and its values (`text`): one for each slot, in the order
 * the slots first come, with SEPARATOR between them. */
function overLayout(layout, text) {
  const names = [...new Set(Array.from(layout.matchAll(SLOT), ([, name]) => name))];
  const values = text.split(SEPARATOR);
  return fill(layout, Object.fromEntries(names.map((name, at) => [name, values[at]])));
}

/** Data as script_json writes it (server/templating.py): keys sorted, nothing that ends a script. */
function scriptJson(data) {
  const sorted = (value) => {
    if (Array.isArray(value)) return value.map(sorted);
    if (value === null || typeof value !== 'object') return value;
    return Object.fromEntries(Object.keys(value).sort().map((key) => [key, sorted(value[key])]));
  };
  return JSON.stringify(sorted(data))
    .replace(/[<>&]/g, (char) => `\\u00${char.charCodeAt(0).toString(16)}`);
}

/** The steps as server/templates/_steps.html lists them (headings from h3 down, under the page's
 * h2); `summaries` in the file's order. */
function stepItems(steps, summaries, level) {
  return steps.map((step) => {
    const summary = summaries.shift();
    const inner = step.steps?.length
      ? `  <ol class="steps nested">\n${stepItems(step.steps, summaries, level + 1)}  </ol>\n` : '';
    return `<li class="step">\n  <h${level} class="step-title">${escape(step.title)}</h${level}>\n`
      + `  <p class="step-detail">${escape(summary)}</p>\n  <p class="step-text">${escape(step.text)}</p>\n`
      + `${inner}</li>\n`;
  }).join('');
}

/** An exercise page from its language's shells (the page and the aside) and the exercise's
 * document. */
function exercisePage({ exercise: page, aside }, doc) {
  const { data } = doc;
  const texts = { id: data.id, title: data.title, closing: data.closing,
    purpose: doc.purpose, intro: doc.intro, length: doc.length };
  return fill(page, {
    ...Object.fromEntries(Object.entries(texts).map(([name, text]) => [name, escape(text)])),
    aside: doc.alone ? fill(aside, { alone: escape(doc.alone) }) : '',
    steps: stepItems(data.steps, [...doc.summaries], 3),
    data: scriptJson(data),
  });
}

/** Home from its shell, its section and card, each category's [id, heading], and the documents:
 * the exercises by category, in order. */
function homePage(page, { section, card, headings }, docs) {
  const sections = headings.map(([category, heading]) => {
    const cards = docs.filter((doc) => doc.category === category).map(({ data, ...doc }) => fill(card, {
      category: escape(doc.category), id: escape(data.id), title: escape(data.title),
      purpose: escape(doc.purpose), length: escape(doc.length) }));
    return cards.length ? fill(section, { section: escape(category), heading: escape(heading),
      cards: cards.join('') }) : '';
  });
  return fill(page, { sections: sections.join('') });
}

/** Steps and the steps inside them, in the order of the file. */
function walk(steps) {
  return steps.flatMap((step) => [step, ...walk(step.steps ?? [])]);
}

/** The timings a person may change in an exercise, [key, step title, what it is, default, min,
 * max]: those `kinds` offer ({kind: [[name, what it is], ...]}) where the range holds more than
 * one value (server/exercise_documents.py, timings). */
function timingsOf(data, kinds) {
  return walk(data.steps).flatMap((step) => (kinds[step.kind] ?? [])
    .filter(([name]) => step[name]?.min < step[name]?.max)
    .map(([name, label]) => {
      const { value, min, max } = step[name];
      return [`${step.id}.${name}`, step.title, label, value, min, max];
    }));
}

/** Settings from its shell, the item of an exercise with timings to change, and the documents. */
function settingsPage(page, item, docs, kinds) {
  const items = docs.filter(({ data }) => timingsOf(data, kinds).length)
    .map(({ data }) => fill(item, { id: escape(data.id), title: escape(data.title) }));
  return fill(page, { exercises: items.join('') });
}

/** app.json from its shell and the documents: the grounding exercise's data and each exercise's
 * timings. */
function appJson(shell, docs, grounding, kinds) {
  const exercises = docs.map(({ data }) => ({ id: data.id, title: data.title,
    timings: timingsOf(data, kinds) }));
  const { data } = docs.find((doc) => doc.data.id === grounding);
  return fill(shell, { grounding: JSON.stringify(data), exercises: JSON.stringify(exercises) });
}

/** A document from the texts it puts over its twin's (the same exercise in another language):
 * each string of the twin's in order, 0 where it is the same. */
function overTwin(twin, texts) {
  let next = 0;
  const over = (value) => {
    if (typeof value === 'string') {
      const text = texts[next++];
      return text === 0 ? value : text;
    }
    if (Array.isArray(value)) return value.map(over);
    if (value === null || typeof value !== 'object') return value;
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, over(inner)]));
  };
  return over(twin);
}

/** The hash the server gives what is built here (URL and bytes of each), as hex. */
async function hashOf(responses) {
  const all = new Blob(responses.flatMap(([path, body]) => [path, '\0', body, '\0']));
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', await all.arrayBuffer()));
  return [...digest].map((byte) => byte.toString(16).padStart(2, '0')).join('').slice(0, 16);
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Store each response of a bundle as the server would send it. Should what was built here ever
 * differ from the server's, the server's own responses are fetched instead. */
async function unpack(cache, bundle) {
  const response = await fetch(bundle, { cache: 'reload' });
  if (!response.ok) throw new Error(`${bundle} answered ${response.status}`);
  const bytes = new Uint8Array(await response.arrayBuffer());
  let at = bytes.indexOf(10) + 1;
  const next = (length) => bytes.slice(at, at += length);
  const { common, headers, entries, shells = {}, hash } = JSON.parse(decoder.decode(bytes.subarray(0, at)));
  for (const shell of Object.values(shells)) {
    for (const [name, length] of Object.entries(shell.markup)) shell[name] = decoder.decode(next(length));
    shell.exercise = overLayout(shell.layout, shell.exercise);
  }
  // One entry for each stored URL not fetched on its own, in order.
  const bundled = CONFIG.stored.flatMap((path, index) => (CONFIG.files.includes(path) ? [] : [index]));
  const stored = entries.map(([kind, length, recipe], at) => ({ index: bundled[at], recipe,
    path: CONFIG.stored[bundled[at]], headers: { ...common, ...headers[kind] }, body: next(length) }));
  // The exercises' documents first: everything built here is made of them.
  const docsIn = {}; // by language, in order
  const docAt = {}; // by stored URL's index
  for (const { index, recipe, body } of stored.filter(({ recipe }) => recipe?.[0] === 'exercise')) {
    const [, locale, twin] = recipe;
    const texts = JSON.parse(decoder.decode(body));
    docAt[index] = twin === undefined ? texts : overTwin(docAt[twin], texts);
    (docsIn[locale] ??= []).push(docAt[index]);
  }
  const built = stored.filter(({ recipe }) => recipe);
  for (const entry of built) {
    const [what, locale, grounding] = entry.recipe;
    const shell = shells[locale];
    const docs = docsIn[locale];
    const text = decoder.decode(entry.body);
    entry.body = encoder.encode(
      what === 'page' ? overLayout(shell.layout, text)
        : what === 'exercise' ? exercisePage(shell, docAt[entry.index])
          : what === 'home' ? homePage(overLayout(shell.layout, text), shell, docs)
            : what === 'settings' ? settingsPage(overLayout(shell.layout, text), shell.item, docs, shell.kinds)
              : appJson(text, docs, grounding, shell.kinds));
  }
  await Promise.all(stored.map(({ path, body, headers: kept }) => cache.put(
    new URL(path, self.location).href, new Response(body, { headers: kept }),
  )));
  if (built.length && await hashOf(built.map(({ path, body }) => [path, body])) !== hash) {
    await cache.addAll(built.map(({ path }) => new Request(path, { cache: 'reload' })));
  }
}

self.addEventListener('install', (event) => {
  // The texts come in a bundle (server/bundles.py), the icons one by one. Bypass the
  // HTTP cache so a new version never stores an old file. If anything fails to load,
  // installation fails and the old version stays in charge.
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    const [bundle] = CONFIG.bundles;
    await unpack(cache, bundle);
    await cache.addAll(CONFIG.files.map((path) => new Request(path, { cache: 'reload' })));
  })());
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith(APP_CACHES) && name !== CACHE) await caches.delete(name);
    }
    await self.clients.claim();
  })());
});

self.addEventListener('message', (event) => {
  if (event.data?.type === 'skip-waiting') self.skipWaiting();
});

function localeOf(url) {
  return LOCALES.find((locale) => url.pathname.startsWith(CONFIG.homes[locale])) ?? null;
}

/** The language for "/" when the server cannot be asked: the browser's preference, else Dutch. */
function preferredLocale(request) {
  const header = request.headers.get('accept-language') || '';
  for (const part of header.split(',')) {
    const tag = part.split(';')[0].trim().toLowerCase().split('-')[0];
    if (LOCALES.includes(tag)) return tag;
  }
  return LOCALES[0];
}

function cleanKey(url) {
  const copy = new URL(url);
  copy.search = '';
  copy.hash = '';
  return copy.href;
}

async function fromCache(url) {
  const cache = await caches.open(CACHE);
  return cache.match(cleanKey(url));
}

async function offlinePage(url) {
  const page = CONFIG.offline[localeOf(url) || LOCALES[0]];
  return (await fromCache(new URL(page, self.location))) || Response.error();
}

async function navigate(request) {
  const url = new URL(request.url);
  if (url.pathname === CONFIG.root) {
    try {
      return await fetch(request);
    } catch {
      return Response.redirect(CONFIG.homes[preferredLocale(request)], 302);
    }
  }
  const switchTo = LOCALES.find((locale) => url.pathname.startsWith(CONFIG.switch[locale]));
  if (switchTo) {
    try {
      return await fetch(request);
    } catch {
      const page = url.pathname.slice(CONFIG.switch[switchTo].length);
      return Response.redirect(CONFIG.homes[switchTo] + page, 303);
    }
  }
  const cached = await fromCache(url);
  if (cached) return cached;
  try {
    return await fetch(request);
  } catch {
    return offlinePage(url);
  }
}

self.addEventListener('fetch', (event) => {
  const { request } = event;
  const url = new URL(request.url);
  if (request.method !== 'GET' || url.origin !== self.location.origin) return;
  if (!url.pathname.startsWith(BASE)) return;
  if (request.mode === 'navigate') {
    event.respondWith(navigate(request));
    return;
  }
  if (PRECACHED.has(cleanKey(url))) {
    event.respondWith(fromCache(url).then((cached) => cached || fetch(request)));
  }
});

// Reminders ------------------------------------------------------------------------------------
// The server sends {title, body, url, tag, at} (docs/reminders.md). A push must always show a
// notification: iOS ends a subscription whose pushes show none.

const ICON = CONFIG.stored.find((path) => path.endsWith('icons/icon-192.png'));

/** Only a page of this app may be opened from a notification. */
function appUrl(value) {
  try {
    const url = new URL(value, self.location);
    if (url.origin === self.location.origin && url.pathname.startsWith(BASE)) return url.href;
  } catch {
    // Not a URL at all: fall back to the start page.
  }
  return new URL(BASE, self.location).href;
}

function pushMessage(data) {
  try {
    const message = data?.json();
    if (message && typeof message === 'object') return message;
  } catch {
    // Unreadable: still show something, as the push service expects.
  }
  return {};
}

// The server may post a reminder twice when it died while posting it; both copies carry the
// same `at` (docs/reminders.md). The second is shown quietly: no second sound or buzz. The last
// `at` shown for each reminder is kept in a small cache of its own.
const SHOWN = 'houvast-shown';

async function shownBefore(message) {
  if (typeof message.tag !== 'string' || !Number.isInteger(message.at)) return false;
  const cache = await caches.open(SHOWN);
  const key = new URL(`shown/${encodeURIComponent(message.tag)}`, self.registration.scope).href;
  const last = await cache.match(key);
  if (last && Number(await last.text()) >= message.at) return true;
  await cache.put(key, new Response(String(message.at)));
  return false;
}

self.addEventListener('push', (event) => {
  const message = pushMessage(event.data);
  const url = appUrl(typeof message.url === 'string' ? message.url : BASE);
  const options = {
    body: typeof message.body === 'string' ? message.body : '',
    icon: ICON,
    badge: ICON,
    data: { url },
  };
  if (typeof message.tag === 'string' && message.tag) options.tag = message.tag;
  const locale = localeOf(new URL(url));
  if (locale) options.lang = locale;
  const title = typeof message.title === 'string' && message.title ? message.title : 'Houvast';
  event.waitUntil((async () => {
    // A push must show a notification whatever happens to the cache.
    if (await shownBefore(message).catch(() => false)) options.silent = true;
    await self.registration.showNotification(title, options);
  })());
});

/** Show `url` in a window of this app: the one already there, another one taken to it, or a new one. */
async function openFromNotification(url) {
  const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
  const same = windows.find((client) => client.url === url);
  if (same) return same.focus().catch(() => same);
  for (const client of windows) {
    if (!new URL(client.url).pathname.startsWith(BASE) || !('navigate' in client)) continue;
    try {
      const moved = await client.navigate(url);
      if (moved) return moved.focus().catch(() => moved);
    } catch {
      // A window this worker does not control cannot be navigated; try the next, or open one.
    }
  }
  return self.clients.openWindow(url);
}

self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const opening = openFromNotification(appUrl(event.notification.data?.url ?? BASE));
  event.waitUntil(opening);
});

/** The device's registration, kept by pwa/js/online/reminders.js in its own small database. */
function deviceRecord() {
  return new Promise((resolve, reject) => {
    const open = indexedDB.open('houvast-device', 1);
    open.onupgradeneeded = () => open.result.createObjectStore('device');
    open.onerror = () => reject(open.error);
    open.onsuccess = () => {
      const request = open.result.transaction('device').objectStore('device').get('current');
      request.onsuccess = () => { open.result.close(); resolve(request.result ?? null); };
      request.onerror = () => { open.result.close(); reject(request.error); };
    };
  });
}

function keyBytes(text) {
  const base64 = text.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(text.length / 4) * 4, '=');
  return Uint8Array.from(atob(base64), (char) => char.charCodeAt(0));
}

/** The browser renewed (or dropped) the subscription: subscribe again and tell the server. */
async function renewSubscription(event) {
  const device = await deviceRecord();
  if (!device?.push) return;
  let subscription = event.newSubscription;
  if (!subscription) {
    let key = event.oldSubscription?.options?.applicationServerKey;
    if (!key) {
      const response = await fetch(CONFIG.api.pushKey, { cache: 'no-store' });
      key = keyBytes((await response.json()).publicKey);
    }
    subscription = await self.registration.pushManager.subscribe({
      userVisibleOnly: true, applicationServerKey: key,
    });
  }
  const { endpoint, keys } = subscription.toJSON();
  const push = { endpoint, keys: { p256dh: keys.p256dh, auth: keys.auth } };
  // The schedule as the page last sent it; the page sends newer changes itself.
  await fetch(CONFIG.api.device.replace('{id}', encodeURIComponent(device.id)), {
    method: 'PUT',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${device.token}` },
    body: JSON.stringify({ ...device.sent, push }),
  });
}

self.addEventListener('pushsubscriptionchange', (event) => {
  event.waitUntil(renewSubscription(event));
});
