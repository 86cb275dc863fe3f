// Turns an exercise (the JSON document the page carries) and the person's settings into the
// segments of one run. Each step kind lays out its own segments (pwa/js/kinds/<kind>.js);
// this module applies the overrides and the pace. Pure: no DOM, no clock. A segment with `ms`
// ends by itself when its time is up; one with `ms === null` waits for the person.

const SECOND = 1000;

/** The value of `bounds` ({value, min, max}, or null), or an override clamped to the range. */
export function bounded(bounds, override) {
  if (!bounds) return null;
  const { value, min, max } = bounds;
  return Number.isInteger(override) ? Math.min(max, Math.max(min, override)) : value;
}

/**
 * Build the run's segments.
 * @param exercise  the exercise as the page carries it ({id, closing, steps})
 * @param prefs     the person's settings (pace, ratings, overrides by "<step id>.<field>")
 * @param closingTitle  the translated title of the closing segment
 * @param kinds     the step kinds' modules by name
 */
export function buildTimeline(exercise, prefs, closingTitle, kinds) {
  const run = {
    ...pacing(exercise, prefs),
    segments: (step, round = null) => {
      const kind = kinds[step.kind];
      if (!kind) throw new Error(`unknown step kind ${step.kind}`);
      const base = (inner) => ({ key: inner.id, kind: inner.kind, title: inner.title, text: inner.text, round });
      return kind.segments(step, { ...run, base });
    },
  };
  const segments = exercise.steps.flatMap((step) => run.segments(step));
  segments.push({
    key: 'closing', kind: 'text', title: closingTitle, text: exercise.closing,
    round: null, ms: null, minMs: 0, closing: true,
  });
  return segments;
}

/** A step's values in a run: `value(step, name)` with the person's or a set's override,
 * `scaled(seconds)` in ms at the person's pace. */
export function pacing(exercise, prefs) {
  const overrides = prefs.overrides?.[exercise.id] ?? {};
  const pace = prefs.pace ?? 1;
  return {
    prefs,
    scaled: (seconds) => Math.round(seconds * pace * SECOND),
    value: (step, name) => bounded(step[name], overrides[`${step.id}.${name}`]),
  };
}

/** About how many seconds a run of `segments` takes: a timed one as timed, one that waits for
 * the person as the server estimates the step (its `estimate`), the closing as long as reading
 * it. At the defaults this is the server's own estimate (server/exercises/model.py). */
export function estimateSeconds(exercise, segments) {
  const estimates = new Map(stepsOf(exercise.steps).map((step) => [step.id, step.estimate ?? 0]));
  return segments.reduce((sum, segment) => sum + (
    segment.closing ? exercise.closing_estimate ?? 0
      : segment.ms !== null ? segment.ms / SECOND
        : Math.max((segment.minMs ?? 0) / SECOND, estimates.get(segment.key) ?? 0)), 0);
}

/** The steps and the steps inside them, in the order of the file (and of the exercise page). */
export function stepsOf(steps) {
  return steps.flatMap((step) => [step, ...stepsOf(step.steps ?? [])]);
}

/** The step kinds an exercise uses, the closing's included. */
export function kindsOf(exercise) {
  return [...new Set(['text', ...stepsOf(exercise.steps).map((step) => step.kind)])];
}
