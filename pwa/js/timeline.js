// Turns an exercise's steps and the person's settings into the segments of one run.
// Pure: no DOM, no clock. A segment with `ms` ends by itself when its time is up; one with
// `ms === null` waits for the person.

const SECOND = 1000;

function bounded(bounds, override) {
  if (!bounds) return null;
  const { value, min, max } = bounds;
  return Number.isInteger(override) && override >= min && override <= max ? override : value;
}

/**
 * Build the run's segments.
 * @param exercise  the localized exercise data the page embeds
 * @param prefs     the person's settings (pace, ratings, overrides)
 * @param closingTitle  the translated title of the closing segment
 */
export function buildTimeline(exercise, prefs, closingTitle) {
  const overrides = prefs.overrides?.[exercise.id] ?? {};
  const pace = prefs.pace ?? 1;
  const scaled = (seconds) => Math.round(seconds * pace * SECOND);
  const value = (path, name, bounds) => bounded(bounds, overrides[`${path}.${name}`]);
  const segments = [];

  const add = (step, path, round) => {
    const base = { key: path, kind: step.kind, title: step.title, text: step.text, round };
    switch (step.kind) {
      case 'text':
        segments.push({ ...base, ms: null, minMs: scaled(step.min_pause ?? 0) });
        break;
      case 'timed':
        segments.push({ ...base, ms: scaled(value(path, 'duration', step.duration)) });
        break;
      case 'breath': {
        const breath = {
          inhale: scaled(value(path, 'inhale', step.inhale)),
          hold: scaled(value(path, 'hold', step.hold)),
          exhale: scaled(value(path, 'exhale', step.exhale)),
          cycles: value(path, 'cycles', step.cycles),
        };
        const cycle = breath.inhale + breath.hold + breath.exhale;
        segments.push({ ...base, ms: cycle * breath.cycles, breath });
        break;
      }
      case 'action': {
        const timeout = value(path, 'timeout', step.timeout);
        segments.push({ ...base, ms: timeout === null ? null : scaled(timeout), button: step.button });
        break;
      }
      case 'rate':
        if (prefs.ratings !== false) segments.push({ ...base, ms: null, moment: step.moment });
        break;
      case 'note':
        segments.push({ ...base, ms: null, noteKey: step.key });
        break;
      case 'rounds': {
        const total = value(path, 'rounds', step.rounds);
        for (let n = 1; n <= total; n += 1) {
          step.steps.forEach((inner, index) => add(inner, `${path}.${index + 1}`, { n, total }));
        }
        break;
      }
      default:
        throw new Error(`unknown step kind ${step.kind}`);
    }
  };

  exercise.steps.forEach((step, index) => add(step, String(index + 1), null));
  segments.push({
    key: 'closing', kind: 'text', title: closingTitle, text: exercise.closing,
    round: null, ms: null, minMs: 0, closing: true,
  });
  return segments;
}

/** Where in a breath the person is, `elapsed` ms into a breath segment. */
export function breathPhase(breath, elapsed) {
  const cycleMs = breath.inhale + breath.hold + breath.exhale;
  const cycle = Math.min(breath.cycles - 1, Math.floor(elapsed / cycleMs));
  const within = elapsed - cycle * cycleMs;
  if (within < breath.inhale) {
    return { cycle: cycle + 1, phase: 'in', phaseMs: breath.inhale, left: breath.inhale - within };
  }
  if (within < breath.inhale + breath.hold) {
    return { cycle: cycle + 1, phase: 'hold', phaseMs: breath.hold,
      left: breath.inhale + breath.hold - within };
  }
  return { cycle: cycle + 1, phase: 'out', phaseMs: breath.exhale, left: Math.max(0, cycleMs - within) };
}
