// The run's segments from an exercise and the person's settings (pwa/js/timeline.js).
import assert from 'node:assert/strict';
import { test } from 'node:test';

import * as breath from '../../pwa/js/kinds/breath.js';
import * as rounds from '../../pwa/js/kinds/rounds.js';
import * as rate from '../../pwa/js/kinds/rate.js';
import * as text from '../../pwa/js/kinds/text.js';
import * as timed from '../../pwa/js/kinds/timed.js';
import * as action from '../../pwa/js/kinds/action.js';
import {
  bounded, buildTimeline, estimateSeconds, kindsOf, pacing, stepsOf,
} from '../../pwa/js/timeline.js';

const KINDS = { breath, rounds, rate, text, timed, action };
const range = (value, min, max) => ({ value, min, max });

const EXERCISE = {
  id: 'sample',
  closing: 'Look around.',
  steps: [
    { id: 'before', kind: 'rate', title: 'B', text: 'b', moment: 'before' },
    { id: 'agree', kind: 'text', title: 'A', text: 'a', min_pause: 10 },
    { id: 'arrive', kind: 'timed', title: 'Arrive', text: 't', duration: range(30, 10, 120) },
    {
      id: 'practise', kind: 'rounds', title: 'R', text: 'r', rounds: range(2, 1, 5),
      steps: [
        { id: 'say-stop', kind: 'action', title: 'S', text: 's', button: 'STOP', timeout: range(60, 15, 300) },
        { id: 'notice', kind: 'timed', title: 'N', text: 'n', duration: range(20, 10, 60) },
      ],
    },
    {
      id: 'breathe', kind: 'breath', title: 'Br', text: 'br',
      inhale: range(4, 2, 8), hold: range(0, 0, 0), exhale: range(6, 2, 10), cycles: range(3, 1, 10),
    },
  ],
};

test('segments follow the steps, rounds repeated, with the closing last', () => {
  const segments = buildTimeline(EXERCISE, {}, 'Closing', KINDS);
  assert.deepEqual(segments.map((s) => s.key), [
    'before', 'agree', 'arrive', 'say-stop', 'notice', 'say-stop', 'notice', 'breathe', 'closing',
  ]);
  assert.deepEqual(segments[3].round, { n: 1, total: 2 });
  assert.deepEqual(segments[6].round, { n: 2, total: 2 });
  assert.equal(segments[2].ms, 30_000);
  assert.equal(segments[7].ms, 3 * 10_000);
  assert.equal(segments[1].ms, null);
  assert.equal(segments[1].minMs, 10_000);
  assert.equal(segments.at(-1).closing, true);
});

test('the pace stretches every duration, the minimum pause too', () => {
  const segments = buildTimeline(EXERCISE, { pace: 2 }, 'Closing', KINDS);
  assert.equal(segments[1].minMs, 20_000);
  assert.equal(segments[2].ms, 60_000);
  assert.equal(segments[3].ms, 120_000);
});

test('overrides are found by step id, clamped to the range; others are dropped', () => {
  const prefs = {
    overrides: {
      sample: { 'arrive.duration': 45, 'notice.duration': 500, 'practise.rounds': 0, 'gone.duration': 9, '3.duration': 99 },
    },
  };
  const segments = buildTimeline(EXERCISE, prefs, 'Closing', KINDS);
  assert.equal(segments.find((s) => s.key === 'arrive').ms, 45_000);
  assert.equal(segments.find((s) => s.key === 'notice').ms, 60_000, 'clamped to the top');
  assert.equal(segments.filter((s) => s.key === 'say-stop').length, 1, 'clamped to one round');
});

test('ratings are left out when the person does not want them', () => {
  const segments = buildTimeline(EXERCISE, { ratings: false }, 'Closing', KINDS);
  assert.ok(!segments.some((s) => s.kind === 'rate'));
});

