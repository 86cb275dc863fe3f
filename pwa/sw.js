// Houvast's service worker: keeps the whole client (both languages, every exercise) on the
// device, serves it offline, and hands over to a new version only when the person says so.
// The server fills in CONFIG (version, base path, precache list) from file hashes.

const CONFIG = /* filled in by server/offline.py */ null;

const CACHE = `houvast-${CONFIG.version}`;
const BASE = CONFIG.base;
const PRECACHED = new Set(CONFIG.precache.map((path) => new URL(path, self.location).href));

self.addEventListener('install', (event) => {
  // Bypass the HTTP cache so a new version never stores an old file. If any file fails to
  // load, installation fails and the old version stays in charge.
  event.waitUntil(
    caches.open(CACHE).then((cache) => cache.addAll(
      CONFIG.precache.map((path) => new Request(path, { cache: 'reload' })),
    )),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith('houvast-') && name !== CACHE) await caches.delete(name);
    }
    await self.clients.claim();
  })());
});

self.addEventListener('message', (event) => {
  if (event.data?.type === 'skip-waiting') self.skipWaiting();
});

function localeOf(url) {
  const first = url.pathname.slice(BASE.length).split('/')[0];
  return CONFIG.locales.includes(first) ? first : null;
}

/** The language for "/" when the server cannot be asked: the browser's preference, else Dutch. */
function preferredLocale(request) {
  const header = request.headers.get('accept-language') || '';
  for (const part of header.split(',')) {
    const tag = part.split(';')[0].trim().toLowerCase().split('-')[0];
    if (CONFIG.locales.includes(tag)) return tag;
  }
  return CONFIG.locales[0];
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
  const locale = localeOf(url) || CONFIG.locales[0];
  const page = CONFIG.staticSite ? `${BASE}${locale}/offline/` : `${BASE}${locale}/offline`;
  return (await fromCache(new URL(page, self.location))) || Response.error();
}

async function navigate(request) {
  const url = new URL(request.url);
  if (url.pathname === BASE) {
    try {
      return await fetch(request);
    } catch {
      return Response.redirect(`${BASE}${preferredLocale(request)}/`, 302);
    }
  }
  if (!CONFIG.staticSite && url.pathname.startsWith(`${BASE}lang/`)) {
    try {
      return await fetch(request);
    } catch {
      return Response.redirect(url.pathname.replace(`${BASE}lang/`, BASE), 303);
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
