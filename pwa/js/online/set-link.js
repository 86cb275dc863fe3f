// A set that travels inside its own link, in the fragment (/<locale>/set#s=1.<data>), which a
// browser never sends to a server: no account, no server copy, and so no updates, no revoking
// and no shared progress. The format is in docs/sets.md ("A set inside the link").
//
// <data> is base64url of deflate-raw of compact JSON. Browsers compress with CompressionStream
// where they have 'deflate-raw' (Chromium 103, Safari 16.4, Firefox 113); elsewhere encoding
// writes "stored" deflate blocks (valid deflate, just not smaller) and decoding fetches a small
// vetted inflater (tiny-inflate, MIT, vendor/) that is served by us; it is needed only by old
// browsers, once, when a link is opened.
//
// Not stored offline (online/): the offline app has no room to spare, and a set is read once,
// when its link is opened, which is nearly always online; kept, it works offline like any set.
// The set page loads this module only for a link with #s=, and says a connection is needed.
//
// Everything read from a link is untrusted: sizes, types and counts are checked, unknown
// exercises and values are left out and values brought within their ranges, the way the server
// treats a kept set (server/therapist/sets.py, client_set).

export const FORMAT = '1';
// The longest link text and inflated JSON accepted: far above any real set, low enough that a
// crafted link cannot make a phone work hard.
const MAX_TEXT = 8000;
const MAX_JSON = 32768;

export class BadSetLink extends Error {}

function bad(why) {
  throw new BadSetLink(why);
}

// Compression ---------------------------------------------------------------------------------

async function throughStream(bytes, stream, limit = Infinity) {
  const reader = new Blob([bytes]).stream().pipeThrough(stream).getReader();
  const parts = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > limit) {
      reader.cancel().catch(() => {});
      bad('too long');
    }
    parts.push(value);
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

function nativeStream(Kind) {
  try {
    return typeof Kind === 'function' ? new Kind('deflate-raw') : null;
  } catch {
    return null; // a browser with the stream but not this format
  }
}

async function inflate(bytes, native) {
  const stream = native ? nativeStream(globalThis.DecompressionStream) : null;
  if (stream) {
    try {
      return await throughStream(bytes, stream, MAX_JSON);
    } catch (error) {
      if (error instanceof BadSetLink) throw error;
      bad('not deflate');
    }
  }
  const { default: tinyInflate } = await import('./vendor/tiny-inflate.js');
  // One byte more than allowed: a full buffer means the data was longer than that.
  const out = new Uint8Array(MAX_JSON + 1);
  let result;
  try {
    result = tinyInflate(bytes, out);
  } catch {
    bad('not deflate');
  }
  if (result.length > MAX_JSON) bad('too long');
  return result;
}

// base64url -----------------------------------------------------------------------------------

