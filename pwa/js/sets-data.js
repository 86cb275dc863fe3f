// A therapist's set as data: checking what a server (or a link) hands over. No DOM, no storage, no network here, so it is tested on its own
// (tests/js/sets-data.test.mjs). The shape is SET in docs/sets.md. What only the server's
// part needs (the short code, the runs to share) is in online/set-sync-data.js.

const EXERCISE = /^[\w-]{1,64}$/;
const VALUE_KEY = /^[\w-]{1,64}\.\w{1,32}$/;

const isText = (value, max) => typeof value === 'string' && value.length <= max;

function checkItem(raw, limits) {
  if (!raw || typeof raw !== 'object' || !EXERCISE.test(raw.exercise ?? '')) return null;
  const values = {};
  if (raw.values !== undefined) {
    if (!raw.values || typeof raw.values !== 'object' || Array.isArray(raw.values)) return null;
    for (const [key, value] of Object.entries(raw.values)) {
      if (!VALUE_KEY.test(key) || !Number.isInteger(value) || value < 0) return null;
      values[key] = value;
    }
  }
  const note = raw.note ?? '';
  if (!isText(note, limits.itemNote)) return null;
  // Suggested for the plan for hard moments (plan-data.js): kept only when true, so a set
  // from before suggestions and one that suggests nothing are kept the same.
  if (raw.plan !== undefined && typeof raw.plan !== 'boolean') return null;
  const item = { exercise: raw.exercise, values, note };
  if (raw.plan) item.plan = true;
  return item;
}

function checkReminder(raw, time) {
  if (!raw || !Array.isArray(raw.days) || !raw.days.length || !time.test(raw.time ?? '')) return null;
  const days = [...new Set(raw.days)];
  if (!days.every((day) => Number.isInteger(day) && day >= 1 && day <= 7)) return null;
  return { days: days.sort((a, b) => a - b), time: raw.time };
}

/**
 * A set as the app keeps it, or null when `raw` is not one. What a server sent is checked as
 * strictly as what a link carries: anything else in it is dropped, never shown or stored.
 * A set from a link (issue 12, item 11) has no id or version. `rules` is app.json's.
 */
export function checkSet(raw, rules) {
  const limits = rules.set;
  if (!raw || typeof raw !== 'object') return null;
  const { title, locale } = raw;
  const note = raw.note ?? '';
  if (!isText(title, limits.title) || !title.trim() || !isText(note, limits.note)) return null;
  if (locale !== 'nl' && locale !== 'en') return null;
  if (!Array.isArray(raw.items) || raw.items.length > limits.items) return null;
  const reminders = raw.reminders ?? [];
  if (!Array.isArray(reminders) || reminders.length > limits.reminders) return null;
  const items = raw.items.map((item) => checkItem(item, limits));
  const time = new RegExp(rules.time);
  const times = reminders.map((reminder) => checkReminder(reminder, time));
  if (items.includes(null) || times.includes(null)) return null;
  const set = { title, note, locale, items, reminders: times };
  if (raw.id !== undefined) {
    if (!isText(raw.id, 64) || !raw.id || !Number.isInteger(raw.version)) return null;
    set.id = raw.id;
    set.version = raw.version;
  }
  if (typeof raw.updated === 'string' && !Number.isNaN(Date.parse(raw.updated))) set.updated = raw.updated;
  return set;
}

/** Whether the server's `fresh` copy is newer than the kept `old` one. */
export function isNewer(old, fresh) {
  return Number.isInteger(fresh?.version) && fresh.version > (old?.version ?? -1);
}
