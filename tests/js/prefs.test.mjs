// The person's settings: what is kept, and what the form may save (pwa/js/prefs.js).
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { DEFAULTS, loadPrefs, sanitize, savePrefs, validate } from '../../pwa/js/prefs.js';

class MemoryStorage {
  constructor() { this.items = new Map(); }
  getItem(key) { return this.items.get(key) ?? null; }
  setItem(key, value) { this.items.set(key, String(value)); }
}

test('a damaged store gives the defaults, never an error', () => {
  const storage = new MemoryStorage();
  storage.setItem('houvast.prefs', '{not json');
  assert.deepEqual(loadPrefs(storage), { ...DEFAULTS, overrides: {} });
  assert.deepEqual(sanitize({ pace: 9, volume: -1, bell: 'yes', motion: 'wild' }), { ...DEFAULTS, overrides: {} });
});

test('only whole, non-negative overrides are kept, by exercise and step id', () => {
  const prefs = sanitize({ overrides: { grounding: { 'feet-floor.duration': 40, 'x.duration': 2.5, 'y.cycles': -1 }, bad: 3 } });
  assert.deepEqual(prefs.overrides, { grounding: { 'feet-floor.duration': 40 } });
});

test('saving and loading round-trips', () => {
  const storage = new MemoryStorage();
  savePrefs({ ...DEFAULTS, pace: 1.5, voice: true, overrides: { a: { 'b.duration': 30 } } }, storage);
  const loaded = loadPrefs(storage);
  assert.equal(loaded.pace, 1.5);
  assert.equal(loaded.voice, true);
  assert.deepEqual(loaded.overrides, { a: { 'b.duration': 30 } });
});

const TIMINGS = [{ exercise: 'grounding', key: 'feet-floor.duration', min: 10, max: 90, value: 20 }];

test('the form saves only valid values, and names each problem', () => {
  const good = validate({ pace: '1,5', volume: '40', 'grounding:feet-floor.duration': '45' }, TIMINGS);
  assert.deepEqual(good.errors, {});
  assert.equal(good.prefs.pace, 1.5);
  assert.deepEqual(good.prefs.overrides, { grounding: { 'feet-floor.duration': 45 } });
  const bad = validate({ pace: '3', volume: 'loud', 'grounding:feet-floor.duration': '200' }, TIMINGS);
  assert.deepEqual(Object.keys(bad.errors).sort(), ['grounding:feet-floor.duration', 'pace', 'volume']);
  assert.deepEqual(bad.errors['grounding:feet-floor.duration'], { code: 'error_range', min: 10, max: 90 });
});

test('the default value is not stored as an override', () => {
  const { prefs } = validate({ pace: '1', volume: '30', 'grounding:feet-floor.duration': '20' }, TIMINGS);
  assert.deepEqual(prefs.overrides, {});
});
