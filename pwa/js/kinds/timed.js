// A prompt with a calm countdown ring; the step ends by itself.

const SVG = 'http://www.w3.org/2000/svg';
const RADIUS = 54;
const LENGTH = 2 * Math.PI * RADIUS;

export function segments(step, run) {
  return [{ ...run.base(step), ms: run.scaled(run.value(step, 'duration')) }];
}

/** Its length on the exercise page, at the run's values and pace. */
export function summary(step, run, say) {
  return say.length(Math.round(run.scaled(run.value(step, 'duration')) / 1000));
}

export function render(segment) {
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('viewBox', '0 0 120 120');
  svg.setAttribute('class', 'ring');
  svg.setAttribute('aria-hidden', 'true');
  const [track, arc] = ['ring-track', 'ring-arc'].map((name) => {
    const circle = document.createElementNS(SVG, 'circle');
    for (const [key, value] of [['cx', 60], ['cy', 60], ['r', RADIUS], ['class', name]]) {
      circle.setAttribute(key, String(value));
    }
    return circle;
  });
  arc.style.strokeDasharray = String(LENGTH);
  svg.append(track, arc);
  return {
    node: svg,
    update: ({ left }) => { arc.style.strokeDashoffset = String(LENGTH * (1 - left / segment.ms)); },
  };
}
