// The field for the short code a therapist gives (8 letters and digits): for an installed app,
// which has no address bar for a link. Opening needs the server, so phones do not store this
// script for offline use; set-page.js loads it when online.

import { element } from '../dom.js';
import { t } from '../i18n.js';
import { normalizeCode } from './set-sync-data.js';

/** The form; `open({code})` opens the set (set-page.js) and resolves to an error name or null. */
export function codeForm({ say, open, errors }) {
  const section = element('section', { class: 'set-code', 'aria-labelledby': 'set-code-heading' });
  const form = element('form', { novalidate: true });
  const input = element('input', {
    id: 'set-code', name: 'code', autocomplete: 'off', autocapitalize: 'characters',
    spellcheck: 'false', 'aria-describedby': 'set-code-hint set-code-error', maxlength: '12',
  });
  const error = element('p', { id: 'set-code-error', class: 'field-error', role: 'alert' });
  const buttons = element('p', { class: 'call-buttons' });
  buttons.append(element('button', { type: 'submit', class: 'button primary' }, t('set_code_open')));
  form.append(
    element('label', { for: 'set-code' }, t('set_code_label')),
    element('p', { id: 'set-code-hint', class: 'hint' }, t('set_code_hint')),
    input, error,
    buttons,
  );
  const show = (key) => {
    error.textContent = key ? t(key) : '';
    if (key) input.setAttribute('aria-invalid', 'true');
    else input.removeAttribute('aria-invalid');
  };
  let busy = false;
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (busy) return;
    const code = normalizeCode(input.value);
    if (!code) {
      show('set_code_invalid');
      input.focus();
      return;
    }
    busy = true;
    show(null);
    say(t('pin_working'));
    const failed = await open({ code });
    busy = false;
    if (failed) {
      say('');
      show(errors[failed]);
      input.focus();
    }
  });
  section.append(element('h2', { id: 'set-code-heading' }, t('set_code_heading')), form);
  return section;
}
