// Keeping kept sets in step with the therapist's server (docs/sets.md): opening by token or
// code, a newer version, a stopped link, and, only when the person chose it, their runs of the
// set. Loaded only when online (sets.js): phones do not store it, as it can do nothing offline.

import { checkSet, isNewer } from '../sets-data.js';
import { RUNS_PER_REQUEST, runsToShare } from './set-sync-data.js';
import { forgetWithdrawal, keptSet, keptSets, queuedWithdrawals, saveKept } from '../sets.js';
import { appData } from '../i18n.js';
import { allRuns } from '../store.js';

class Gone extends Error {}

async function call(name, { body, secret, method = 'POST' }) {
  const headers = { 'Content-Type': 'application/json' };
  if (secret) headers.Authorization = `Bearer ${secret}`;
  const response = await fetch(appData.urls[name], {
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

/** Check every kept set (or only `id`), one check at a time so no run is sent twice by two
 * checks at once. The store must be open (sets.js, syncSets). */
export function sync(id = null) {
  running = running.catch(() => {}).then(async () => {
    await withdrawQueued();
    const records = id ? [await keptSet(id)].filter(Boolean) : await keptSets();
    for (const record of records) await syncOne(record);
  });
  return running;
}

/** Send every waiting withdrawal; true when none is left waiting. */
export async function withdrawQueued() {
  for (const secret of queuedWithdrawals()) {
    try {
      const response = await call('progress_withdraw', { method: 'DELETE', secret });
      // 404: nothing is kept under it any more (the set was deleted): nothing left to do.
      if (!response.ok && response.status !== 404) continue;
    } catch (error) {
      if (!(error instanceof Gone)) continue;
    }
    forgetWithdrawal(secret);
  }
  return queuedWithdrawals().length === 0;
}
