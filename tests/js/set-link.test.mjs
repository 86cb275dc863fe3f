// A set inside its link (pwa/js/online/set-link.js): round trips, the fallbacks, and untrusted input.
import assert from 'node:assert/strict';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { test } from 'node:test';

import { storedDeflate } from '../../pwa/js/online/set-link.js';
import {
  BadSetLink, decodeSet, encodeSet,
} from '../../pwa/js/online/set-link.js';
import { LIMITS, RULES } from './rules.mjs';

// As app.json lists them: [key, step title, label, default, min, max].
const EXERCISES = [
  { id: 'grounding', timings: [['feet-floor.duration', 'Feet', 'Seconds', 20, 10, 90],
    ['long-breath-out.cycles', 'Breath', 'Breaths', 3, 1, 10]] },
  { id: 'protector', timings: [['safe-place.duration', 'Place', 'Seconds', 60, 20, 240]] },
  { id: 'secure-traits', timings: [] },
];

const APP = { exercises: EXERCISES, rules: RULES };

const SET = {
  title: 'Tussen de sessies',
  note: 'Doe dit als het even te veel wordt.\nNeem je tijd.',
  locale: 'nl',
  items: [
    { exercise: 'grounding', values: { 'feet-floor.duration': 45, 'long-breath-out.cycles': 5 }, note: 'Elke ochtend' },
    { exercise: 'protector', values: {}, note: '' },
    { exercise: 'secure-traits', values: {}, note: 'Als je wilt' },
  ],
  reminders: [{ days: [1, 3, 5], time: '08:30' }, { days: [7], time: '21:05' }],
};

const fromUrl = (text) => Buffer.from(text.slice(2), 'base64url');
const asLink = (bytes) => `1.${Buffer.from(bytes).toString('base64url')}`;
const withoutId = ({ id, source, ...rest }) => rest;

test('a set comes back from its link as it went in', async () => {
  const text = await encodeSet(SET);
  assert.match(text, /^1\.[A-Za-z0-9_-]+$/);
  const set = await decodeSet(text, APP);
  assert.deepEqual(withoutId(set), SET);
  assert.equal(set.source, 'link');
  assert.match(set.id, /^link-[0-9a-z]+$/);
});

test('without CompressionStream the link holds stored blocks that still decode', async () => {
  const stored = await encodeSet(SET, { native: false });
  const packed = await encodeSet(SET);
  assert.ok(stored.length > packed.length, 'stored blocks are not compressed');
  assert.equal(fromUrl(stored)[0], 1, 'one final stored block');
  const set = await decodeSet(stored, APP);
  assert.deepEqual(withoutId(set), SET);
  // The same set is the same set, however it was packed.
  assert.equal(set.id, (await decodeSet(packed, APP)).id);
});

test('without DecompressionStream the vendored inflater reads both kinds of link', async () => {
  for (const text of [await encodeSet(SET), await encodeSet(SET, { native: false })]) {
    assert.deepEqual(withoutId(await decodeSet(text, APP, { native: false })), SET);
  }
});

test('stored deflate is deflate that zlib reads, also past one block', async () => {
  const { inflateRawSync } = await import('node:zlib');
  const big = new Uint8Array(70000).map((_, i) => i % 251);
  assert.deepEqual(new Uint8Array(inflateRawSync(storedDeflate(big))), big);
  assert.deepEqual(new Uint8Array(inflateRawSync(storedDeflate(new Uint8Array()))), new Uint8Array());
});

const compact = (value) => asLink(deflateRawSync(Buffer.from(JSON.stringify(value))));

test('unknown exercises and values are left out, values brought within range, texts cut', async () => {
  const raw = [
    `  ${'T'.repeat(100)}  `, `A\u0000B\r\nC${'n'.repeat(2000)}`, 'en',
    [
      ['no-such-exercise', {}],
      ['grounding', { 'feet-floor.duration': 500, 'long-breath-out.cycles': 0, 'nope.duration': 3,
        'feet-floor.inhale': 4 }],
      ['protector', { 'safe-place.duration': 30.5 }, 'x'.repeat(400)],
      'grounding', [42], null,
      ...Array.from({ length: 20 }, () => ['secure-traits']),
    ],
    [[0, 60], [128, 60], [1, 1440], [1, -1], [1, '08:00'], ...Array.from({ length: 10 }, () => [127, 0])],
  ];
  const set = await decodeSet(compact(raw), APP);
  assert.equal(set.title, 'T'.repeat(LIMITS.title));
  assert.equal(set.note.length, LIMITS.note);
  assert.ok(set.note.startsWith('AB\nC'));
  assert.equal(set.items.length, LIMITS.items);
  assert.deepEqual(set.items[0], {
    exercise: 'grounding', values: { 'feet-floor.duration': 90, 'long-breath-out.cycles': 1 }, note: '',
  });
  assert.deepEqual(set.items[1].values, {});
  assert.equal(set.items[1].note.length, LIMITS.itemNote);
  assert.equal(set.reminders.length, LIMITS.reminders);
  assert.deepEqual(set.reminders[0], { days: [1, 2, 3, 4, 5, 6, 7], time: '00:00' });
});

test('an exercise suggested for the plan travels in the link; older links and readers still agree', async () => {
  const items = [
    { ...SET.items[0], plan: true }, SET.items[1],
    { exercise: 'secure-traits', values: {}, note: '', plan: true },
  ];
  const text = await encodeSet({ ...SET, items });
  const plain = await encodeSet({ ...SET, items: items.map(({ plan, ...item }) => item) });
  const set = await decodeSet(text, APP);
  assert.deepEqual(set.items, items);
  // One byte per suggestion before compression: "...,1" after an item's note.
  const [, , , packed] = JSON.parse(inflateRawSync(fromUrl(text)));
  assert.deepEqual(packed[2], ['secure-traits', {}, '', 1]);
  assert.deepEqual(packed[1], ['protector']);
  // A link made before suggestions reads as before: nothing suggested.
  assert.equal((await decodeSet(plain, APP)).items.some((item) => 'plan' in item), false);
  // Only 1 suggests; anything else in its place is left out.
  const odd = await decodeSet(
    compact(['T', '', 'nl', [['grounding', {}, '', true], ['protector', {}, '', 'x']]]), APP);
  assert.equal(odd.items.some((item) => 'plan' in item), false);
});

test('anything that is not a set is refused with BadSetLink', async () => {
  const refused = [
    '', 'abc', '2.AAAA', '1.', '1.!!!!', `1.${'A'.repeat(9000)}`, null, 42,
    asLink(Buffer.from('not deflate at all, just bytes')),
    asLink(deflateRawSync(Buffer.from('not json'))),
    asLink(deflateRawSync(Buffer.from([0xff, 0xfe, 0x22]))),
    compact({ title: 'x' }),
    compact(['', '', 'nl', [['grounding']]]),
    compact(['Title', '', 'fr', [['grounding']]]),
    compact(['Title', '', 'nl', []]),
    compact(['Title', '', 'nl', [['unknown']]]),
    // A bomb: a small link that inflates past any real set.
    asLink(deflateRawSync(Buffer.from(`["${' '.repeat(200000)}"]`))),
  ];
  for (const native of [true, false]) {
    for (const text of refused) {
      await assert.rejects(decodeSet(text, APP, { native }), BadSetLink, `${native} ${String(text).slice(0, 40)}`);
    }
  }
});
