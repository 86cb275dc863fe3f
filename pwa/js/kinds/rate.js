// A 0–10 rating of distress, skippable; asked only when the person wants ratings.

import { element } from '../dom.js';

// The form has its own ways on (save, skip); a second "Next" would only confuse.
export const ownButtons = true;

export function segments(step, run) {
  return run.prefs.ratings === false ? [] : [{ ...run.base(step), ms: null, moment: step.moment }];
}

export function render(segment, player) {
  const form = element('form', { class: 'rating' });
  const id = `rating-${segment.key}`;
  const label = element('label', { for: id }, player.t('rate_label'));
  const input = element('input', {
    type: 'range', id, min: '0', max: '10', step: '1', value: '5',
    'aria-describedby': `${id}-scale`,
  });
  const output = element('output', { for: id, class: 'rating-value' }, '5');
  input.addEventListener('input', () => { output.textContent = input.value; });
  const scale = element('p', { id: `${id}-scale`, class: 'rating-scale' });
  scale.append(element('span', {}, player.t('rate_low')), element('span', {}, player.t('rate_high')));
  const save = element('button', { type: 'submit', class: 'button primary' }, player.t('rate_save'));
  const skip = element('button', { type: 'button', class: 'button' }, player.t('skip'));
  skip.addEventListener('click', () => player.next());
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    player.rate(Number(input.value));
  });
  const buttons = element('p', { class: 'call-buttons' });
  buttons.append(save, skip);
  form.append(label, output, input, scale, buttons);
  return { node: form };
}
