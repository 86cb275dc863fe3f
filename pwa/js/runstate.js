// The state of one run, kept from timestamps rather than counted ticks: wherever the clock is,
// `sync` puts the run where it should be, after a locked screen, a hidden tab or a reload.
// Pure: every function takes `now` (ms since the epoch) and returns a new state.

export function startRun(exercise, now, id, set = null) {
  return {
    v: 1, id, exercise, set, startedAt: now, index: 0, segStart: now,
    pausedAt: null, pausedMs: 0, status: 'running', before: null, after: null,
    notes: {}, taps: 0,
  };
}

/** How far into the current segment the run is, in ms (frozen while paused). */
export function elapsed(state, now) {
  const at = state.pausedAt ?? now;
  return Math.max(0, at - state.segStart);
}

/** Time left in the current segment, or null when it waits for the person. */
export function remaining(state, segments, now) {
  const segment = segments[state.index];
  if (!segment || segment.ms === null) return null;
  return Math.max(0, segment.ms - elapsed(state, now));
}

/**
 * Move through every timed segment whose time is up. Returns {state, transitions}, where each
 * transition is {index, at}: the segment entered and the moment it was due.
 */
export function sync(state, segments, now) {
  if (state.status !== 'running' || state.pausedAt !== null) return { state, transitions: [] };
  let { index, segStart } = state;
  const transitions = [];
  while (index < segments.length && segments[index].ms !== null
         && now >= segStart + segments[index].ms) {
    segStart += segments[index].ms;
    index += 1;
    transitions.push({ index, at: segStart });
  }
  // The closing segment waits for the person, so a run never runs past its end by itself.
  return { state: { ...state, index, segStart }, transitions };
}

export function pause(state, now) {
  if (state.pausedAt !== null || state.status !== 'running') return state;
  return { ...state, pausedAt: now };
}

export function resume(state, now) {
  if (state.pausedAt === null) return state;
  const paused = now - state.pausedAt;
  return { ...state, pausedAt: null, segStart: state.segStart + paused,
    pausedMs: state.pausedMs + paused };
}

/** Go to segment `index` now (next, back, a tap on the big button). */
export function goTo(state, segments, index, now) {
  if (index >= segments.length) return finish(state, now, 'completed');
  const target = Math.max(0, index);
  const pausedMs = state.pausedAt === null ? state.pausedMs : state.pausedMs + (now - state.pausedAt);
  return { ...state, index: target, segStart: now, pausedAt: null, pausedMs };
}

export function finish(state, now, status) {
  const pausedMs = state.pausedAt === null ? state.pausedMs : state.pausedMs + (now - state.pausedAt);
  return { ...state, status, pausedAt: null, pausedMs, endedAt: now };
}

/** The run as it is logged: length without pauses, how it ended, ratings and notes. */
export function toRecord(state) {
  const ended = state.endedAt ?? state.startedAt;
  return {
    id: state.id,
    exercise: state.exercise,
    set: state.set,
    startedAt: new Date(state.startedAt).toISOString(),
    seconds: Math.max(0, Math.round((ended - state.startedAt - state.pausedMs) / 1000)),
    status: state.status === 'completed' ? 'completed' : 'stopped',
    before: state.before,
    after: state.after,
    notes: state.notes,
  };
}