test('an unknown kind is a programmer mistake', () => {
  const broken = { ...EXERCISE, steps: [{ id: 'x', kind: 'dance', title: '', text: '' }] };
  assert.throws(() => buildTimeline(broken, {}, 'Closing', KINDS), /unknown step kind dance/);
});

test('bounded keeps whole numbers within the range and ignores anything else', () => {
  assert.equal(bounded(range(5, 1, 9), 7), 7);
  assert.equal(bounded(range(5, 1, 9), 70), 9);
  assert.equal(bounded(range(5, 1, 9), -3), 1);
  assert.equal(bounded(range(5, 1, 9), 2.5), 5);
  assert.equal(bounded(range(5, 1, 9), '7'), 5);
  assert.equal(bounded(null, 7), null);
});

test('kindsOf lists what an exercise needs, the closing text included', () => {
  assert.deepEqual(kindsOf(EXERCISE).sort(), ['action', 'breath', 'rate', 'rounds', 'text', 'timed']);
});

test('breathPhase walks in, hold and out', () => {
  const pattern = { inhale: 4000, hold: 2000, exhale: 6000, cycles: 2 };
  assert.deepEqual(breath.breathPhase(pattern, 1000), { cycle: 1, phase: 'in', phaseMs: 4000, left: 3000 });
  assert.equal(breath.breathPhase(pattern, 5000).phase, 'hold');
  assert.equal(breath.breathPhase(pattern, 7000).phase, 'out');
  assert.deepEqual(breath.breathPhase(pattern, 13_000).cycle, 2);
  assert.equal(breath.breathPhase(pattern, 99_000).cycle, 2, 'never past the last breath');
});

// The server's estimates for the steps that wait for the person (server/exercises/kinds.py).
const ESTIMATED = {
  ...EXERCISE,
  closing_estimate: 4,
  steps: EXERCISE.steps.map((step) => ({
    ...step,
    estimate: { before: 10, agree: 12, practise: 0 }[step.id] ?? 0,
    steps: step.steps?.map((inner) => ({ ...inner, estimate: inner.kind === 'action' ? 20 : 0 })),
  })),
};

test('a run is as long as its timed parts and the server\'s estimates for the rest', () => {
  const seconds = (prefs) => estimateSeconds(ESTIMATED, buildTimeline(ESTIMATED, prefs, 'C', KINDS));
  // rate 10, text 12, timed 30, 2 × (action 60 + timed 20), breath 3 × 10, closing 4
  assert.equal(seconds({}), 10 + 12 + 30 + 2 * 80 + 30 + 4);
  // One round, and no rating: the round's action and timed step are counted once.
  assert.equal(seconds({ ratings: false, overrides: { sample: { 'practise.rounds': 1 } } }), 12 + 30 + 80 + 30 + 4);
  // Twice as slow: what is timed doubles, the minimum pause too; reading does not.
  assert.equal(seconds({ pace: 2 }), 10 + 20 + 2 * 30 + 2 * 2 * 80 + 2 * 30 + 4);
});

test('each kind says its value on the exercise page at the run\'s values and pace', () => {
  const say = { length: (s) => `${s} s`, count: (key, n) => `${n} ${key}` };
  const run = pacing(EXERCISE, { pace: 1.5, overrides: { sample: { 'breathe.cycles': 6, 'practise.rounds': 4 } } });
  const [, , arrive, practise, breathe] = EXERCISE.steps;
  assert.equal(timed.summary(arrive, run, say), '45 s');
  assert.equal(rounds.summary(practise, run, say), '4 rounds');
  assert.equal(breath.summary(breathe, run, say), '6 breaths');
  assert.equal(text.summary, undefined, 'the server\'s words stand for a step that waits');
});

test('stepsOf walks the steps as the exercise page lists them', () => {
  assert.deepEqual(stepsOf(EXERCISE.steps).map((step) => step.id),
    ['before', 'agree', 'arrive', 'practise', 'say-stop', 'notice', 'breathe']);
});
