import assert from 'node:assert/strict';
import { test } from 'node:test';

import { mergeSynced, normalizeCode, runsToShare } from '../../pwa/js/online/set-sync-data.js';
import { suggestedReminders } from '../../pwa/js/online/reminders-data.js';
import { checkSet as checkWith, isNewer } from '../../pwa/js/sets-data.js';
import { RULES } from './rules.mjs';

const checkSet = (raw) => checkWith(raw, RULES);

const SET = {
  id: 'fP7P5vPkWdcz-5kc',
  version: 3,
  title: 'Avond',
  note: 'Rustig aan.',
  locale: 'nl',
  items: [{ exercise: 'grounding', values: { 'what-see.duration': 45 }, note: 'Voeten op de vloer.' }],
  reminders: [{ days: [3, 1], time: '20:00' }],
  updated: '2026-11-29T20:00:00Z',
};

test('a set from the server is kept as it came, days in order', () => {
  const set = checkSet(SET);
  assert.equal(set.id, SET.id);
  assert.deepEqual(set.items, SET.items);
  assert.deepEqual(set.reminders, [{ days: [1, 3], time: '20:00' }]);
});

test('a set from a link needs no id or version', () => {
  const { id, version, ...link } = SET;
  const set = checkSet(link);
  assert.equal(set.id, undefined);
  assert.equal(set.title, 'Avond');
});

test('anything that is not a set is refused as a whole', () => {
  const broken = [
    null, 'set', { ...SET, title: '' }, { ...SET, title: 'x'.repeat(81) }, { ...SET, locale: 'fr' },
    { ...SET, note: 'x'.repeat(1001) }, { ...SET, items: 'grounding' },
    { ...SET, items: Array(13).fill(SET.items[0]) },
    { ...SET, items: [{ exercise: '../x', values: {} }] },
    { ...SET, items: [{ exercise: 'grounding', values: { 'what-see.duration': '45' } }] },
    { ...SET, items: [{ exercise: 'grounding', values: { 'what-see.duration': 4.5 } }] },
    { ...SET, items: [{ exercise: 'grounding', note: 'x'.repeat(281) }] },
    { ...SET, reminders: [{ days: [8], time: '20:00' }] },
    { ...SET, reminders: [{ days: [1], time: '25:00' }] },
    { ...SET, version: '3' },
    { ...SET, items: [{ ...SET.items[0], plan: 'true' }] },
    { ...SET, items: [{ ...SET.items[0], plan: 1 }] },
    { ...SET, items: [{ ...SET.items[0], plan: null }] },
  ];
  for (const raw of broken) assert.equal(checkSet(raw), null, JSON.stringify(raw)?.slice(0, 80));
});

test('fields the app does not know are dropped', () => {
  const set = checkSet({ ...SET, html: '<img onerror=x>', items: [{ ...SET.items[0], extra: 1 }] });
  assert.equal('html' in set, false);
  assert.equal('extra' in set.items[0], false);
});

test('an exercise suggested for the plan for hard moments keeps the mark; others have none', () => {
  const items = [
    { ...SET.items[0], plan: true },
    { exercise: 'protector', note: '', plan: false },
    { exercise: 'long-breath-out', note: '' },
  ];
  const set = checkSet({ ...SET, items });
  assert.equal(set.items[0].plan, true);
  assert.equal('plan' in set.items[1], false);
  assert.equal('plan' in set.items[2], false);
});

test('a short code is read with spaces, dashes and lower case; look-alikes are refused', () => {
  assert.equal(normalizeCode('abcd 2345'), 'ABCD2345');
  assert.equal(normalizeCode(' ABCD-2345 '), 'ABCD2345');
  for (const wrong of ['ABCD234', 'ABCD23456', 'ABCD0345', 'ABCDI345', 'ABCDL345', '', null]) {
    assert.equal(normalizeCode(wrong), null, wrong);
  }
});

const uuid = (n) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const NOW = Date.parse('2026-11-29T12:00:00Z');
const KNOWN = { exercises: ['grounding', 'breathing'], now: NOW };

test('only this set\'s runs not sent yet are shared, and never their notes', () => {
  const run = (id, set, extra = {}) => ({
    id, exercise: 'grounding', set, startedAt: '2026-11-25T18:30:00.000Z', seconds: 181.4,
    status: 'completed', before: 6, after: 3, notes: { safe: 'my words' }, ...extra,
  });
  const runs = [run(uuid(1), 's1'), run(uuid(2), 's2'), run(uuid(3), 's1'), run(uuid(4), null),
    run(uuid(5), 's1', { status: 'odd', before: 11, after: null, seconds: 100000 })];
  const shared = runsToShare(runs, 's1', [uuid(3)], KNOWN);
  assert.deepEqual(shared.map((r) => r.id), [uuid(1), uuid(5)]);
  assert.deepEqual(shared[0], {
    id: uuid(1), exercise: 'grounding', started: '2026-11-25T18:30:00.000Z', seconds: 181,
    status: 'completed', before: 6, after: 3,
  });
  assert.deepEqual(shared[1], {
    id: uuid(5), exercise: 'grounding', started: '2026-11-25T18:30:00.000Z', seconds: 86400,
    status: 'stopped', before: null, after: null,
  });
});

