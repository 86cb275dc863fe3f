// One big button to tap ("STOP", "GA TERUG"); the run goes on at the tap, or after the timeout.

import { element } from '../dom.js';

export function segments(step, run) {
  const timeout = run.value(step, 'timeout');
  return [{ ...run.base(step), ms: timeout === null ? null : run.scaled(timeout), button: step.button }];
}

export function render(segment, player) {
  const button = element('button', { type: 'button', class: 'action-button' }, segment.button);
  button.addEventListener('click', () => player.tap());
  return { node: button };
}
