// A run's state, kept from timestamps (pwa/js/runstate.js).
import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  elapsed, finish, goTo, pause, remaining, resume, startRun, sync, toRecord,
} from '../../pwa/js/runstate.js';

const SEGMENTS = [{ ms: 10_000 }, { ms: 20_000 }, { ms: null }, { ms: 5_000 }];
const T0 = Date.UTC(2026, 10, 20, 8, 0, 0);

test('sync moves through every segment whose time is up, and stops at one that waits', () => {
  const run = startRun('x', T0, 'id');
  const { state, transitions } = sync(run, SEGMENTS, T0 + 35_000);
  assert.equal(state.index, 2);
  assert.deepEqual(transitions, [{ index: 1, at: T0 + 10_000 }, { index: 2, at: T0 + 30_000 }]);
  assert.equal(remaining(state, SEGMENTS, T0 + 35_000), null);
});

test('a pause freezes the clock and is not counted as practice', () => {
  let run = startRun('x', T0, 'id');
  run = pause(run, T0 + 4_000);
  assert.equal(elapsed(run, T0 + 600_000), 4_000);
  assert.equal(sync(run, SEGMENTS, T0 + 600_000).state.index, 0);
  run = resume(run, T0 + 604_000);
  assert.equal(remaining(run, SEGMENTS, T0 + 604_000), 6_000);
  run = finish(run, T0 + 610_000, 'stopped');
  assert.deepEqual(toRecord(run).seconds, 10);
  assert.equal(toRecord(run).status, 'stopped');
});

test('going to a step starts it now; past the last completes the run', () => {
  let run = startRun('x', T0, 'id', 'set-1');
  run = goTo(run, SEGMENTS, 3, T0 + 1_000);
  assert.equal(run.index, 3);
  assert.equal(remaining(run, SEGMENTS, T0 + 2_000), 4_000);
  run = goTo(run, SEGMENTS, 4, T0 + 3_000);
  assert.equal(run.status, 'completed');
  const record = toRecord(run);
  assert.equal(record.set, 'set-1');
  assert.equal(record.seconds, 3);
  assert.equal(record.startedAt, new Date(T0).toISOString());
});

test('pausing twice or resuming a running run changes nothing', () => {
  const run = startRun('x', T0, 'id');
  assert.equal(resume(run, T0 + 1), run);
  const paused = pause(run, T0 + 5);
  assert.equal(pause(paused, T0 + 9), paused);
});
