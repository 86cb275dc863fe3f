// What keeping sets in step with the server needs as data: the short code a person types, and
// which runs go to the therapist. Pure (tests/js/sets-data.test.mjs); online only, like the
// scripts that use it (online/set-code.js, online/set-sync.js).

const CODE_LETTERS = /^[ABCDEFGHJKMNPQRSTUVWXYZ23456789]{8}$/;

/** "abcd-2345", "ABCD 2345" → "ABCD2345"; null when it cannot be a code. */
export function normalizeCode(text) {
  const code = String(text ?? '').replace(/[\s-]+/g, '').toUpperCase();
  return CODE_LETTERS.test(code) ? code : null;
}

// The server keeps at most this many runs per request (docs/sets.md).
export const RUNS_PER_REQUEST = 500;

/**
 * The runs of set `setId` that were not sent yet, as the progress API takes them: date,
 * exercise, completed or stopped, length and ratings. Never the notes.
 */
export function runsToShare(runs, setId, sent) {
  const done = new Set(sent);
  const rating = (value) => (Number.isInteger(value) && value >= 0 && value <= 10 ? value : null);
  return runs
    .filter((run) => run.set === setId && !done.has(run.id) && !Number.isNaN(Date.parse(run.startedAt)))
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
