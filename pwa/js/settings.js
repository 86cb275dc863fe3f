// The settings page: fills the form from what is kept on this device, checks every value and
// saves only when all of them are valid.

import './app.js';
import { element } from './dom.js';
import { appData, formatNumber, t } from './i18n.js';
import { pinSettings } from './pin.js';
import { DEFAULTS, loadPrefs, savePrefs, validate } from './prefs.js';

const form = document.getElementById('settings-form');
const status = document.getElementById('settings-status');

/** The fields of every timing a person may change, inside each exercise's (closed) section. */
function buildTimingFields() {
  const found = [];
  for (const exercise of appData.exercises) {
    const group = form.querySelector(`details[data-exercise="${exercise.id}"]`);
    if (!group) continue;
    // Steps alike in one exercise are told apart by number ("Pause 2").
    const steps = new Map();
    for (const [key, step] of exercise.timings) {
      const ids = steps.get(step) ?? new Set();
      steps.set(step, ids.add(key.split('.')[0]));
    }
    for (const [key, step, label, value, min, max] of exercise.timings) {
      const id = `${exercise.id}:${key}`;
      const row = element('div', { class: 'timing' });
      const alike = [...steps.get(step)];
      const title = alike.length > 1 ? `${step} ${alike.indexOf(key.split('.')[0]) + 1}` : step;
      const caption = element('label', { for: id }, `${title}: ${label} `);
      // The exercise makes each field's name its own.
      caption.append(element('span', { class: 'hint' }, `(${min}–${max})`),
        element('span', { class: 'visually-hidden' }, `, ${exercise.title}`));
      const input = element('input', {
        id, name: id, type: 'text', inputmode: 'numeric', autocomplete: 'off',
        value: String(value), 'aria-describedby': `${id}-error`,
        'data-exercise': exercise.id, 'data-key': key, 'data-default': String(value),
      });
      row.append(caption, input, element('p', { id: `${id}-error`, class: 'field-error', hidden: true }));
      group.append(row);
      found.push({ exercise: exercise.id, key, min, max, value });
    }
  }
  return found;
}

const timings = buildTimingFields();
const timingInputs = [...form.querySelectorAll('input[data-key]')];

/** The bell with the screen locked is a way of playing the bell: only there with the bell. */
function followBell() {
  form.lockedBells.disabled = !form.bell.checked;
}

form.bell.addEventListener('change', followBell);

function fill(prefs) {
  form.pace.value = formatNumber(prefs.pace);
  form.volume.value = String(prefs.volume);
  for (const flag of ['bell', 'vibration', 'voice', 'lockedBells', 'wakeLock', 'ratings']) {
    form[flag].checked = prefs[flag];
  }
  followBell();
  form.querySelector(`input[name="motion"][value="${prefs.motion}"]`).checked = true;
  for (const input of timingInputs) {
    const override = prefs.overrides[input.dataset.exercise]?.[input.dataset.key];
    input.value = String(override ?? input.dataset.default);
  }
}

function readForm() {
  const values = {
    pace: form.pace.value, volume: form.volume.value, motion: form.motion.value,
    bell: form.bell.checked, vibration: form.vibration.checked, voice: form.voice.checked,
    lockedBells: form.lockedBells.checked, wakeLock: form.wakeLock.checked,
    ratings: form.ratings.checked,
  };
  for (const input of timingInputs) values[input.name] = input.value;
  return values;
}

function showErrors(errors) {
  for (const message of form.querySelectorAll('.field-error')) {
    message.hidden = true;
    message.textContent = '';
  }
  for (const input of form.querySelectorAll('input')) input.removeAttribute('aria-invalid');
  for (const [name, error] of Object.entries(errors)) {
    const input = form.elements.namedItem(name);
    const message = document.getElementById(`${name}-error`);
    input.setAttribute('aria-invalid', 'true');
    input.closest('details')?.setAttribute('open', '');
    message.textContent = t(error.code, { min: error.min, max: error.max });
    message.hidden = false;
  }
}

form.addEventListener('submit', (event) => {
  event.preventDefault();
  const { prefs, errors } = validate(readForm(), timings);
  showErrors(errors);
  const invalid = Object.keys(errors);
  if (invalid.length) {
    status.textContent = t('not_saved');
    form.elements.namedItem(invalid[0]).focus();
    return;
  }
  savePrefs(prefs);
  status.textContent = t('saved');
});

document.getElementById('settings-reset').addEventListener('click', () => {
  for (const input of timingInputs) input.value = input.dataset.default;
  const prefs = { ...loadPrefs(), overrides: DEFAULTS.overrides };
  savePrefs(prefs);
  showErrors({});
  status.textContent = t('reset_done');
});

fill(loadPrefs());
form.after(pinSettings());
