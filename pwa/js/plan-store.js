// Keeping the plan for hard moments on this device: its words as notes (plan-data.js, NOTES),
// its other parts as records of the plan store. Each part is sealed under the PIN unless the
// person marked it to show without it (store.js, sealRecord).

import { NOTES, PARTS, emptyPlan, hasContent } from './plan-data.js';
import {
  isOpen, noteRecord, openRecord, openStore, readNotes, replaceNote, request, sealRecord,
} from './store.js';

// Whether there is a plan, for the way-out bar's link on every page (app.js), which cannot wait
// for the store. It says no more than that there is one.
const EXISTS = 'houvast.plan';
const RECORDS = ['exercises', 'people', 'care'];
// Each note of the plan: its part, and where its words are in the plan.
const NOTE_PARTS = [
  { name: NOTES.tooMuch, part: 'signs', words: (plan) => plan.signs, field: 'tooMuch' },
  { name: NOTES.tooLittle, part: 'signs', words: (plan) => plan.signs, field: 'tooLittle' },
  { name: NOTES.helps, part: 'helps', words: (plan) => plan, field: 'helps' },
];

export function planExists() {
  return localStorage.getItem(EXISTS) === '1';
}

/** There is a plan now: the person wrote part of it ("Your own window"). */
export function markPlan() {
  localStorage.setItem(EXISTS, '1');
}

/** The plan as far as this page can read it: {plan, locked}, where `locked` names the parts
 * that are sealed while the PIN has not been given on this page. */
export async function loadPlan() {
  const notes = await readNotes(NOTE_PARTS.map(({ name }) => name));
  const db = await openStore();
  const records = await request(db.transaction('plan').objectStore('plan').getAll());
  const plan = emptyPlan();
  const locked = new Set();
  // A part shows without the PIN only when all of it does (signs are two notes).
  const open = {};
  for (const { name, part, words, field } of NOTE_PARTS) {
    const note = notes[name];
    if (!note) continue;
    if (note.locked) locked.add(part);
    words(plan)[field] = note.text;
    open[part] = (open[part] ?? true) && note.open;
  }
  for (const stored of records) {
    if (!RECORDS.includes(stored.key)) continue;
    if (stored.sealed && !isOpen()) {
      locked.add(stored.key);
      open[stored.key] = false;
      continue;
    }
    const record = await openRecord(stored);
    plan[stored.key] = record.value;
    open[stored.key] = Boolean(record.open);
  }
  Object.assign(plan.open, open);
  return { plan, locked: PARTS.filter((part) => locked.has(part)) };
}

/** Keep `plan`, all of it or nothing, in place of what this page showed (it must be open,
 * isOpen, when any of it is sealed). An empty text deletes its note. */
export async function savePlan(plan) {
  // Sealed first: sealing is asynchronous, and a transaction ends when it waits on anything else.
  const notes = await Promise.all(NOTE_PARTS.map(async ({ name, part, words, field }) => [
    name, await noteRecord(name, words(plan)[field], plan.open[part]),
  ]));
  const records = await Promise.all(RECORDS.map((key) => {
    const record = { key, value: plan[key] };
    if (plan.open[key]) record.open = true;
    return sealRecord(record, 'key');
  }));
  const db = await openStore();
  const tx = db.transaction(['notes', 'plan'], 'readwrite');
  for (const [name, record] of notes) replaceNote(tx.objectStore('notes'), name, record);
  for (const record of records) tx.objectStore('plan').put(record);
  await new Promise((resolve, reject) => {
    tx.oncomplete = resolve;
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error);
  });
  if (hasContent(plan)) localStorage.setItem(EXISTS, '1');
  else localStorage.removeItem(EXISTS);
}

/** After the sealed things were deleted (a forgotten PIN): is there a plan left? */
export async function recheckPlan() {
  const { plan } = await loadPlan();
  if (hasContent(plan)) markPlan();
  else localStorage.removeItem(EXISTS);
}
