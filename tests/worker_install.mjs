// Runs the served service worker's install under Node, with the network and the cache
// stood in for: what would a browser's cache hold afterwards? (tests/worker.py asks.)
//
// stdin: {"worker": its source, "origin": "http://…", "network": {path: [headers, base64 body]}}.
// stdout: {"stored": {url: {"headers": {...}, "body": base64}}, "fetched": [path, ...]}.
import { readFileSync } from 'node:fs';
import vm from 'node:vm';

const { worker, origin, network } = JSON.parse(readFileSync(0, 'utf8'));
const stored = new Map();
const fetched = [];

async function fakeFetch(request) {
  const url = new URL(typeof request === 'string' ? request : request.url, origin);
  fetched.push(url.pathname);
  const found = network[url.pathname];
  if (found === undefined) return new Response('Not found', { status: 404 });
  return new Response(Buffer.from(found[1], 'base64'), { headers: found[0] });
}

const cache = {
  async put(key, response) {
    stored.set(new URL(key.url ?? key, origin).href, response);
  },
  async addAll(requests) {
    for (const request of requests) {
      const response = await fakeFetch(request);
      if (!response.ok) throw new Error(`${request.url} answered ${response.status}`);
      await cache.put(new URL(request.url, origin).href, response);
    }
  },
  async match(key) {
    return stored.get(new URL(key.url ?? key, origin).href);
  },
};

const listeners = {};
const self = {
  location: new URL('/sw.js', origin),
  addEventListener: (type, listener) => { listeners[type] = listener; },
  registration: { scope: `${origin}/` },
  clients: { claim: async () => {} },
  skipWaiting: () => {},
};
const context = vm.createContext({
  self, caches: { open: async () => cache, keys: async () => [], delete: async () => true },
  fetch: fakeFetch, Request: class extends Request {
    constructor(input, init) { super(new URL(input, origin), init); }
  },
  Response, Headers, URL, URLSearchParams, TextEncoder, TextDecoder, crypto, console, indexedDB: null,
  atob, Blob, Uint8Array, Promise, JSON, Object, Array, String, Number, Error, Set, Map,
});
vm.runInContext(worker, context, { filename: 'sw.js' });

let done;
listeners.install({ waitUntil: (promise) => { done = promise; } });
await done;

const out = {};
for (const [url, response] of stored) {
  out[url] = {
    headers: Object.fromEntries(response.headers),
    body: Buffer.from(await response.arrayBuffer()).toString('base64'),
  };
}
process.stdout.write(JSON.stringify({ stored: out, fetched }));
