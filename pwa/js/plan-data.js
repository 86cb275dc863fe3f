// "My plan for hard moments" as data: its parts, which of them show without the PIN unless the
// person chooses otherwise, and checking what they write. No DOM: tested under Node.
//
// A plan is {signs: {tooMuch, tooLittle}, helps, exercises: [id], people: [{name, number}],
// care: {therapist, gp, gpPost: {name, number}}, open: {<part>: bool}}.

export const MAX_PEOPLE = 6;

// The words of the plan are notes (store.js), so that "Your own window" (an exercise) and the
// plan keep one copy: what the person wrote there is in the plan, and the other way round.
export const NOTES = { tooMuch: 'window-too-much', tooLittle: 'window-too-little', helps: 'window-helps' };

// Shown without the PIN unless the person chooses otherwise: who to call and what to start,
// because in a crisis a forgotten PIN must not stand in the way. Their own words stay sealed.
export const OPEN_BY_DEFAULT = { signs: false, helps: false, exercises: true, people: true, care: true };
export const PARTS = Object.keys(OPEN_BY_DEFAULT);
export const CARE = ['therapist', 'gp', 'gpPost'];

const NUMBER = /^\+?[\d\s\-().]+$/;

export function emptyPlan() {
  const none = () => ({ name: '', number: '' });
  return {
    signs: { tooMuch: '', tooLittle: '' }, helps: '', exercises: [], people: [],
    care: Object.fromEntries(CARE.map((name) => [name, none()])), open: { ...OPEN_BY_DEFAULT },
  };
}

/** What a phone dials for `number` as written ("06-12 34 56 78" → "0612345678"). */
export function dialable(number) {
  return number.trim().replace(/(?!^\+)[^\d]/g, '');
}

/** The string key of what is wrong with a contact, per field ({} when nothing is). A contact
 * with neither a name nor a number is simply left out. */
export function checkContact({ name, number }, { nameNeeded = true } = {}) {
  const errors = {};
  const hasName = name.trim() !== '';
  const hasNumber = number.trim() !== '';
  if (!hasName && !hasNumber) return errors;
  if (!hasNumber) errors.number = 'plan_number_missing';
  else if (!NUMBER.test(number.trim()) || !/^\+?\d{3,15}$/.test(dialable(number))) {
    errors.number = 'plan_number_invalid';
  }
  if (!hasName && nameNeeded) errors.name = 'plan_name_missing';
  return errors;
}

const trimmed = (contact) => ({ name: contact.name.trim(), number: contact.number.trim() });
const filled = (contact) => contact.name !== '' || contact.number !== '';

/** The plan to keep from what the form holds: contacts trimmed, empty ones dropped, only known
 * exercises. Returns {plan, errors} with errors as [[field, key]] (field: "people.2.number",
 * "care.gp.name"); nothing is to be kept while there are any. */
export function cleanPlan(raw, knownExercises) {
  const errors = [];
  const people = raw.people.map(trimmed);
  people.forEach((contact, index) => {
    for (const [field, key] of Object.entries(checkContact(contact))) {
      errors.push([`people.${index}.${field}`, key]);
    }
  });
  const care = {};
  for (const name of CARE) {
    care[name] = trimmed(raw.care[name]);
    // A care contact has its label ("My GP"): a number alone is enough.
    for (const [field, key] of Object.entries(checkContact(care[name], { nameNeeded: false }))) {
      errors.push([`care.${name}.${field}`, key]);
    }
  }
  const known = new Set(knownExercises);
  const plan = {
    signs: { tooMuch: raw.signs.tooMuch.trim(), tooLittle: raw.signs.tooLittle.trim() },
    helps: raw.helps.trim(),
    exercises: [...new Set(raw.exercises)].filter((id) => known.has(id)),
    people: people.filter(filled).slice(0, MAX_PEOPLE),
    care,
    open: Object.fromEntries(PARTS.map((part) => [part, Boolean(raw.open[part])])),
  };
  return { plan, errors };
}

/** Whether the plan holds anything the person wrote or chose. */
export function hasContent(plan) {
  return Boolean(plan.signs.tooMuch || plan.signs.tooLittle || plan.helps || plan.exercises.length
    || plan.people.length || CARE.some((name) => filled(plan.care[name])));
}

/** Exercises a therapist's kept sets suggest for the plan (an item marked `plan`, docs/sets.md)
 * that it does not hold yet. A set suggests exercises only: never a contact. A set from a link
 * anyone can make is not the therapist's, and its marks are not said to be. */
export function suggestions(plan, kept) {
  const chosen = new Set(plan.exercises);
  const found = [];
  for (const { set, source } of kept) {
    if (source !== 'therapist') continue;
    for (const item of set?.items ?? []) {
      if (item.plan && !chosen.has(item.exercise)) {
        chosen.add(item.exercise);
        found.push(item.exercise);
      }
    }
  }
  return found;
}
