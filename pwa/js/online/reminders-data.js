// Reminders as data: which days, what time, what to open. Checking, sorting, formatting for the
// page's language and the shape the server's API speaks. No DOM and no storage here.

// ISO weekdays, Monday first (1 = Monday … 7 = Sunday), as the API counts them.
export const DAYS = [1, 2, 3, 4, 5, 6, 7];

// 1 January 2024 was a Monday, so ISO day n is 2024-01-n; UTC, so no zone can shift it.
const reference = (day, hours = 0, minutes = 0) => Date.UTC(2024, 0, day, hours, minutes);

/** "maandag", "Monday": a weekday's name in `locale`. */
export function weekdayName(day, locale) {
  return new Intl.DateTimeFormat(locale, { weekday: 'long', timeZone: 'UTC' }).format(reference(day));
}

/** "08:30" as people in `locale` read a clock: "08:30", "8:30 AM". */
export function formatTime(time, locale) {
  const [hours, minutes] = time.split(':').map(Number);
  return new Intl.DateTimeFormat(locale, { timeStyle: 'short', timeZone: 'UTC' })
    .format(reference(1, hours, minutes));
}

/** "maandag, woensdag en vrijdag"; `everyDay` when all seven are chosen. */
export function formatDays(days, locale, everyDay) {
  if (days.length === DAYS.length) return everyDay;
  const names = [...days].sort((a, b) => a - b).map((day) => weekdayName(day, locale));
  return new Intl.ListFormat(locale, { style: 'long', type: 'conjunction' }).format(names);
}

/** The first letter in upper case, as at the start of a sentence or a label. */
export function capitalize(text, locale) {
  return text ? text.charAt(0).toLocaleUpperCase(locale) + text.slice(1) : text;
}

/**
 * Check what the form holds: {days: ["1", "3"], time: "08:30", target: "grounding"}.
 * Returns {reminder, errors}; `errors` maps a field to a client string key, and `reminder`
 * is null unless every field is valid. `rules` is app.json's.
 */
export function validateReminder(values, exerciseIds, rules) {
  const errors = {};
  const days = [...new Set(values.days.map(Number))].filter((day) => DAYS.includes(day));
  days.sort((a, b) => a - b);
  if (!days.length) errors.days = 'reminder_no_day';
  // A time input may add seconds ("08:30:00"); reminders keep minutes.
  const time = String(values.time ?? '').slice(0, 5);
  if (!time) errors.time = 'reminder_no_time';
  else if (!new RegExp(rules.time).test(time)) errors.time = 'reminder_bad_time';
  if (!exerciseIds.includes(values.target)) errors.target = 'reminder_no_exercise';
  if (Object.keys(errors).length) return { reminder: null, errors };
  return { reminder: { days, time, target: { type: 'exercise', id: values.target } }, errors };
}

/** Whether something read back from storage is still a reminder this page can show. */
export function isReminder(value, rules) {
  return Boolean(value) && typeof value.id === 'string'
    && Array.isArray(value.days) && value.days.length > 0
    && value.days.every((day) => DAYS.includes(day))
    && typeof value.time === 'string' && new RegExp(rules.time).test(value.time)
    && value.target?.type === 'exercise' && typeof value.target.id === 'string';
}

/** Earliest in the day first, then by the first day of the week. */
export function sortReminders(reminders) {
  return [...reminders].sort((a, b) => a.time.localeCompare(b.time)
    || Math.min(...a.days) - Math.min(...b.days)
    || a.id.localeCompare(b.id));
}

/** The reminders as the API takes them: without the ids this device gives them. */
export function forServer(reminders) {
  return sortReminders(reminders).map(({ days, time, target }) => ({
    days: [...days], time, target: { type: target.type, id: target.id },
  }));
}

/**
 * What the server keeps for this device: its time zone, language, reminders and whether their
 * texts are discreet ("Time for your moment" instead of the exercise's name).
 */
export function scheduleForServer(reminders, timezone, locale, neutral) {
  return { timezone, locale, reminders: forServer(reminders), neutral: neutral === true };
}

/** The discreet-texts choice as kept in localStorage ("1" when on). */
export function readNeutral(stored) {
  return stored === '1';
}

/** A random id for a reminder kept on this device. */
export function newId() {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
}

/** The bytes of a base64url string (the server's VAPID public key). */
export function base64UrlBytes(text) {
  const base64 = text.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(text.length / 4) * 4, '=');
  return Uint8Array.from(atob(base64), (char) => char.charCodeAt(0));
}

/** Whether two keys (ArrayBuffer or typed array, or null) hold the same bytes. */
export function sameBytes(a, b) {
  if (!a || !b) return false;
  const view = (key) => (ArrayBuffer.isView(key)
    ? new Uint8Array(key.buffer, key.byteOffset, key.byteLength) : new Uint8Array(key));
  const x = view(a);
  const y = view(b);
  return x.length === y.length && x.every((byte, i) => byte === y[i]);
}

/** The calendar link as a person can use it: absolute https (to paste) and webcal (to open). */
export function calendarLinks(path, pageUrl) {
  const https = new URL(path, pageUrl).href;
  return { https, webcal: https.replace(/^https?:/, 'webcal:') };
}

/** A therapist's suggested times (a kept set, set-page.js) as reminders, leaving out any
 * that is already there. Each opens the set's first exercise, on its own: a reminder can only
 * name an exercise (docs/reminders.md), so its run has no set, no therapist's values and is
 * not shared. The set page says so under its button. */
export function suggestedReminders(set, existing, makeId = newId) {
  const first = set.items[0]?.exercise;
  if (!first) return [];
  const same = (a, b) => a.time === b.time && a.target?.id === b.target?.id
    && a.days.join() === b.days.join();
  const added = [];
  for (const { days, time } of set.reminders) {
    const reminder = { id: makeId(), days, time, target: { type: 'exercise', id: first } };
    if (![...existing, ...added].some((other) => same(other, reminder))) added.push(reminder);
  }
  return added;
}
