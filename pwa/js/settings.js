// The settings page: fills the form from what is kept on this device, checks every value and
// saves only when all of them are valid.

import { element } from './dom.js';
import { appData, formatNumber, t } from './i18n.js';
import { pinSettings } from './pin.js';
import { DEFAULTS, loadPrefs, savePrefs, validate } from './prefs.js';

const form = document.getElementById('settings-form');
const status = document.getElementById('settings-status');

/** One group per exercise with a field for every timing its file lets a person change. */
function buildTimingFields() {
  const container = document.getElementById('timings');
  for (const exercise of appData.exercises) {
    if (!exercise.timings.length) continue;
    const group = element('details', { class: 'timings' });
    group.append(element('summary', {}, exercise.title));
    for (const timing of exercise.timings) {
      const id = `${exercise.id}:${timing.key}`;
      const row = element('div', { class: 'timing' });
      const label = element('label', { for: id }, `${timing.step}: ${timing.label} `);
      label.append(element('span', { class: 'hint' }, `(${timing.min}–${timing.max})`));
      const input = element('input', {
        id, name: id, type: 'text', inputmode: 'numeric', autocomplete: 'off',
        value: String(timing.value), 'aria-describedby': `${id}-error`,
        'data-exercise': exercise.id, 'data-key': timing.key, 'data-default': String(timing.value),
      });
      row.append(label, input, element('p', { id: `${id}-error`, class: 'field-error', hidden: '' }));
      group.append(row);
    }
    container.append(group);
  }
  return appData.exercises.flatMap((exercise) => exercise.timings.map((timing) => ({
    exercise: exercise.id, key: timing.key, min: timing.min, max: timing.max, value: timing.value,
  })));
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
document.getElementById('settings-needs-script').hidden = true;
form.hidden = false;
form.after(pinSettings());
