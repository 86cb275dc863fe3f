// A 0–10 rating of tension or distress, chosen with a tap on a number (never by dragging),
// with nothing chosen at first; skippable, and asked only when the person wants ratings.

import { element } from '../dom.js';

// The form has its own ways on (save, skip); a second "Next" would only confuse.
export const ownButtons = true;
// One way on and a Skip: nothing to go back to.
export const noBack = true;

export function segments(step, run) {
  return run.prefs.ratings === false ? [] : [{ ...run.base(step), ms: null, moment: step.moment }];
}

export function render(segment, player) {
  const form = element('form', { class: 'rating', novalidate: true });
  const id = `rating-${segment.key}`;
  // Radio buttons that look like buttons: one tab stop, arrows move, the value is read once.
  const group = element('fieldset', { class: 'rating-group', 'aria-describedby': `${id}-ends` });
  group.append(element('legend', {}, player.t('rate_label')));
  const choices = element('div', { class: 'rating-choices' });
  for (let value = 0; value <= 10; value += 1) {
    const choice = element('label', { class: 'rating-choice' });
    choice.append(
      element('input', { type: 'radio', name: id, value: String(value) }),
      element('span', {}, String(value)),
    );
    choices.append(choice);
  }
  const ends = element('p', { id: `${id}-ends`, class: 'rating-ends' });
  ends.append(element('span', {}, player.t('rate_low')), element('span', {}, player.t('rate_high')));
  group.append(choices, ends);
  const hint = element('p', { class: 'rating-hint', role: 'status' });
  const save = element('button', { type: 'submit', class: 'button primary' }, player.t('rate_save'));
  const skip = element('button', { type: 'button', class: 'button' }, player.t('skip'));
  skip.addEventListener('click', () => player.next());
  form.addEventListener('change', () => { hint.textContent = ''; });
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const chosen = form.querySelector('input:checked');
    if (chosen) player.rate(Number(chosen.value));
    else hint.textContent = player.t('rate_choose');
  });
  const buttons = element('p', { class: 'call-buttons' });
  buttons.append(save, skip);
  form.append(group, hint, buttons);
  return { node: form };
}
