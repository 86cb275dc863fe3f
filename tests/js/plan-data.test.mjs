// The plan for hard moments as data (pwa/js/plan-data.js): what is kept, what is refused.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  checkContact, cleanPlan, dialable, emptyPlan, hasContent, OPEN_BY_DEFAULT, suggestions,
} from '../../pwa/js/plan-data.js';

const form = (changes = {}) => ({ ...emptyPlan(), ...changes });

test('a phone number dials as its digits, a leading plus kept', () => {
  assert.equal(dialable('06-12 34 56 78'), '0612345678');
  assert.equal(dialable(' +31 (0)20 123 4567 '), '+310201234567');
});

test('a contact needs a name and a number that is one; an empty one is left out', () => {
  assert.deepEqual(checkContact({ name: '', number: '' }), {});
  assert.deepEqual(checkContact({ name: 'Sanne', number: '06 12345678' }), {});
  assert.deepEqual(checkContact({ name: 'Sanne', number: '' }), { number: 'plan_number_missing' });
  assert.deepEqual(checkContact({ name: '', number: '0612345678' }), { name: 'plan_name_missing' });
  assert.deepEqual(checkContact({ name: 'Sanne', number: 'call me' }), { number: 'plan_number_invalid' });
  assert.deepEqual(checkContact({ name: 'Sanne', number: '12' }), { number: 'plan_number_invalid' });
  assert.deepEqual(checkContact({ name: 'Sanne', number: '06+12' }), { number: 'plan_number_invalid' });
  // A care contact has its own label: its number alone is enough.
  assert.deepEqual(checkContact({ name: '', number: '088 0030600' }, { nameNeeded: false }), {});
});

test('the plan keeps trimmed words, known exercises once, and filled-in people', () => {
  const { plan, errors } = cleanPlan(form({
    signs: { tooMuch: '  my heart races \n', tooLittle: '' },
    helps: ' cold water ',
    exercises: ['grounding', 'grounding', 'gone-since', 'orienting'],
    people: [{ name: ' Sanne ', number: ' 06 12345678 ' }, { name: '', number: '' }],
  }), ['grounding', 'orienting']);
  assert.deepEqual(errors, []);
  assert.equal(plan.signs.tooMuch, 'my heart races');
  assert.equal(plan.helps, 'cold water');
  assert.deepEqual(plan.exercises, ['grounding', 'orienting']);
  assert.deepEqual(plan.people, [{ name: 'Sanne', number: '06 12345678' }]);
  assert.deepEqual(plan.open, OPEN_BY_DEFAULT);
  assert.ok(hasContent(plan));
});

test('every wrong field is named, so the form can say where', () => {
  const raw = form({ people: [{ name: 'Sanne', number: 'x' }, { name: '', number: '0612345678' }] });
  raw.care = { ...raw.care, gp: { name: 'Dr. Jansen', number: '' } };
  const { errors } = cleanPlan(raw, []);
  assert.deepEqual(errors, [
    ['people.0.number', 'plan_number_invalid'],
    ['people.1.name', 'plan_name_missing'],
    ['care.gp.number', 'plan_number_missing'],
  ]);
});

test('an empty plan is empty', () => {
  assert.equal(hasContent(cleanPlan(emptyPlan(), []).plan), false);
});

test("a therapist's set suggests only what it marks, once, and never what is chosen already", () => {
  const kept = [
    { source: 'therapist', set: { items: [{ exercise: 'orienting', plan: true }, { exercise: 'four-s' }] } },
    { source: 'therapist', set: { items: [{ exercise: 'orienting', plan: true }, { exercise: 'grounding', plan: true }] } },
    // A set from a link anyone can make: not "suggested by your therapist".
    { source: 'link', set: { items: [{ exercise: 'four-s', plan: true }] } },
  ];
  assert.deepEqual(suggestions(form({ exercises: ['grounding'] }), kept), ['orienting']);
});
