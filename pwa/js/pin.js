// The PIN that locks the history: choosing and removing it (settings), and giving it to see
// what is kept (history; a therapist's sets later). Built by script, as it only works with
// script; the crypto is in seal.js, the keeping in store.js. Practising and the way out never
// come here: the way-out bar stays on every page, and nothing here holds the focus captive.

import { element } from './dom.js';
import { t } from './i18n.js';
import { recheckPlan } from './plan-store.js';
import { isLocked, isOpen, removePin, setPin, startFresh, unlock } from './store.js';

const MIN_LENGTH = 4;

/** A labelled PIN field with its error line (an alert from the start, so an error is read). */
function pinField(id, label, autocomplete) {
  const input = element('input', {
    id, name: id, type: 'password', autocomplete, inputmode: 'numeric',
    'aria-describedby': `${id}-error`, required: true,
  });
  const error = element('p', { id: `${id}-error`, class: 'field-error', role: 'alert' });
  const show = (message) => {
    error.textContent = message;
    if (message) input.setAttribute('aria-invalid', 'true');
    else input.removeAttribute('aria-invalid');
  };
  const refuse = (message) => {
    show(message);
    input.focus();
    input.select();
  };
  return { input, show, refuse, nodes: [element('label', { for: id }, label), input, error] };
}

function buttons(...list) {
  const row = element('p', { class: 'call-buttons' });
  row.append(...list);
  return row;
}

/** A form whose submit runs `work` once at a time, saying "one moment" while it does. */
function busyForm(status, work) {
  const form = element('form', { novalidate: true });
  let busy = false;
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (busy) return;
    busy = true;
    status.textContent = t('pin_working');
    try {
      const message = await work();
      if (message !== null) status.textContent = message;
    } catch (error) {
      console.error('Houvast: the PIN could not be changed', error);
      status.textContent = t('storage_error');
    } finally {
      busy = false;
    }
  });
  return form;
}

/** The settings page's section: choose a PIN (with the warning first) or remove it. */
export function pinSettings() {
  const section = element('section', { class: 'pin', 'aria-labelledby': 'pin-heading' });
  const status = element('p', { id: 'pin-status', class: 'status', role: 'status' });
  const heading = element('h2', { id: 'pin-heading', tabindex: '-1' }, t('pin_heading'));
  const parts = element('div');
  // The status stays in place, so what is put in it is read.
  section.append(heading, element('p', {}, t('pin_intro')), parts, status);
  const draw = (message = '') => {
    parts.replaceChildren(...(isLocked() ? removeParts(status, draw) : chooseParts(status, draw)));
    status.textContent = message;
    if (message) heading.focus();
  };
  draw();
  return section;
}

function chooseParts(status, draw) {
  const pin = pinField('pin-new', t('pin_new'), 'new-password');
  const again = pinField('pin-again', t('pin_again'), 'new-password');
  const form = busyForm(status, async () => {
    pin.show(pin.input.value.length < MIN_LENGTH ? t('pin_too_short') : '');
    again.show(!pin.input.value || again.input.value === pin.input.value ? '' : t('pin_mismatch'));
    const wrong = [pin, again].find((field) => field.input.hasAttribute('aria-invalid'));
    if (wrong) {
      wrong.input.focus();
      return '';
    }
    await setPin(pin.input.value);
    draw(t('pin_saved'));
    return null;
  });
  // The warning comes first, before any field: forgetting the PIN means starting fresh.
  form.append(element('p', { class: 'notice' }, t('pin_warning')), ...pin.nodes, ...again.nodes,
    buttons(element('button', { type: 'submit', class: 'button primary' }, t('pin_save'))));
  const choose = element('details', { class: 'pin-choose' });
  choose.append(element('summary', { class: 'button' }, t('pin_choose')), form);
  return [choose];
}

function removeParts(status, draw) {
  const pin = pinField('pin-current', t('pin_current'), 'current-password');
  const form = busyForm(status, async () => {
    if (await removePin(pin.input.value)) {
      draw(t('pin_removed'));
      return null;
    }
    pin.refuse(t('pin_wrong'));
    return '';
  });
  form.append(...pin.nodes, buttons(element('button', { type: 'submit', class: 'button' }, t('pin_remove'))));
  return [element('p', {}, t('pin_is_on')), form];
}

/**
 * Ask for the PIN before `content` is shown, when the store is locked. Resolves once it is open
 * (or the person started fresh); `content` stays hidden until then. `words` names what is
 * locked: the history's by default.
 */
export function askForPin(content, words = { heading: 'pin_locked', label: 'pin_enter' }) {
  if (isOpen()) return Promise.resolve();
  return new Promise((resolve) => {
    const section = element('section', { class: 'pin', 'aria-labelledby': 'pin-ask-heading' });
    const status = element('p', { class: 'status', role: 'status' });
    const pin = pinField('pin-enter', t(words.label), 'current-password');
    const done = (message) => {
      // The status stays in place, so what is put in it is read.
      for (const part of [...section.children]) if (part !== status) part.remove();
      section.removeAttribute('aria-labelledby');
      section.className = '';
      status.textContent = message;
      document.getElementById('main')?.focus(); // the form is gone: start from the page's top
      resolve();
    };
    const form = busyForm(status, async () => {
      if (await unlock(pin.input.value)) {
        done('');
        return '';
      }
      pin.refuse(t('pin_wrong'));
      return '';
    });
    form.append(...pin.nodes, buttons(element('button', { type: 'submit', class: 'button primary' }, t('pin_open'))));
    const forgot = element('details', { class: 'pin-forgot' });
    const fresh = element('button', { type: 'button', class: 'button' }, t('pin_start_fresh'));
    fresh.addEventListener('click', async () => {
      await startFresh();
      await recheckPlan();
      done(t('pin_fresh_done'));
      // What the deleted sets shared is withdrawn now if online (else from the next page).
      import('./sets.js').then(({ syncSets }) => syncSets()).catch(() => {});
    });
    forgot.append(element('summary', {}, t('pin_forgot')), element('p', {}, t('pin_forgot_text')),
      buttons(fresh));
    section.append(element('h2', { id: 'pin-ask-heading' }, t(words.heading)), form, forgot, status);
    content.before(section);
    pin.input.focus();
    // Focus brings the field into view; the form's button under it must not stay behind the
    // way-out bar (the page's scroll padding keeps what is scrolled to clear of it).
    form.scrollIntoView({ block: 'nearest' });
  });
}