test('runs the server would refuse are left out, so they never stop the others', () => {
  const run = (id, extra = {}) => ({
    id, exercise: 'grounding', set: 's1', startedAt: '2026-11-25T18:30:00.000Z', seconds: 60,
    status: 'completed', ...extra,
  });
  const runs = [
    run('imported-1'), // an imported history's own id: no UUID
    run(uuid(1), { exercise: 'gone-exercise' }), // an exercise this app no longer has
    run(uuid(2), { startedAt: '2026-11-29T12:00:01Z' }), // still in the future
    run(uuid(3), { startedAt: 'not a date' }),
    run(uuid(4)),
    run(uuid(5)), // skipped after a 400
    run(uuid(6).toUpperCase(), { startedAt: '2026-11-29T12:00:00Z' }),
  ];
  const shared = runsToShare(runs, 's1', [], { ...KNOWN, skipped: [uuid(5)] });
  assert.deepEqual(shared.map((r) => r.id), [uuid(4), uuid(6).toUpperCase()]);
  // The future run goes once its time has come.
  const later = runsToShare(runs, 's1', [], { ...KNOWN, now: NOW + 1000 });
  assert.ok(later.some((r) => r.id === uuid(2)));
});

test('a check saves only what it owns over the record as it is now', () => {
  const since = '2026-11-29T10:00:00Z';
  const base = {
    id: 's1', source: 'therapist', token: 'tok', set: { version: 1 }, revoked: false, updated: null,
    progress: { secret: null, since, sent: [] }, keptAt: 'k',
  };
  // Stopped while the secret or runs were on their way: the sharing stays off.
  const stopped = { ...base, progress: null };
  const synced = { ...base, progress: { secret: 'sec', since, sent: [uuid(1)] } };
  assert.equal(mergeSynced(stopped, base, synced).progress, null);
  // Stopped and started again: the new sharing is not given the old secret.
  const again = { ...base, progress: { secret: null, since: '2026-11-29T11:00:00Z', sent: [] } };
  assert.deepEqual(mergeSynced(again, base, synced).progress, again.progress);
  // Removed meanwhile: nothing is saved, nothing comes back.
  assert.equal(mergeSynced(null, base, synced), null);
  // Still sharing: the secret and the runs sent are taken over, nothing else of the check's copy.
  const now = { ...base, updated: null, keptAt: 'k' };
  const merged = mergeSynced(now, base, { ...synced, keptAt: 'old', token: 'other' });
  assert.deepEqual(merged.progress, { secret: 'sec', since, sent: [uuid(1)], skipped: [] });
  assert.equal(merged.keptAt, 'k');
  assert.equal(merged.token, 'tok');
  // A newer set and "no longer updated" from the server are kept, even with sharing stopped.
  const fresh = { ...base, set: { version: 2 }, updated: '2026-11-29T12:00:00Z', revoked: true };
  const taken = mergeSynced(stopped, base, fresh);
  assert.deepEqual([taken.set, taken.updated, taken.revoked, taken.progress],
    [{ version: 2 }, '2026-11-29T12:00:00Z', true, null]);
  // An older copy never replaces a newer one kept meanwhile.
  const newer = { ...base, set: { version: 3 } };
  assert.deepEqual(mergeSynced(newer, base, fresh).set, { version: 3 });
  // Runs sent meanwhile by the same sharing are kept alongside the check's.
  const meanwhile = { ...base, progress: { secret: 'sec', since, sent: [uuid(2)] } };
  assert.deepEqual(mergeSynced(meanwhile, base, synced).progress.sent, [uuid(2), uuid(1)]);
});

test('only a higher version is newer', () => {
  assert.equal(isNewer({ version: 3 }, { version: 4 }), true);
  assert.equal(isNewer({ version: 3 }, { version: 3 }), false);
  assert.equal(isNewer({ version: 3 }, {}), false);
});

test('suggested times become reminders for the first exercise, none twice', () => {
  let n = 0;
  const newId = () => `r${(n += 1)}`;
  const set = checkSet(SET);
  const added = suggestedReminders(set, [], newId);
  assert.deepEqual(added, [{ id: 'r1', days: [1, 3], time: '20:00', target: { type: 'exercise', id: 'grounding' } }]);
  assert.deepEqual(suggestedReminders(set, added, newId), []);
});
