// Writing a set into its link (see ../set-link.js, which reads it back and is stored offline;
// this part only the builder needs, so it is not).

import { FORMAT, nativeStream, throughStream } from '../set-link.js';

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
// [title, note, locale, [[exercise, {"step.field": n}, note], ...], [[days, minutes], ...]]
// Empty things at the end of a list are left out; days are a bit mask (Monday = 1), a time is
// minutes after midnight.

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
    [item.exercise, item.values ?? {}, item.note ?? ''], isEmpty,
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

