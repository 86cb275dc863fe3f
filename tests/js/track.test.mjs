// Where the bells fall in the run's audio track, and the track's bytes (pwa/js/track.js).
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { goTo, pause, resume, startRun, sync } from '../../pwa/js/runstate.js';
import {
  BELL_MS, RATE, bellPlan, chunkOf, correction, mulaw, positionIn, renderWav, sounding,
} from '../../pwa/js/track.js';

// Timed 20 s, timed 30 s, a text that waits, timed 10 s, the closing (waits).
const SEGMENTS = [{ ms: 20_000 }, { ms: 30_000 }, { ms: null }, { ms: 10_000 }, { ms: null }];
const T0 = Date.UTC(2026, 10, 20, 8, 0, 0);

function decodeMulaw(code) {
  const u = ~code & 0xff;
  const exponent = (u >> 4) & 7;
  const magnitude = ((((u & 0x0f) << 3) + 0x84) << exponent) - 0x84;
  return ((u & 0x80) ? -magnitude : magnitude) / 32768;
}

/** The samples of a WAV file this module wrote, as numbers in [-1, 1]. */
function readWav(bytes) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const text = (at) => String.fromCharCode(...bytes.subarray(at, at + 4));
  assert.equal(text(0), 'RIFF');
  assert.equal(view.getUint32(4, true), bytes.length - 8);
  assert.equal(text(8), 'WAVE');
  const format = { tag: view.getUint16(20, true), channels: view.getUint16(22, true),
    rate: view.getUint32(24, true), bits: view.getUint16(34, true) };
  let at = 12;
  while (text(at) !== 'data') at += 8 + view.getUint32(at + 4, true);
  const size = view.getUint32(at + 4, true);
  assert.equal(at + 8 + size, bytes.length);
  const samples = [];
  for (let i = at + 8; i < at + 8 + size; i += format.bits / 8) {
    samples.push(format.tag === 7 ? decodeMulaw(bytes[i]) : view.getInt16(i, true) / 32768);
  }
  return { format, samples };
}

/** The first sample of every sound that follows at least half a second of silence. */
function onsets(samples) {
  const found = [];
  let quiet = 0;
  for (const [i, value] of samples.entries()) {
    if (value === 0) {
      quiet += 1;
    } else {
      if (quiet >= RATE / 2) found.push(i);
      quiet = 0;
    }
  }
  return found;
}

// A stand-in bell: a decaying tone as long as the real one.
const BELL = Float32Array.from({ length: (BELL_MS * RATE) / 1000 },
  (_, i) => 0.3 * Math.cos(i / 3) * Math.exp(-i / 4000));

test('a bell at the end of every step that ends by itself, up to one that waits', () => {
  assert.deepEqual(bellPlan(SEGMENTS, 0), { index: 0, bells: [20_000, 50_000], starts: [0, 20_000, 50_000], end: 50_000 });
  assert.deepEqual(bellPlan(SEGMENTS, 1).bells, [30_000]);
  assert.deepEqual(bellPlan(SEGMENTS, 2).bells, [], 'a step that waits has no bell ahead');
  assert.deepEqual(bellPlan(SEGMENTS, 2, true).bells, [0], 'the person moved on: a bell now');
  assert.deepEqual(bellPlan(SEGMENTS, 3, true).bells, [0, 10_000]);
  assert.deepEqual(bellPlan([{ ms: 5_000 }, { ms: 0 }, { ms: null }], 0).bells, [5_000],
    'two changes at once ring once');
});

test('the position follows the run through its steps and pauses', () => {
  const plan = bellPlan(SEGMENTS, 0);
  let run = startRun('x', T0, 'id');
  run = sync(run, SEGMENTS, T0 + 25_000).state;
  assert.equal(run.index, 1);
  assert.equal(positionIn(plan, run, T0 + 25_000), 25_000);
  run = pause(run, T0 + 25_000);
  assert.equal(positionIn(plan, run, T0 + 600_000), 25_000, 'a paused run stands still');
  run = resume(run, T0 + 600_000);
  run = sync(run, SEGMENTS, T0 + 626_000).state;
  assert.equal(run.index, 2);
  assert.equal(positionIn(plan, run, T0 + 626_000), 51_000);
  const back = goTo(run, SEGMENTS, 0, T0 + 630_000);
  assert.equal(positionIn(bellPlan(SEGMENTS, 1), back, T0 + 630_000), null,
    'a run moved before the plan has left it');
});

