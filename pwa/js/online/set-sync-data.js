// What keeping sets in step with the server needs as data: the short code a person types, and
// which runs go to the therapist. Pure (tests/js/sets-data.test.mjs); online only, like the
// scripts that use it (online/set-code.js, online/set-sync.js).

import { isNewer } from '../sets-data.js';

const CODE_LETTERS = /^[ABCDEFGHJKMNPQRSTUVWXYZ23456789]{8}$/;

/** "abcd-2345", "ABCD 2345" → "ABCD2345"; null when it cannot be a code. */
export function normalizeCode(text) {
  const code = String(text ?? '').replace(/[\s-]+/g, '').toUpperCase();
  return CODE_LETTERS.test(code) ? code : null;
}

// The server keeps at most this many runs per request (docs/sets.md).
export const RUNS_PER_REQUEST = 500;

const RUN_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The runs of set `setId` that were not sent (or skipped) yet, as the progress API takes them:
 * date, exercise, completed or stopped, length and ratings. Never the notes. Left out too is
 * what the server would refuse, as it refuses the whole request for one such run: an id that
 * is no UUID (an imported history may hold any), an exercise `exercises` (ids) does not know,
 * a start after `now` (such a run waits until its time has come).
 */
export function runsToShare(runs, setId, sent, { exercises, now = Date.now(), skipped = [] }) {
  const done = new Set([...sent, ...skipped]);
  const known = new Set(exercises);
  const rating = (value) => (Number.isInteger(value) && value >= 0 && value <= 10 ? value : null);
  return runs
    .filter((run) => run.set === setId && !done.has(run.id) && RUN_ID.test(run.id ?? '')
      && known.has(run.exercise) && Date.parse(run.startedAt) <= now)
    .map((run) => ({
      id: run.id,
      exercise: run.exercise,
      started: new Date(run.startedAt).toISOString(),
      seconds: Math.min(86400, Math.max(0, Math.round(Number(run.seconds) || 0))),
      status: run.status === 'completed' ? 'completed' : 'stopped',
      before: rating(run.before),
      after: rating(run.after),
    }));
}

/**
 * What a check with the server may save: `current` is the kept set as stored now, `base` the
 * copy the check started from, `synced` what the check made of it. Only the fields the check
 * owns are taken over (a newer set, "updated" and "stopped" from the server; the secret and the
 * runs sent or skipped), and the sharing part only while sharing is still the one the check
 * started from (same `since`): the person may have stopped it, or removed the set, meanwhile.
 * Null when there is nothing left to save to (the set was removed).
 */
export function mergeSynced(current, base, synced) {
  if (!current) return null;
  const merged = { ...current };
  if (synced.set !== base.set && isNewer(current.set, synced.set)) {
    merged.set = synced.set;
    merged.updated = synced.updated;
  }
  if (synced.revoked && !base.revoked && current.token === base.token) merged.revoked = true;
  const since = base.progress?.since;
  if (synced.progress !== base.progress && since && current.progress?.since === since) {
    if (!synced.progress) {
      merged.progress = null; // the server no longer knows the secret: nothing is shared
    } else {
      const union = (key) => [...new Set([...(current.progress[key] ?? []), ...(synced.progress[key] ?? [])])];
      merged.progress = {
        ...current.progress,
        secret: current.progress.secret ?? synced.progress.secret,
        sent: union('sent'),
        skipped: union('skipped'),
      };
    }
  }
  return merged;
}
