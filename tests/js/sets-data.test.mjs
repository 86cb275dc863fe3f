import assert from 'node:assert/strict';
import { test } from 'node:test';

import { normalizeCode, runsToShare } from '../../pwa/js/online/set-sync-data.js';
import { suggestedReminders } from '../../pwa/js/online/reminders-data.js';
import { checkSet, isNewer } from '../../pwa/js/sets-data.js';

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
  ];
  for (const raw of broken) assert.equal(checkSet(raw), null, JSON.stringify(raw)?.slice(0, 80));
});

test('fields the app does not know are dropped', () => {
  const set = checkSet({ ...SET, html: '<img onerror=x>', items: [{ ...SET.items[0], extra: 1 }] });
  assert.equal('html' in set, false);
  assert.equal('extra' in set.items[0], false);
});

test('a short code is read with spaces, dashes and lower case; look-alikes are refused', () => {
  assert.equal(normalizeCode('abcd 2345'), 'ABCD2345');
  assert.equal(normalizeCode(' ABCD-2345 '), 'ABCD2345');
  for (const wrong of ['ABCD234', 'ABCD23456', 'ABCD0345', 'ABCDI345', 'ABCDL345', '', null]) {
    assert.equal(normalizeCode(wrong), null, wrong);
  }
});

test('only this set\'s runs not sent yet are shared, and never their notes', () => {
  const run = (id, set, extra = {}) => ({
    id, exercise: 'grounding', set, startedAt: '2026-11-25T18:30:00.000Z', seconds: 181.4,
    status: 'completed', before: 6, after: 3, notes: { safe: 'my words' }, ...extra,
  });
  const runs = [run('a', 's1'), run('b', 's2'), run('c', 's1'), run('d', null),
    run('e', 's1', { status: 'odd', before: 11, after: null, seconds: 100000 })];
  const shared = runsToShare(runs, 's1', ['c']);
  assert.deepEqual(shared.map((r) => r.id), ['a', 'e']);
  assert.deepEqual(shared[0], {
    id: 'a', exercise: 'grounding', started: '2026-11-25T18:30:00.000Z', seconds: 181,
    status: 'completed', before: 6, after: 3,
  });
  assert.deepEqual(shared[1], {
    id: 'e', exercise: 'grounding', started: '2026-11-25T18:30:00.000Z', seconds: 86400,
    status: 'stopped', before: null, after: null,
  });
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
