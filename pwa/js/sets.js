// The sets a person keeps on this device (IndexedDB, sealed under the PIN like runs and notes),
// and keeping them in step with the therapist's server: a newer version, a stopped link, and,
// only when the person chose it, their runs of the set. docs/sets.md is the API.
//
// A kept set: {id, source: 'therapist' | 'link', token (therapist only), set (SET, checked by
// sets-data.js), keptAt, revoked, updated (when the therapist's newer version arrived, until
// the person saw it), progress: null | {secret (null until the server gave one), since, sent:
// [run ids]}}. A set from a link carries no token: it cannot be updated or share progress.

import { allRuns, isOpen, openRecord, openStore, request, sealRecord, transaction } from './store.js';
import { checkSet, isNewer, RUNS_PER_REQUEST, runsToShare } from './sets-data.js';
import { appData } from './i18n.js';

const WITHDRAWALS = 'houvast.withdrawals';

/** Every kept set, opened, the newest kept first (this page must be open: isOpen). */
export async function keptSets() {
  const db = await openStore();
  const rows = await request(db.transaction('sets').objectStore('sets').getAll());
  const kept = await Promise.all(rows.map(openRecord));
  return kept.sort((a, b) => (b.keptAt ?? '').localeCompare(a.keptAt ?? ''));
}

/** How many sets are kept, without opening any (home, when a PIN locks them). */
export async function countSets() {
  const db = await openStore();
  return request(db.transaction('sets').objectStore('sets').count());
}

export async function keptSet(id) {
  const db = await openStore();
  return openRecord(await request(db.transaction('sets').objectStore('sets').get(id)));
}

export async function saveKept(record) {
  const sealed = await sealRecord(record, 'id');
  await transaction('sets', 'readwrite', (store) => store.put(sealed));
  return record;
}

/**
 * Keep `set` on this device (or bring a kept copy up to date) and return the record. A set
 * from a link has no id of its own: it gets one here.
 */
export async function keepSet(set, { token = null, source = token ? 'therapist' : 'link' } = {}) {
  const id = set.id ?? `link-${crypto.randomUUID()}`;
  const old = set.id ? await keptSet(id) : null;
  const record = old
    ? { ...old, token: token ?? old.token, set: isNewer(old.set, set) ? set : old.set }
    : {
      id, source, token, set, keptAt: new Date().toISOString(), revoked: false, updated: null,
      progress: null,
    };
  // Ask the browser not to clear this site's storage when space runs low: a kept set should
  // outlive a full phone as well as an app update.
  navigator.storage?.persist?.().catch(() => {});
  return saveKept(record);
}

/** Remove a kept set. Sharing stops with it: what was shared is deleted on the server, now
 * or, offline, the next time a page that keeps sets in step is online. */
export async function removeSet(record) {
  if (record.progress?.secret) queueWithdrawal(record.progress.secret);
  await transaction('sets', 'readwrite', (store) => store.delete(record.id));
  await withdrawQueued();
}

// The network ------------------------------------------------------------------------------

const api = (name) => appData.urls[name];
export const canSync = () => Boolean(api('sets_open'));

class Gone extends Error {}

async function call(name, { body, secret, method = 'POST' }) {
  const headers = { 'Content-Type': 'application/json' };
  if (secret) headers.Authorization = `Bearer ${secret}`;
  const response = await fetch(api(name), {
    method, headers, body: body === undefined ? undefined : JSON.stringify(body), cache: 'no-store',
  });
  if (response.status === 410) throw new Gone();
  return response;
}

/** Open a set by its token or short code: {token, set} or {error: 'revoked' | 'unknown' |
 * 'bad-code' | 'offline' | 'server'}. */
export async function openShared(body) {
  let response;
  try {
    response = await call('sets_open', { body });
  } catch (error) {
    return { error: error instanceof Gone ? 'revoked' : 'offline' };
  }
  if (response.status === 404) return { error: 'unknown' };
  if (response.status === 400) return { error: 'bad-code' };
  if (!response.ok) return { error: 'server' };
  const data = await response.json().catch(() => null);
  const set = checkSet(data?.set);
  if (!set?.id || typeof data.token !== 'string' || !data.token) return { error: 'server' };
  return { token: data.token, set };
}

