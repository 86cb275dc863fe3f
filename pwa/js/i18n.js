// Texts and formats in the page's language. The server embeds the translated strings as JSON
// (#houvast-strings), so the scripts never carry a language of their own.

export const locale = document.documentElement.lang || 'nl';

let strings = null;

function loadStrings() {
  if (strings === null) {
    const element = document.getElementById('houvast-strings');
    strings = element ? JSON.parse(element.textContent) : {};
  }
  return strings;
}

/** The translated string for `key`, with %(name)s placeholders filled from `values`. */
export function t(key, values = {}) {
  const template = loadStrings()[key];
  if (template === undefined) throw new Error(`no client string '${key}'`);
  return template.replace(/%\((\w+)\)s/g, (_, name) => String(values[name] ?? ''));
}

/** Read the JSON a page embeds in <script type="application/json" id="...">. */
export function pageData(id) {
  const element = document.getElementById(id);
  return element ? JSON.parse(element.textContent) : null;
}

const durationFormats = new Map();

function unitFormat(unit) {
  if (!durationFormats.has(unit)) {
    durationFormats.set(unit, new Intl.NumberFormat(locale, { style: 'unit', unit, unitDisplay: 'long' }));
  }
  return durationFormats.get(unit);
}

/** "25 seconden", "2 minuten" (whole minutes from two minutes on, like the server). */
export function formatSeconds(seconds) {
  const whole = Math.max(0, Math.round(seconds));
  if (whole >= 120) return unitFormat('minute').format(Math.round(whole / 60));
  return unitFormat('second').format(whole);
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
