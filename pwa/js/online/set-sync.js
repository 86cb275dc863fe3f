// Keeping kept sets in step with the therapist's server (docs/sets.md): opening by token or
// code, a newer version, a stopped link, and, only when the person chose it, their runs of the
// set. Loaded only when online (sets.js): phones do not store it, as it can do nothing offline.

import { checkSet, isNewer } from '../sets-data.js';
import { RUNS_PER_REQUEST, mergeSynced, runsToShare } from './set-sync-data.js';
import {
  forgetWithdrawal, keptSet, keptSets, queueWithdrawal, queuedWithdrawals, rememberSecret,
  updateKept,
} from '../sets.js';
import { appData } from '../i18n.js';
import { allRuns } from '../store.js';

/** The server's 410: the link was stopped ('revoked'), or it opens nothing more because a
 * phone keeps the set ('used') or its days are over ('expired'). */
class Gone extends Error {
  constructor(reason) {
    super(reason);
    this.reason = reason;
  }
}

const GONE = ['revoked', 'used', 'expired'];

async function call(name, { body, secret, method = 'POST' }) {
  const headers = { 'Content-Type': 'application/json' };
  if (secret) headers.Authorization = `Bearer ${secret}`;
  const response = await fetch(appData.urls[name], {
    method, headers, body: body === undefined ? undefined : JSON.stringify(body), cache: 'no-store',
  });
  if (response.status === 410) {
    const said = (await response.json().catch(() => null))?.error;
    throw new Gone(GONE.includes(said) ? said : 'revoked');
  }
  return response;
}

/** Open a set by its token or short code: {token, set} or {error: 'revoked' | 'used' |
 * 'expired' | 'unknown' | 'bad-code' | 'offline' | 'server'}. The token that comes back is
 * this app's own, to follow the set with. */
export async function openShared(body) {
  let response;
  try {
    response = await call('sets_open', { body });
  } catch (error) {
    return { error: error instanceof Gone ? error.reason : 'offline' };
  }
  if (response.status === 404) return { error: 'unknown' };
  if (response.status === 400) return { error: 'bad-code' };
  if (!response.ok) return { error: 'server' };
  const data = await response.json().catch(() => null);
  const set = checkSet(data?.set, appData.rules);
  if (!set?.id || typeof data.token !== 'string' || !data.token) return { error: 'server' };
  return { token: data.token, set };
}

/** Ask the server for a newer version (which also tells it the set is kept on this phone); a
 * stopped link marks the set as no longer updated. A set kept with the link's own token (before
 * apps had tokens of their own) takes the token that comes back. */
async function refresh(record) {
  const opened = await openShared({ token: record.token });
  if (['revoked', 'used', 'expired', 'unknown'].includes(opened.error)) {
    return { ...record, revoked: true };
  }
  if (opened.error) return record;
  const token = opened.token === record.token ? record : { ...record, token: opened.token };
  if (!isNewer(record.set, opened.set)) return token;
  return { ...token, set: opened.set, updated: opened.set.updated ?? new Date().toISOString() };
}

/** Save what the check made of `base` over the record as stored now (mergeSynced), in turn
 * with every other change (sets.js). Returns the record saved, or null when the set is gone. */
function saveSynced(base, synced) {
  return updateKept(base.id, (current) => mergeSynced(current, base, synced));
}

/** Whether the sharing `progress` is still on, as it was (not stopped, nor the set removed). */
const stillSharing = (saved, progress) => saved?.progress?.since === progress.since;

/** Send this set's runs that were not sent yet; the server keeps each run once by its id, so
 * a run whose answer was lost is simply sent again. */
async function shareRuns(record) {
  let progress = record.progress;
  if (!progress.secret) {
    const response = await call('sets_progress', { body: { token: record.token } });
    if (!response.ok) return;
    const { secret } = await response.json();
    if (typeof secret !== 'string' || !secret) return;
    rememberSecret(secret);
    const saved = await saveSynced(record, { ...record, progress: { ...progress, secret } });
    if (!stillSharing(saved, progress)) {
      // Stopped while the secret was on its way: the server forgets it (and it holds nothing).
      queueWithdrawal(secret);
      await withdrawQueued();
      return;
    }
    record = saved;
    progress = saved.progress;
  }
  const waiting = runsToShare(await allRuns(), record.id, progress.sent, {
    exercises: appData.exercises.map((exercise) => exercise.id), skipped: progress.skipped ?? [],
  });
  for (let i = 0; i < waiting.length; i += RUNS_PER_REQUEST) {
    // Stopped (or the set removed) while the check waited for the server: nothing more goes.
    if (!stillSharing(await keptSet(record.id), progress)) return;
    const runs = waiting.slice(i, i + RUNS_PER_REQUEST);
    const response = await call('progress_runs', { body: { runs }, secret: progress.secret });
    if (response.status === 404) { // the set was deleted on the server
      await saveSynced(record, { ...record, progress: null });
      return;
    }
    // 400: the server refuses the request for a run it cannot take; those are left out, so
    // the runs after them still go. Anything else: tried again at the next check.
    const key = response.ok ? 'sent' : response.status === 400 ? 'skipped' : null;
    if (!key) return;
    const ids = runs.map((run) => run.id);
    const next = { ...progress, [key]: [...(progress[key] ?? []), ...ids] };
    const saved = await saveSynced(record, { ...record, progress: next });
    if (!stillSharing(saved, progress)) return; // stopped meanwhile: send no more
    record = saved;
    progress = saved.progress;
  }
}

/** Bring one kept set in step with the server, as far as the connection allows. */
async function syncOne(record) {
  if (record.source !== 'therapist' || !record.token) return;
  try {
    if (!record.revoked) {
      const fresh = await refresh(record);
      if (fresh !== record) record = await saveSynced(record, fresh);
    }
    if (record?.progress && !record.revoked) await shareRuns(record);
  } catch (error) {
    if (error instanceof Gone && record) await saveSynced(record, { ...record, revoked: true });
    else console.warn('Houvast: a set could not be brought up to date', error);
  }
}

let running = Promise.resolve();

/** Check every kept set (or only `id`), one check at a time so no run is sent twice by two
 * checks at once. The store must be open (sets.js, syncSets). */
export function sync(id = null) {
  running = running.catch(() => {}).then(async () => {
    await withdrawQueued();
    const records = id ? [await keptSet(id)].filter(Boolean) : await keptSets();
    for (const record of records) {
      // Secrets from before they were kept in the clear too (sets.js, rememberSecret).
      if (record.progress?.secret) rememberSecret(record.progress.secret);
      await syncOne(record);
    }
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