test('a track holds the bells still to come, ends where no bell sounds, and says when more follows', () => {
  const plan = bellPlan(SEGMENTS, 0);
  assert.deepEqual(chunkOf(plan, 0), { from: 0, to: 53_000, bells: [20_000, 50_000], more: false });
  assert.deepEqual(chunkOf(plan, 30_000), { from: 30_000, to: 53_000, bells: [50_000], more: false });
  assert.equal(chunkOf(plan, 53_000), null, 'nothing left to sound');
  // A short horizon stops between bells, never inside one.
  assert.deepEqual(chunkOf(plan, 0, 10_000), { from: 0, to: 10_000, bells: [], more: true });
  assert.deepEqual(chunkOf(plan, 0, 21_000), { from: 0, to: 23_000, bells: [20_000], more: true });
  // A bell that started just before the track is kept, so its fade is not lost.
  assert.deepEqual(chunkOf(plan, 21_000).bells, [20_000, 50_000]);
});

test('the playhead is moved only when it is off, and never inside a bell', () => {
  const bells = [20_000];
  assert.equal(correction(bells, 10_000, 10_020), null, 'within the tolerance');
  assert.equal(correction(bells, 10_000, 10_100), 10_100);
  assert.equal(correction(bells, 5_000, 4_900), 4_900, 'back as well as forward');
  assert.equal(correction(bells, 20_050, 20_150), null, 'a sounding bell is not cut');
  assert.equal(correction(bells, 19_900, 20_100), null, 'nor is one about to be skipped');
  assert.equal(correction(bells, 19_500, 19_800, 150), 19_800);
  assert.equal(correction(bells, 19_500, 19_900, 150), null, 'nor one that starts while it moves');
  assert.equal(sounding(bells, 20_000 + BELL_MS - 1), true);
  assert.equal(sounding(bells, 20_000 + BELL_MS), false);
});

test('µ-law keeps silence silent, and loud and soft samples close', () => {
  assert.equal(mulaw(0), 0xff);
  assert.equal(decodeMulaw(mulaw(0)), 0);
  for (const value of [0.9, -0.5, 0.01, -0.001, 0.0002]) {
    const back = decodeMulaw(mulaw(value));
    assert.ok(Math.abs(back - value) <= Math.abs(value) * 0.07 + 0.00005, `${value} came back as ${back}`);
  }
  assert.ok(decodeMulaw(mulaw(2)) < 1 && decodeMulaw(mulaw(-2)) > -1, 'clipped, not wrapped');
});

for (const format of ['mulaw', 'pcm16']) {
  test(`a ${format} track puts each bell at its exact sample`, () => {
    const chunk = chunkOf(bellPlan(SEGMENTS, 0, true), 250);
    const { format: seen, samples } = readWav(renderWav(BELL, chunk, format));
    assert.deepEqual(seen, { tag: format === 'mulaw' ? 7 : 1, channels: 1, rate: RATE,
      bits: format === 'mulaw' ? 8 : 16 });
    assert.equal(samples.length, ((chunk.to - chunk.from) * RATE) / 1000);
    // The bell at 0 began before this track: its fade is there, then the two bells to come.
    assert.notEqual(samples[0], 0);
    assert.deepEqual(onsets(samples), [20_000, 50_000].map((at) => ((at - 250) * RATE) / 1000));
  });
}

test('bells closer together than a bell sound over each other', () => {
  const plan = bellPlan([{ ms: 1_000 }, { ms: 1_000 }, { ms: null }], 0);
  const { samples } = readWav(renderWav(BELL, chunkOf(plan, 0), 'pcm16'));
  // The bells fall at 1 s and 2 s: the second starts while the first still sounds.
  for (let k = 0; k < 100; k += 1) {
    const both = BELL[RATE + k] + BELL[k];
    assert.ok(Math.abs(samples[2 * RATE + k] - both) < 0.001, `${samples[2 * RATE + k]} is not ${both}`);
  }
  assert.ok(Math.max(...BELL.slice(RATE, RATE + 100).map(Math.abs)) > 0.02, 'the first one still sounds');
});
