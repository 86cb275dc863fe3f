// The person's settings, kept on this device (localStorage). Pure validation lives here so
// the settings page and the player agree on what a valid value is.

const KEY = 'houvast.prefs';

export const DEFAULTS = Object.freeze({
  pace: 1,          // factor on every duration, 0.5 (faster) to 2 (slower)
  bell: true,       // a soft bell between steps, at a low volume
  volume: 30,       // percent
  vibration: false,
  voice: false,
  lockedBells: true, // the bells as an audio track, so they keep time with the screen locked
  wakeLock: true,   // keep the screen on while running
  ratings: true,
  motion: 'system', // 'system' follows prefers-reduced-motion; 'reduce' always reduces
  overrides: {},    // {exerciseId: {"3.duration": 45, ...}} within each file's range
});

export const LIMITS = Object.freeze({ pace: [0.5, 2], volume: [0, 100] });

function inRange(value, [low, high]) {
  return typeof value === 'number' && Number.isFinite(value) && value >= low && value <= high;
}

/** Keep only what is valid, so a damaged store can never break a run. */
export function sanitize(raw) {
  const prefs = { ...DEFAULTS, overrides: {} };
  if (!raw || typeof raw !== 'object') return prefs;
  if (inRange(raw.pace, LIMITS.pace)) prefs.pace = raw.pace;
  if (inRange(raw.volume, LIMITS.volume)) prefs.volume = raw.volume;
  for (const flag of ['bell', 'vibration', 'voice', 'lockedBells', 'wakeLock', 'ratings']) {
    if (typeof raw[flag] === 'boolean') prefs[flag] = raw[flag];
  }
  if (raw.motion === 'system' || raw.motion === 'reduce') prefs.motion = raw.motion;
  if (raw.overrides && typeof raw.overrides === 'object') {
    for (const [exercise, values] of Object.entries(raw.overrides)) {
      if (!values || typeof values !== 'object') continue;
      const kept = Object.fromEntries(
        Object.entries(values).filter(([, v]) => Number.isInteger(v) && v >= 0));
      if (Object.keys(kept).length) prefs.overrides[exercise] = kept;
    }
  }
  return prefs;
}

export function loadPrefs(storage = globalThis.localStorage) {
  try {
    return sanitize(JSON.parse(storage.getItem(KEY) || 'null'));
  } catch {
    return sanitize(null);
  }
}

export function savePrefs(prefs, storage = globalThis.localStorage) {
  storage.setItem(KEY, JSON.stringify(sanitize(prefs)));
}

/**
 * Check raw form values. Returns {prefs, errors}: errors maps a field name to
 * {code, min, max}; prefs is only meaningful when errors is empty.
 * `timings` lists {exercise, key, min, max, value} for every adjustable timing.
 */
export function validate(form, timings) {
  const errors = {};
  const number = (name, parse) => {
    const text = String(form[name] ?? '').trim().replace(',', '.');
    const value = text === '' ? NaN : parse(text);
    return Number.isFinite(value) ? value : NaN;
  };
  const pace = number('pace', Number);
  if (!inRange(pace, LIMITS.pace)) errors.pace = { code: 'error_pace' };
  const volume = number('volume', Number);
  if (!inRange(volume, LIMITS.volume)) errors.volume = { code: 'error_volume' };
  const overrides = {};
  for (const timing of timings) {
    const name = `${timing.exercise}:${timing.key}`;
    const text = String(form[name] ?? '').trim();
    if (text === '' || Number(text) === timing.value) continue; // the file's default
    const value = Number(text);
    if (!Number.isInteger(value)) {
      errors[name] = { code: 'error_number' };
    } else if (value < timing.min || value > timing.max) {
      errors[name] = { code: 'error_range', min: timing.min, max: timing.max };
    } else {
      (overrides[timing.exercise] ??= {})[timing.key] = value;
    }
  }
  const prefs = {
    pace, volume, overrides,
    bell: Boolean(form.bell), vibration: Boolean(form.vibration), voice: Boolean(form.voice),
    lockedBells: Boolean(form.lockedBells), wakeLock: Boolean(form.wakeLock),
    ratings: Boolean(form.ratings), motion: form.motion === 'reduce' ? 'reduce' : 'system',
  };
  return { prefs, errors };
}

/** Whether motion should be reduced: forced in settings, or asked for by the system. */
export function reduceMotion(prefs) {
  return prefs.motion === 'reduce'
    || globalThis.matchMedia?.('(prefers-reduced-motion: reduce)').matches === true;
}
