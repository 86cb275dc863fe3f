// Keeping the plan for hard moments on this device: its words as notes (plan-data.js, NOTES),
// its other parts as records of the plan store. Each part is sealed under the PIN unless the
// person marked it to show without it (store.js, sealRecord).

import { NOTES, PARTS, emptyPlan, hasContent } from './plan-data.js';
import { isOpen, openRecord, openStore, request, saveNote, sealRecord, transaction } from './store.js';

// Whether there is a plan, for the way-out bar's link on every page (app.js), which cannot wait
// for the store. It says no more than that there is one.
const EXISTS = 'houvast.plan';
const RECORDS = ['exercises', 'people', 'care'];
const NOTE_PARTS = { [NOTES.tooMuch]: 'signs', [NOTES.tooLittle]: 'signs', [NOTES.helps]: 'helps' };

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
  const db = await openStore();
  const tx = db.transaction(['notes', 'plan']);
  const [notes, records] = await Promise.all([
    request(tx.objectStore('notes').getAll()), request(tx.objectStore('plan').getAll()),
  ]);
  const plan = emptyPlan();
  const locked = new Set();
  const read = async (stored, part) => {
    if (stored.sealed && !isOpen()) {
      locked.add(part);
      plan.open[part] = false;
      return null;
    }
    const record = await openRecord(stored);
    plan.open[part] = Boolean(record.open);
    return record;
  };
  for (const stored of notes) {
    const part = NOTE_PARTS[stored.key];
    const note = part ? await read(stored, part) : null;
    if (stored.key === NOTES.tooMuch && note) plan.signs.tooMuch = note.text;
    if (stored.key === NOTES.tooLittle && note) plan.signs.tooLittle = note.text;
    if (stored.key === NOTES.helps && note) plan.helps = note.text;
  }
  for (const stored of records) {
    if (!RECORDS.includes(stored.key)) continue;
    const record = await read(stored, stored.key);
    if (record) plan[stored.key] = record.value;
  }
  return { plan, locked: PARTS.filter((part) => locked.has(part)) };
}

/** Keep `plan` (this page must be open: isOpen, when anything of it is sealed). */
export async function savePlan(plan) {
  await saveNote(NOTES.tooMuch, plan.signs.tooMuch, plan.open.signs);
  await saveNote(NOTES.tooLittle, plan.signs.tooLittle, plan.open.signs);
  await saveNote(NOTES.helps, plan.helps, plan.open.helps);
  const records = await Promise.all(RECORDS.map((key) => {
    const record = { key, value: plan[key] };
    if (plan.open[key]) record.open = true;
    return sealRecord(record, 'key');
  }));
  await transaction('plan', 'readwrite', (store) => {
    for (const record of records) store.put(record);
  });
  if (hasContent(plan)) localStorage.setItem(EXISTS, '1');
  else localStorage.removeItem(EXISTS);
}
