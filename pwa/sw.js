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

/** Store each response of a bundle ({url: {headers, body}}) as the server would send it. */
async function unpack(cache, bundle) {
  const response = await fetch(bundle, { cache: 'reload' });
  if (!response.ok) throw new Error(`${bundle} answered ${response.status}`);
  const entries = Object.entries(await response.json());
  await Promise.all(entries.map(([path, { headers, body }]) => cache.put(
    new URL(path, self.location).href, new Response(body, { headers }),
  )));
}

self.addEventListener('install', (event) => {
  // The texts come in a few bundles (server/offline.py), the icons one by one. Bypass the
  // HTTP cache so a new version never stores an old file. If anything fails to load,
  // installation fails and the old version stays in charge.
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    await Promise.all(CONFIG.bundles.map((bundle) => unpack(cache, bundle)));
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
