// The sets a person keeps on this device (IndexedDB, sealed under the PIN like runs and notes).
// Keeping them in step with the therapist's server (a newer version, a stopped link, and, only
// when the person chose it, their runs of the set) is online/set-sync.js, loaded from here when
// the phone is online. docs/sets.md is the API.
//
// A kept set: {id, source: 'therapist' | 'link', token (therapist only), set (SET, checked by
// sets-data.js), keptAt, revoked, updated (when the therapist's newer version arrived, until
// the person saw it), progress: null | {secret (null until the server gave one), since, sent:
// [run ids]}}. A set from a link carries no token: it cannot be updated or share progress.

import { isNewer } from './sets-data.js';
import { appData } from './i18n.js';
import { isOpen, openRecord, openStore, request, sealRecord, storeExists, transaction } from './store.js';

/** Every kept set, opened, the newest kept first (this page must be open: isOpen). */
export async function keptSets() {
  const db = await openStore();
  const rows = await request(db.transaction('sets').objectStore('sets').getAll());
  const kept = await Promise.all(rows.map(openRecord));
  return kept.sort((a, b) => (b.keptAt ?? '').localeCompare(a.keptAt ?? ''));
}

/** How many sets are kept, without opening any (home, when a PIN locks them). */
export async function countSets() {
  if (!(await storeExists())) return 0;
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

// Every change to the kept sets (keep, start or stop sharing, remove, and each save of a check
// with the server) runs here, one after the other, on the record as it is stored at that
// moment: a change never saves a copy read before another change (a Stop tapped while a check
// waited for the network stays stopped).
let changes = Promise.resolve();

/** Run `change` after every change asked before it; its result (or error) is returned. */
export function change(step) {
  const done = changes.then(step);
  changes = done.catch(() => {});
  return done;
}

/** Change the kept set `id` as stored now: `edit(record)` returns the record to save, or null
 * to save nothing (the set is gone when `record` is null). Returns what was saved, or null. */
export function updateKept(id, edit) {
  return change(async () => {
    const next = edit(await keptSet(id));
    return next ? saveKept(next) : null;
  });
}

/**
 * Keep `set` on this device (or bring a kept copy up to date) and return the record. A set
 * from a link gets its id from its link (online/set-link.js, decodeSet).
 */
export function keepSet(set, { token = null, source = token ? 'therapist' : 'link' } = {}) {
  // Ask the browser not to clear this site's storage when space runs low: a kept set should
  // outlive a full phone as well as an app update.
  navigator.storage?.persist?.().catch(() => {});
  return updateKept(set.id, (old) => (old
    // Opened again from a link that works: the newer copy and token, and it updates again.
    ? {
      ...old, token: token ?? old.token, revoked: token ? false : old.revoked,
      set: isNewer(old.set, set) ? set : old.set,
    }
    : {
      id: set.id, source, token, set, keptAt: new Date().toISOString(), revoked: false,
      updated: null, progress: null,
    }));
}

/** Remove the kept set `id`. Sharing stops with it: what was shared is deleted on the server,
 * now or, offline, the next time a page that keeps sets in step is online. */
export async function removeSet(id) {
  await change(async () => {
    const record = await keptSet(id);
    if (record?.progress?.secret) queueWithdrawal(record.progress.secret);
    await transaction('sets', 'readwrite', (store) => store.delete(id));
  });
  await withdrawNow();
}

// Sharing progress and the server -------------------------------------------------------------
// Everything that talks to the server lives in online/set-sync.js, which phones do not store
// for offline use (it could do nothing offline): it is loaded when the phone is online.

export const canSync = () => Boolean(appData.urls.sets_open);
const online = () => canSync() && navigator.onLine;
const syncModule = () => import('./online/set-sync.js');

/** Check every kept set (or only `id`) with the server: a newer version, a stopped link, runs
 * to share. Only when online, and with a PIN only once it was given (the sets are sealed). */
export async function syncSets(id = null) {
  if (!online() || !isOpen()) return;
  try {
    await (await syncModule()).sync(id);
  } catch (error) {
    console.warn('Houvast: the sets could not be checked', error);
  }
}

/** Open a set by token or code (online/set-sync.js, openShared). */
export async function openShared(body) {
  if (!online()) return { error: 'offline' };
  try {
    return await (await syncModule()).openShared(body);
  } catch {
    return { error: 'offline' };
  }
}

/** Turn sharing on for the kept set `id`: runs go out the next time the phone is online
 * (syncSets). Returns the record as saved. */
export function startSharing(id) {
  return updateKept(id, (record) => (record && !record.progress
    ? { ...record, progress: { secret: null, since: new Date().toISOString(), sent: [] } }
    : record));
}

/** Stop sharing for the kept set `id`: the server deletes everything shared under the secret,
 * at once when online (else as soon as a page that checks the sets is online again). */
export async function stopSharing(id) {
  const saved = await updateKept(id, (record) => {
    if (record?.progress?.secret) queueWithdrawal(record.progress.secret);
    return record && { ...record, progress: null };
  });
  return { record: saved, done: await withdrawNow() };
}

// Withdrawals wait here (a secret each) until the server confirmed them: a set removed offline
// has no record left to remember its secret in.
const WITHDRAWALS = 'houvast.withdrawals';
// Every secret in use, in the clear too: "Forgot PIN → start fresh" deletes the sealed sets,
// and must still be able to withdraw what they shared (store.js, startFresh, queues these).
// A secret can only send or delete the runs of its own set.
const SHARED = 'houvast.shared-secrets';

function readList(key) {
  try {
    const list = JSON.parse(localStorage.getItem(key) || '[]');
    return Array.isArray(list) ? list.filter((secret) => typeof secret === 'string') : [];
  } catch {
    return [];
  }
}

const writeList = (key, list) => localStorage.setItem(key, JSON.stringify([...new Set(list)]));

export const queuedWithdrawals = () => readList(WITHDRAWALS);

export function forgetWithdrawal(secret) {
  writeList(WITHDRAWALS, queuedWithdrawals().filter((s) => s !== secret));
  writeList(SHARED, readList(SHARED).filter((s) => s !== secret));
}

/** A secret the server gave (online/set-sync.js): kept where starting fresh finds it. */
export function rememberSecret(secret) {
  writeList(SHARED, [...readList(SHARED), secret]);
}

export function queueWithdrawal(secret) {
  writeList(WITHDRAWALS, [...queuedWithdrawals(), secret]);
  writeList(SHARED, readList(SHARED).filter((s) => s !== secret));
}

/** Send the waiting withdrawals now if online; true when none is left waiting. */
async function withdrawNow() {
  if (!queuedWithdrawals().length) return true;
  if (!online()) return false;
  try {
    return await (await syncModule()).withdrawQueued();
  } catch {
    return false;
  }
}