/** Ask the server for a newer version; a stopped link marks the set as no longer updated. */
async function refresh(record) {
  const opened = await openShared({ token: record.token });
  if (opened.error === 'revoked' || opened.error === 'unknown') return { ...record, revoked: true };
  if (opened.error || !isNewer(record.set, opened.set)) return record;
  return { ...record, set: opened.set, updated: opened.set.updated ?? new Date().toISOString() };
}

/** Send this set's runs that were not sent yet; the server keeps each run once by its id, so
 * a run whose answer was lost is simply sent again. */
async function shareRuns(record) {
  let progress = record.progress;
  if (!progress.secret) {
    const response = await call('sets_progress', { body: { token: record.token } });
    if (!response.ok) return record;
    const { secret } = await response.json();
    if (typeof secret !== 'string' || !secret) return record;
    progress = { ...progress, secret };
    record = await saveKept({ ...record, progress });
  }
  const waiting = runsToShare(await allRuns(), record.id, progress.sent);
  for (let i = 0; i < waiting.length; i += RUNS_PER_REQUEST) {
    const runs = waiting.slice(i, i + RUNS_PER_REQUEST);
    const response = await call('progress_runs', { body: { runs }, secret: progress.secret });
    if (response.status === 404) return { ...record, progress: null }; // the set was deleted
    if (!response.ok) break;
    progress = { ...progress, sent: [...progress.sent, ...runs.map((run) => run.id)] };
    record = await saveKept({ ...record, progress });
  }
  return record;
}

/** Bring one kept set in step with the server, as far as the connection allows. */
async function syncOne(record) {
  if (record.source !== 'therapist' || !record.token) return record;
  let next = record;
  try {
    if (!next.revoked) next = await refresh(next);
    if (next.progress && !next.revoked) next = await shareRuns(next);
  } catch (error) {
    if (error instanceof Gone) next = { ...next, revoked: true };
    else console.warn('Houvast: a set could not be brought up to date', error);
  }
  return next === record ? record : saveKept(next);
}

let running = Promise.resolve();

/** Check every kept set (or only `id`) when online, one check at a time so no run is sent
 * twice by two checks at once. Needs the store open (with a PIN: after it was given). */
export function syncSets(id = null) {
  running = running.catch(() => {}).then(async () => {
    if (!canSync() || !navigator.onLine || !isOpen()) return;
    await withdrawQueued();
    const records = id ? [await keptSet(id)].filter(Boolean) : await keptSets();
    for (const record of records) await syncOne(record);
  });
  return running;
}

// Sharing progress ---------------------------------------------------------------------------

/** Turn sharing on: runs go out the next time the phone is online (syncSets). */
export function startSharing(record) {
  return saveKept({ ...record, progress: { secret: null, since: new Date().toISOString(), sent: [] } });
}

/** Stop sharing: the server deletes everything shared under the secret, at once when online
 * (else as soon as a page that keeps sets in step is online again). */
export async function stopSharing(record) {
  if (record.progress?.secret) queueWithdrawal(record.progress.secret);
  const saved = await saveKept({ ...record, progress: null });
  return { record: saved, done: await withdrawQueued() };
}

function queued() {
  try {
    const list = JSON.parse(localStorage.getItem(WITHDRAWALS) || '[]');
    return Array.isArray(list) ? list.filter((secret) => typeof secret === 'string') : [];
  } catch {
    return [];
  }
}

function queueWithdrawal(secret) {
  localStorage.setItem(WITHDRAWALS, JSON.stringify([...new Set([...queued(), secret])]));
}

/** Send every waiting withdrawal; true when none is left waiting. */
async function withdrawQueued() {
  if (!canSync()) return true;
  for (const secret of queued()) {
    try {
      const response = await call('progress_withdraw', { method: 'DELETE', secret });
      // 404: nothing is kept under it any more (the set was deleted): nothing left to do.
      if (!response.ok && response.status !== 404) continue;
    } catch (error) {
      if (!(error instanceof Gone)) continue;
    }
    localStorage.setItem(WITHDRAWALS, JSON.stringify(queued().filter((s) => s !== secret)));
  }
  return queued().length === 0;
}