function fromBase64Url(text) {
  const binary = atob(text.replaceAll('-', '+').replaceAll('_', '/'));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

// Writing a link ---------------------------------------------------------------------------------

/** Deflate as "stored" blocks: no compression, but any inflater reads it. */
export function storedDeflate(bytes) {
  const blocks = Math.max(1, Math.ceil(bytes.length / 65535));
  const out = new Uint8Array(bytes.length + 5 * blocks);
  let at = 0;
  for (let i = 0; i < blocks; i += 1) {
    const chunk = bytes.subarray(i * 65535, (i + 1) * 65535);
    const n = chunk.length;
    out.set([i === blocks - 1 ? 1 : 0, n & 255, n >> 8, ~n & 255, (~n >> 8) & 255], at);
    out.set(chunk, at + 5);
    at += 5 + n;
  }
  return out;
}

async function deflate(bytes, native) {
  const stream = native ? nativeStream(globalThis.CompressionStream) : null;
  return stream ? throughStream(bytes, stream) : storedDeflate(bytes);
}

function toBase64Url(bytes) {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');
}

// The set, compact ----------------------------------------------------------------------------
// [title, note, locale, [[exercise, {"step.field": n}, note, plan], ...], [[days, minutes], ...]]
// Empty things at the end of a list are left out; days are a bit mask (Monday = 1), a time is
// minutes after midnight; plan is 1 for an exercise suggested for the plan for hard moments.
// That fourth place came later within format 1: an older reader skips it, and an older link
// simply has none.

function trimEnd(list, empty) {
  const out = [...list];
  while (out.length && empty(out[out.length - 1])) out.pop();
  return out;
}

const isEmpty = (value) => value === '' || value === undefined || value === null
  || (Array.isArray(value) && !value.length)
  || (typeof value === 'object' && !Array.isArray(value) && !Object.keys(value).length);

function compact(set) {
  const items = (set.items ?? []).map((item) => trimEnd(
    [item.exercise, item.values ?? {}, item.note ?? '', item.plan ? 1 : 0],
    (value) => isEmpty(value) || value === 0,
  ));
  const reminders = (set.reminders ?? []).map((reminder) => {
    const [hours, minutes] = reminder.time.split(':').map(Number);
    return [reminder.days.reduce((mask, day) => mask | (1 << (day - 1)), 0), hours * 60 + minutes];
  });
  return [set.title, set.note ?? '', set.locale, items, ...(reminders.length ? [reminders] : [])];
}

/** The link text (after "#s=") for `set` ({title, note, locale, items, reminders}). */
export async function encodeSet(set, { native = true } = {}) {
  const json = new TextEncoder().encode(JSON.stringify(compact(set)));
  return `${FORMAT}.${toBase64Url(await deflate(json, native))}`;
}


// Reading a link back ---------------------------------------------------------------------------

// Control characters other than a line break cannot be typed in the builder; they are dropped.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f]/g;

function text(value, max) {
  if (typeof value !== 'string') return '';
  const clean = value.replace(/\r\n?/g, '\n').replace(CONTROL, '').trim();
  return [...clean].slice(0, max).join('').trim();
}

const plainObject = (value) => value !== null && typeof value === 'object' && !Array.isArray(value);
const pad = (n) => String(n).padStart(2, '0');

function checkItem(raw, bounds, limits) {
  if (!Array.isArray(raw) || typeof raw[0] !== 'string') return null;
  const known = bounds.get(raw[0]);
  if (!known) return null;
  const values = {};
  if (plainObject(raw[1])) {
    for (const [key, value] of Object.entries(raw[1])) {
      const range = known.get(key);
      if (range && Number.isInteger(value)) values[key] = Math.min(Math.max(value, range[0]), range[1]);
    }
  }
  const item = { exercise: raw[0], values, note: text(raw[2], limits.itemNote) };
  // Only a plain 1 suggests; anything else there is left out, like a value out of place.
  if (raw[3] === 1) item.plan = true;
  return item;
}

function checkReminder(raw) {
  if (!Array.isArray(raw)) return null;
  const [mask, minutes] = raw;
  if (!Number.isInteger(mask) || mask < 1 || mask > 127) return null;
  if (!Number.isInteger(minutes) || minutes < 0 || minutes >= 24 * 60) return null;
  const days = [1, 2, 3, 4, 5, 6, 7].filter((day) => mask & (1 << (day - 1)));
  return { days, time: `${pad(Math.floor(minutes / 60))}:${pad(minutes % 60)}` };
}

// 53 bits of a fast string hash (cyrb53): an id to tell sets apart, not a secret, so it needs
// no WebCrypto (which plain-http pages lack).
function hash(value) {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < value.length; i += 1) {
    const c = value.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return (4294967296 * (2097151 & h2) + (h1 >>> 0)).toString(36);
}

/** What may be set per exercise, from app.json's exercises ([key, ..., default, min, max]). */
export function boundsOf(exercises) {
  return new Map(exercises.map((exercise) => [
    exercise.id, new Map(exercise.timings.map((timing) => [timing[0], [timing[4], timing[5]]])),
  ]));
}

/**
 * The set in a link text (what follows "#s="), checked against app.json's exercises and rules.
 * Throws BadSetLink when the text is not a set; returns {id, title, note, locale, items,
 * reminders, source: 'link'}, the id a hash of what was read, so the same set is kept once.
 */
export async function decodeSet(linkText, { exercises, rules }, { native = true } = {}) {
  const limits = rules.set;
  if (typeof linkText !== 'string' || linkText.length > MAX_TEXT) bad('too long');
  const match = /^1\.([A-Za-z0-9_-]+)$/.exec(linkText);
  if (!match) bad('not a set link of this version');
  let data;
  try {
    data = fromBase64Url(match[1]);
  } catch {
    bad('not base64url');
  }
  const bytes = await inflate(data, native);
  let raw;
  try {
    raw = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    bad('not JSON');
  }
  if (!Array.isArray(raw)) bad('not a set');
  const [rawTitle, rawNote, locale, rawItems, rawReminders] = raw;
  const title = text(rawTitle, limits.title);
  if (!title) bad('no title');
  if (locale !== 'nl' && locale !== 'en') bad('no language');
  const bounds = boundsOf(exercises);
  const items = (Array.isArray(rawItems) ? rawItems : [])
    .map((item) => checkItem(item, bounds, limits)).filter(Boolean).slice(0, limits.items);
  if (!items.length) bad('no exercises');
  const reminders = (Array.isArray(rawReminders) ? rawReminders : [])
    .map(checkReminder).filter(Boolean).slice(0, limits.reminders);
  const set = { title, note: text(rawNote, limits.note), locale, items, reminders };
  return { id: `link-${hash(JSON.stringify(set))}`, ...set, source: 'link' };
}
