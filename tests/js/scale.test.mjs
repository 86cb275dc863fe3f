// The scale step's segments and the place it keeps (pwa/js/kinds/scale.js).
import assert from 'node:assert/strict';
import { test } from 'node:test';

import * as rate from '../../pwa/js/kinds/rate.js';
import * as scale from '../../pwa/js/kinds/scale.js';
import * as text from '../../pwa/js/kinds/text.js';
import { buildTimeline, kindsOf } from '../../pwa/js/timeline.js';

const KINDS = { rate, scale, text };
const STEP = {
  id: 'place', kind: 'scale', title: 'Your place', text: 'Where are you?',
  key: 'middle-place', left: 'All black', right: 'All white', places: 7,
};
const EXERCISE = {
  id: 'sample',
  closing: 'Look around.',
  steps: [{ id: 'before', kind: 'rate', title: 'B', text: 'b', moment: 'before' }, STEP],
};

test('a scale is one segment that waits for the person, with its ends and places', () => {
  const segments = buildTimeline(EXERCISE, {}, 'Closing', KINDS);
  assert.deepEqual(segments.map((s) => s.key), ['before', 'place', 'closing']);
  const [, place] = segments;
  assert.equal(place.kind, 'scale');
  assert.equal(place.ms, null, 'nothing runs out while the person chooses');
  assert.equal(place.title, 'Your place');
  assert.equal(place.left, 'All black');
  assert.equal(place.right, 'All white');
  assert.equal(place.places, 7);
  assert.deepEqual(kindsOf(EXERCISE).sort(), ['rate', 'scale', 'text']);
});

test('the place is kept beside the notes, under a name no note key can take', () => {
  const [, place] = buildTimeline(EXERCISE, {}, 'Closing', KINDS);
  // Note keys are lower-case letters and dashes: a dot never occurs in them.
  assert.equal(place.scaleKey, 'scale.middle-place');
  assert.equal(place.noteKey, undefined, 'the words from last time list only notes');
});

test('a scale stays when ratings are turned off, unlike the ratings', () => {
  const segments = buildTimeline(EXERCISE, { ratings: false }, 'Closing', KINDS);
  assert.deepEqual(segments.map((s) => s.key), ['place', 'closing']);
});

test('a kept place reads back as the same place', () => {
  for (let place = 1; place <= 7; place += 1) {
    assert.equal(scale.placeFrom(scale.keptPlace(place, 7), 7), place);
  }
  assert.equal(scale.keptPlace(4, 7), '4/7');
});

test('a place kept on a scale with other places keeps its position between the ends', () => {
  assert.equal(scale.placeFrom('1/5', 7), 1);
  assert.equal(scale.placeFrom('3/5', 7), 4, 'the middle stays the middle');
  assert.equal(scale.placeFrom('5/5', 7), 7);
  assert.equal(scale.placeFrom('2/7', 3), 1);
  assert.equal(scale.placeFrom('6/7', 3), 3);
});

test('nothing, or something damaged, gives no place', () => {
  for (const kept of [undefined, null, '', 'a few words', '0/7', '8/7', '1/1', '3/', '-1/7', '2.5/7']) {
    assert.equal(scale.placeFrom(kept, 7), null, String(kept));
  }
});

test('the places are named by their end, the middle by itself, no two alike', () => {
  const t = (key, values = {}) => ({
    scale_middle: 'In the middle', scale_near: `near ${values.end}`, scale_close: `close to ${values.end}`,
  })[key];
  const segment = { left: 'All black', right: 'All white', places: 7 };
  const names = (places) => Array.from({ length: places },
    (_, i) => scale.placeName(i + 1, { ...segment, places }, t));
  assert.deepEqual(names(7), [
    'All black', 'close to All black', 'near All black', 'In the middle',
    'near All white', 'close to All white', 'All white',
  ]);
  // An even number of places has no middle.
  assert.deepEqual(names(4), ['All black', 'near All black', 'near All white', 'All white']);
  assert.deepEqual(names(6), [
    'All black', 'close to All black', 'near All black', 'near All white', 'close to All white', 'All white',
  ]);
  assert.deepEqual(names(5), ['All black', 'near All black', 'In the middle', 'near All white', 'All white']);
  for (let places = 3; places <= 7; places += 1) {
    assert.equal(new Set(names(places)).size, places, `${places} places, each its own name`);
  }
});
