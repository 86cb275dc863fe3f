// A shape that grows and shrinks with the breath: in, (hold), out. Under reduced motion the
// shape stays still and the seconds are counted instead (the CSS decides).

import { element } from '../dom.js';

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

export function segments(step, run) {
  const breath = {
    inhale: run.scaled(run.value(step, 'inhale')),
    hold: run.scaled(run.value(step, 'hold')),
    exhale: run.scaled(run.value(step, 'exhale')),
    cycles: run.value(step, 'cycles'),
  };
  const cycle = breath.inhale + breath.hold + breath.exhale;
  return [{ ...run.base(step), ms: cycle * breath.cycles, breath }];
}

/** How many breaths, on the exercise page. */
export function summary(step, run, say) {
  return say.count('breaths', run.value(step, 'cycles'));
}

export function render(segment, player) {
  const wrap = element('div', { class: 'breath' });
  const shape = element('div', { class: 'breath-shape', 'aria-hidden': 'true' });
  // Read out when the phase changes (politely), so the breath can be followed without looking.
  const label = element('p', { class: 'breath-label', 'aria-live': 'polite' });
  const count = element('p', { class: 'breath-count' });
  wrap.append(shape, label, count);
  const words = { in: player.t('breathe_in'), hold: player.t('hold'), out: player.t('breathe_out') };
  let shown = null;
  return {
    node: wrap,
    // Wake the player when the phase changes, not only on whole seconds.
    nextChange: ({ elapsed }) => breathPhase(segment.breath, elapsed).left,
    update: ({ elapsed }) => {
      const phase = breathPhase(segment.breath, elapsed);
      label.textContent = `${words[phase.phase]} · ${player.t('breath_of', { n: phase.cycle, total: segment.breath.cycles })}`;
      const second = Math.min(Math.floor((phase.phaseMs - phase.left) / 1000) + 1,
        Math.max(1, Math.round(phase.phaseMs / 1000)));
      count.textContent = String(second);
      const key = `${phase.phase}${phase.cycle}`;
      if (key !== shown) {
        shown = key;
        shape.style.transitionDuration = `${phase.left}ms`;
        shape.dataset.phase = phase.phase;
      }
    },
  };
}
