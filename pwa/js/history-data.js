// The history's pure logic: weeks, export files and import checks. No DOM and no storage here,
// so every rule can be tested on its own; pwa/js/history.js draws the page around it.

export const EXPORT_FORMAT = 'houvast-history';
export const EXPORT_VERSION = 1;
export const CHART_WEEKS = 8;
export const CSV_COLUMNS = ['id', 'exercise', 'set', 'startedAt', 'seconds', 'status', 'before', 'after'];

const STATUSES = new Set(['completed', 'stopped']);
// A full ISO 8601 date and time with a zone, as Date.prototype.toISOString writes it; anything
// looser (Date.parse accepts "1" or "March 3") would let a damaged file through.
const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/;

/** Monday 00:00 local time of the ISO week that holds `date`. */
export function weekStart(date) {
  const monday = new Date(date.getFullYear(), date.getMonth(), date.getDate());
  monday.setDate(monday.getDate() - ((monday.getDay() + 6) % 7));
  return monday;
}

/** "2026-11-16": a local calendar date, for keys and file names. */
export function localDateKey(date) {
  const pad = (n) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

/** The runs, newest first (ties keep a stable order by id). */
export function newestFirst(runs) {
  return [...runs].sort((a, b) => Date.parse(b.startedAt) - Date.parse(a.startedAt)
    || String(a.id).localeCompare(String(b.id)));
}

function rated(run) {
  return Number.isInteger(run.before) && Number.isInteger(run.after);
}

/**
 * The last `weeks` ISO weeks up to the one holding `now`, oldest first:
 * [{start: Date (Monday), key: "YYYY-MM-DD", count, rated, change: average after − before or null}].
 */
export function weeklySummary(runs, now = new Date(), weeks = CHART_WEEKS) {
  const current = weekStart(now);
  const summary = [];
  for (let back = weeks - 1; back >= 0; back -= 1) {
    const start = new Date(current);
    start.setDate(start.getDate() - 7 * back); // by calendar days, so a DST change cannot shift it
    summary.push({ start, key: localDateKey(start), count: 0, rated: 0, total: 0, change: null });
  }
  const byKey = new Map(summary.map((week) => [week.key, week]));
  for (const run of runs) {
    const started = new Date(run.startedAt);
    if (Number.isNaN(started.getTime())) continue;
    const week = byKey.get(localDateKey(weekStart(started)));
    if (!week) continue;
    week.count += 1;
    if (rated(run)) {
      week.rated += 1;
      week.total += run.after - run.before;
    }
  }
  return summary.map(({ total, ...week }) => ({
    ...week,
    change: week.rated ? total / week.rated : null,
  }));
}

/** The scale of the change series: a whole number ≥ 2 that holds every week's value. */
export function changeScale(summary) {
  const largest = Math.max(0, ...summary.map((week) => Math.abs(week.change ?? 0)));
  return Math.max(2, Math.ceil(largest));
}

/** The object a JSON export holds. */
export function exportDocument(runs, now = new Date()) {
  return { format: EXPORT_FORMAT, version: EXPORT_VERSION, exportedAt: now.toISOString(), runs };
}

/** "houvast-history-2026-11-21.json" for the local date of `now`. */
export function exportFileName(extension, now = new Date()) {
  return `houvast-history-${localDateKey(now)}.${extension}`;
}

function csvField(value) {
  if (value === null || value === undefined) return '';
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** The runs as CSV (RFC 4180: CRLF line ends, quotes where needed); notes stay out. */
export function toCsv(runs) {
  const lines = [CSV_COLUMNS.join(',')];
  for (const run of runs) lines.push(CSV_COLUMNS.map((column) => csvField(run[column])).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

function isRating(value) {
  return value === null || (Number.isInteger(value) && value >= 0 && value <= 10);
}

function isPlainObject(value) {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** A clean copy of an imported run, or null when anything in it is wrong. */
export function checkRun(run) {
  if (!isPlainObject(run)) return null;
  const set = run.set === undefined ? null : run.set;
  const before = run.before === undefined ? null : run.before;
  const after = run.after === undefined ? null : run.after;
  const notes = run.notes === undefined ? {} : run.notes;
  const valid = typeof run.id === 'string' && run.id.trim() !== ''
    && typeof run.exercise === 'string' && run.exercise !== ''
    && (set === null || typeof set === 'string')
    && typeof run.startedAt === 'string' && ISO_DATE_TIME.test(run.startedAt)
    && !Number.isNaN(Date.parse(run.startedAt))
    && typeof run.seconds === 'number' && Number.isFinite(run.seconds) && run.seconds >= 0
    && STATUSES.has(run.status)
    && isRating(before) && isRating(after)
    && isPlainObject(notes) && Object.values(notes).every((text) => typeof text === 'string');
  if (!valid) return null;
  return {
    id: run.id,
    exercise: run.exercise,
    set,
    startedAt: run.startedAt,
    seconds: run.seconds,
    status: run.status,
    before,
    after,
    notes: { ...notes },
  };
}

/**
 * Check a whole export file before anything is stored.
 * Returns {ok: true, runs} or {ok: false, reason: 'not_json' | 'wrong_shape' | 'bad_run', n}
 * where n is the 1-based position of the first damaged run.
 */
export function parseImport(text) {
  let data;
  try {
    data = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'not_json' };
  }
  if (!isPlainObject(data) || data.format !== EXPORT_FORMAT || data.version !== EXPORT_VERSION
      || !Array.isArray(data.runs)) {
    return { ok: false, reason: 'wrong_shape' };
  }
  const runs = [];
  for (const [index, raw] of data.runs.entries()) {
    const run = checkRun(raw);
    if (run === null) return { ok: false, reason: 'bad_run', n: index + 1 };
    runs.push(run);
  }
  return { ok: true, runs };
}

function average(total, count) {
  return count ? total / count : null;
}

/**
 * A summary of the last `weeks` ISO weeks up to `now`, to bring to a session (history.js,
 * "Summary for your session"): totals, each exercise (most done first) and each week. Ratings
 * are averaged over the runs rated both before and after, so the two figures are comparable.
 */
export function sessionSummary(runs, now = new Date(), weeks = 4) {
  const week = weeklySummary(runs, now, weeks);
  const from = week[0].start;
  const inPeriod = runs.filter((run) => {
    const started = new Date(run.startedAt);
    return started >= from && started <= now;
  });
  const tally = () => ({ count: 0, completed: 0, stopped: 0, rated: 0, before: 0, after: 0 });
  const add = (into, run) => {
    into.count += 1;
    into[run.status === 'completed' ? 'completed' : 'stopped'] += 1;
    if (rated(run)) {
      into.rated += 1;
      into.before += run.before;
      into.after += run.after;
    }
  };
  const total = tally();
  const byExercise = new Map();
  const days = new Set();
  for (const run of inPeriod) {
    add(total, run);
    if (!byExercise.has(run.exercise)) byExercise.set(run.exercise, tally());
    add(byExercise.get(run.exercise), run);
    days.add(localDateKey(new Date(run.startedAt)));
  }
  const finish = (t) => ({ ...t, before: average(t.before, t.rated), after: average(t.after, t.rated) });
  return {
    from,
    to: now,
    ...finish(total),
    days: days.size,
    exercises: [...byExercise].map(([id, t]) => ({ id, ...finish(t) }))
      .sort((a, b) => b.count - a.count || a.id.localeCompare(b.id)),
    weeks: week,
  };
}
