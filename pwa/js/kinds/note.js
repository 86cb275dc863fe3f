// A few words kept on this device under the step's key, and shown again the next time.

import { element } from '../dom.js';

// The form has its own way on (keep); a second "Next" would only confuse.
export const ownButtons = true;

export function segments(step, run) {
  return [{ ...run.base(step), ms: null, noteKey: step.key }];
}

export function render(segment, player) {
  const form = element('form', { class: 'note' });
  const id = `note-${segment.noteKey}`;
  const label = element('label', { for: id }, player.t('note_label'));
  const area = element('textarea', { id, rows: '3', maxlength: '500' });
  area.value = player.note(segment.noteKey);
  const save = element('button', { type: 'submit', class: 'button primary' }, player.t('note_save'));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    player.keepNote(segment.noteKey, area.value);
  });
  form.append(label, area, save);
  return { node: form };
}
