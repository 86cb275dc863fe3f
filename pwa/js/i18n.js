// Texts and formats in the page's language. The server shares the translated strings as
// /<locale>/app.json, so the scripts never carry a language of their own.

const root = document.documentElement;
export const locale = root.lang || 'nl';

async function load() {
  try {
    const response = await fetch(root.dataset.app);
    if (response.ok) return await response.json();
  } catch {
    // Offline before the first visit stored it: the page still works, with fewer words.
  }
  return null;
}

/** The strings, URL templates and exercise timings every page shares (/<locale>/app.json). */
export const appData = (await load()) ?? { strings: {}, urls: {}, exercises: [], missing: true };

/** What a page brings for itself only (the reminders page: its strings and the API), as JSON in
 * #page-data. */
export const pageData = JSON.parse(document.getElementById('page-data')?.textContent || '{}');
const pageStrings = pageData.strings ?? {};

/** `template` with its %(name)s placeholders filled from `values`. */
export function fill(template, values = {}) {
  return template.replace(/%\((\w+)\)s/g, (_, name) => String(values[name] ?? ''));
}

/** The translated string for `key`, with %(name)s placeholders filled from `values`. */
export function t(key, values = {}) {
  const template = pageStrings[key] ?? appData.strings[key];
  if (template === undefined) {
    if (appData.missing) return '';
    throw new Error(`no client string '${key}'`);
  }
  return fill(template, values);
}

/** `forms` by plural category ({one, other}: server/i18n.py, plural_forms) for `count`. */
export function plural(forms, count) {
  const form = forms[new Intl.PluralRules(locale).select(count)] ?? forms.other;
  return fill(form ?? Object.values(forms).at(-1), { count });
}

const unitFormats = new Map();

function unitFormat(unit, unitDisplay = 'short') {
  const key = `${unit} ${unitDisplay}`;
  if (!unitFormats.has(key)) {
    unitFormats.set(key, new Intl.NumberFormat(locale, { style: 'unit', unit, unitDisplay }));
  }
  return unitFormats.get(key);
}

/** Whole minutes as the exercise pages say them: "5 minuten" (server/i18n.py). */
export function formatMinutes(minutes) {
  return unitFormat('minute', 'long').format(minutes);
}

/** A step's length as the exercise page says it: "45 seconden", or whole minutes from two
 * minutes on (server/i18n.py, format_seconds). */
export function formatLength(seconds) {
  return seconds >= 120 && seconds % 60 === 0 ? formatMinutes(seconds / 60)
    : unitFormat('second', 'long').format(seconds);
}

/** How long a run took, as people write it: "41 sec", "1 min 41 sec", "1 hr 5 min". */
export function formatSeconds(seconds) {
  const whole = Math.max(0, Math.round(seconds));
  const [hours, minutes, rest] = [Math.floor(whole / 3600), Math.floor(whole / 60) % 60, whole % 60];
  const parts = hours
    ? [unitFormat('hour').format(hours), minutes && unitFormat('minute').format(minutes)]
    : [minutes && unitFormat('minute').format(minutes), (rest || !minutes) && unitFormat('second').format(rest)];
  return parts.filter(Boolean).join(' ');
}

/** A countdown as people read a clock: "1:05". */
export function formatClock(seconds) {
  const whole = Math.max(0, Math.ceil(seconds));
  const minutes = Math.floor(whole / 60);
  return `${minutes}:${String(whole % 60).padStart(2, '0')}`;
}

export function formatDateTime(date) {
  return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' }).format(date);
}

export function formatDate(date) {
  return new Intl.DateTimeFormat(locale, { day: 'numeric', month: 'short' }).format(date);
}

export function formatNumber(number, options = {}) {
  return new Intl.NumberFormat(locale, options).format(number);
}
