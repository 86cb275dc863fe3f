// A place on a scale between two ends the exercise names, chosen with a tap or the arrow keys
// (radio buttons: nothing needs dragging, WCAG 2.5.7). The place is kept on this device with
// the notes, under "scale.<key>", as "<place>/<places>", and marked again the next time.

import { element } from '../dom.js';

// The form has its own ways on (keep, skip); a second "Next" would only confuse.
export const ownButtons = true;

export function segments(step, run) {
  return [{
    ...run.base(step), ms: null, scaleKey: `scale.${step.key}`,
    left: step.left, right: step.right, places: step.places,
  }];
}

/** The kept form of place `place` (1 is the left end) out of `places`. */
export function keptPlace(place, places) {
  return `${place}/${places}`;
}

/** The place kept earlier, on a scale of `places` (rescaled should the exercise now have more
 * or fewer places), or null when nothing usable was kept. */
export function placeFrom(kept, places) {
  const match = /^(\d+)\/(\d+)$/.exec(kept ?? '');
  if (!match) return null;
  const [place, of] = [Number(match[1]), Number(match[2])];
  if (of < 2 || place < 1 || place > of) return null;
  return 1 + Math.round(((place - 1) * (places - 1)) / (of - 1));
}

/** What place `place` is called: an end's own name, the middle, or the end it is nearer to
 * ("close to" beside an end when another lies between it and the middle): no two alike. */
export function placeName(place, segment, t) {
  const { places, left, right } = segment;
  if (place === 1) return left;
  if (place === places) return right;
  const middle = (places + 1) / 2;
  if (place === middle) return t('scale_middle');
  const end = place < middle ? left : right;
  const close = (place === 2 && 3 < middle) || (place === places - 1 && places - 2 > middle);
  return t(close ? 'scale_close' : 'scale_near', { end });
}

export function render(segment, player) {
  const form = element('form', { class: 'scale' });
  const group = element('fieldset', { class: 'scale-group' });
  group.append(element('legend', {}, player.t('scale_label')));
  const row = element('div', { class: 'scale-places' });
  // Kept in this run (back to this step): chosen again. Kept before: marked, to choose anew.
  const now = placeFrom(player.state.notes[segment.scaleKey], segment.places);
  const was = now === null ? placeFrom(player.note(segment.scaleKey), segment.places) : null;
  const name = `scale-${segment.key}`;
  for (let place = 1; place <= segment.places; place += 1) {
    const label = element('label', { class: 'scale-place' });
    if (place === (segment.places + 1) / 2) label.classList.add('middle');
    const input = element('input', { type: 'radio', name, value: String(place) });
    input.checked = place === now;
    const words = element('span', { class: 'visually-hidden' }, placeName(place, segment, player.t));
    if (place === was) {
      label.classList.add('was');
      words.append(` (${player.t('scale_was')})`);
    }
    label.append(input, words);
    row.append(label);
  }
  // The ends' names are the first and last places' labels already; shown here for the eye.
  const ends = element('p', { class: 'scale-ends', 'aria-hidden': 'true' });
  ends.append(element('span', {}, segment.left), element('span', {}, segment.right));
  group.append(row, ends);
  form.append(group);
  if (was !== null) form.append(element('p', { class: 'scale-was' }, player.t('scale_last_time')));
  const keep = element('button', { type: 'submit', class: 'button primary' }, player.t('note_save'));
  const skip = element('button', { type: 'button', class: 'button' }, player.t('skip'));
  skip.addEventListener('click', () => player.next());
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const chosen = form.querySelector('input:checked');
    player.keepNote(segment.scaleKey, chosen ? keptPlace(Number(chosen.value), segment.places) : '');
  });
  const buttons = element('p', { class: 'call-buttons' });
  buttons.append(keep, skip);
  form.append(buttons);
  return { node: form };
}
