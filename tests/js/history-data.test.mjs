// The history's rules: weeks, files and import checks (pwa/js/history-data.js).
import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  exportDocument, newestFirst, parseImport, toCsv, weekStart, weeklySummary,
} from '../../pwa/js/history-data.js';

const run = (id, startedAt, extra = {}) => ({
  id, exercise: 'grounding', set: null, startedAt, seconds: 100, status: 'completed',
  before: null, after: null, notes: {}, ...extra,
});

test('a week starts on Monday', () => {
  const monday = weekStart(new Date(2026, 10, 26, 15, 0));
  assert.equal(monday.getDay(), 1);
  assert.equal(monday.getDate(), 23);
});

test('the weekly summary counts runs and averages the change of rated ones', () => {
  const now = new Date(2026, 10, 26, 12, 0);
  const runs = [
    run('a', new Date(2026, 10, 24, 9).toISOString(), { before: 7, after: 4 }),
    run('b', new Date(2026, 10, 25, 9).toISOString(), { before: 6, after: 5 }),
    run('c', new Date(2026, 10, 25, 10).toISOString()),
    run('old', new Date(2025, 0, 1).toISOString()),
  ];
  const summary = weeklySummary(runs, now, 2);
  assert.equal(summary.length, 2);
  assert.equal(summary[1].count, 3);
  assert.equal(summary[1].rated, 2);
  assert.equal(summary[1].change, -2);
  assert.equal(summary[0].count, 0);
  assert.equal(summary[0].change, null);
});

test('an export imports again unchanged; a damaged one is refused whole', () => {
  const runs = [run('a', '2026-11-20T08:00:00.000Z', { before: 3, after: 2, notes: { p: 'words' } })];
  const result = parseImport(JSON.stringify(exportDocument(runs)));
  assert.deepEqual(result, { ok: true, runs });
  assert.deepEqual(parseImport('nope'), { ok: false, reason: 'not_json' });
  assert.deepEqual(parseImport('{"format": "other"}'), { ok: false, reason: 'wrong_shape' });
  const damaged = exportDocument([...runs, { ...runs[0], id: 'b', before: 11 }]);
  assert.deepEqual(parseImport(JSON.stringify(damaged)), { ok: false, reason: 'bad_run', n: 2 });
  const loose = exportDocument([{ ...runs[0], startedAt: 'March 3' }]);
  assert.equal(parseImport(JSON.stringify(loose)).reason, 'bad_run');
});

test('CSV has a header and quotes what needs quoting', () => {
  const csv = toCsv([run('a,b', '2026-11-20T08:00:00.000Z')]);
  const [header, line] = csv.trim().split('\r\n'); // RFC 4180 lines
  assert.equal(header, 'id,exercise,set,startedAt,seconds,status,before,after');
  assert.ok(line.startsWith('"a,b",grounding,'));
});

test('newest first, ties by id', () => {
  const sorted = newestFirst([run('b', '2026-01-01T00:00:00Z'), run('a', '2026-01-01T00:00:00Z'), run('c', '2026-02-01T00:00:00Z')]);
  assert.deepEqual(sorted.map((r) => r.id), ['c', 'a', 'b']);
});

test('the summary for a session counts the last weeks per exercise and averages rated runs', async () => {
  const { sessionSummary } = await import('../../pwa/js/history-data.js');
  const now = new Date(2026, 10, 26, 12, 0); // Thursday 26 November
  const runs = [
    run('a', new Date(2026, 10, 24, 9).toISOString(), { before: 7, after: 4 }),
    run('b', new Date(2026, 10, 24, 20).toISOString(), { before: 6, after: null }),
    run('c', new Date(2026, 10, 10, 9).toISOString(), { exercise: 'protector', status: 'stopped', before: 8, after: 8 }),
    run('d', new Date(2026, 10, 2, 9).toISOString(), { exercise: 'protector', before: 5, after: 2 }),
    run('e', new Date(2026, 9, 30, 9).toISOString(), { before: 1, after: 1 }), // before the 4 weeks
  ];
  const summary = sessionSummary(runs, now, 4);
  assert.equal(summary.from.getDate(), 2); // Monday 2 November
  assert.equal(summary.weeks.length, 4);
  assert.deepEqual([summary.count, summary.completed, summary.stopped, summary.days], [4, 3, 1, 3]);
  assert.deepEqual([summary.rated, summary.before, summary.after], [3, 20 / 3, 14 / 3]);
  assert.deepEqual(summary.exercises.map((e) => [e.id, e.count, e.rated, e.before, e.after]), [
    ['grounding', 2, 1, 7, 4],
    ['protector', 2, 2, 6.5, 5],
  ]);
  assert.equal(sessionSummary([], now, 2).count, 0);
  assert.equal(sessionSummary([], now, 2).before, null);
});
