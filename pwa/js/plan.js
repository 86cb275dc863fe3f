// "My plan for hard moments" (plan.html): the person's own signs, what helps, who to call, kept
// on this device (plan-store.js). The page shows the plan; "Change" opens the form on the same
// page. The general numbers are in the page itself, so they show before and without this script.

import './app.js';
import { $, element } from './dom.js';
import { appData, t } from './i18n.js';
import { askForPin } from './pin.js';
import {
  CARE, MAX_PEOPLE, PARTS, cleanPlan, dialable, emptyPlan, hasContent, suggestions,
} from './plan-data.js';
import { loadPlan, planExists, savePlan } from './plan-store.js';
import { startedExercise } from './urls.js';

const view = $('plan-view');
const form = $('plan-form');
const status = $('plan-status');
const titles = Object.fromEntries(appData.exercises.map((exercise) => [exercise.id, exercise.title]));
let current = { plan: emptyPlan(), locked: [] };

document.documentElement.classList.add('plan-page');

function section(heading, ...parts) {
  const node = element('section', { class: 'plan-part' });
  node.append(element('h2', {}, heading), ...parts);
  return node;
}

function words(text) {
  return element('p', { class: 'plan-words' }, text);
}

function callButtons(contact, { message = false } = {}) {
  const row = element('p', { class: 'call-buttons' });
  const number = dialable(contact.number);
  const who = contact.name || contact.number;
  row.append(element('a', { class: 'button primary', href: `tel:${number}` }, t('plan_call', { name: who })));
  if (message) row.append(element('a', { class: 'button', href: `sms:${number}` }, t('plan_message', { name: who })));
  return row;
}

function contactItem(contact, options) {
  const item = element('li', { class: 'plan-contact' });
  const name = element('span', { class: 'plan-contact-name' }, contact.label ?? contact.name);
  const detail = contact.label && contact.name ? `${contact.name}, ${contact.number}` : contact.number;
  item.append(name, element('span', { class: 'plan-contact-number' }, detail), callButtons(contact, options));
  return item;
}

function list(items, kind = '') {
  const node = element('ul', { class: `plan-list ${kind}`.trim() });
  node.append(...items);
  return node;
}

/** The plan as it shows: only the parts that hold something, in the order of a crisis card. */
function draw() {
  const { plan, locked } = current;
  const parts = [];
  if (plan.signs.tooMuch) parts.push(section(t('plan_too_much'), words(plan.signs.tooMuch)));
  if (plan.signs.tooLittle) parts.push(section(t('plan_too_little'), words(plan.signs.tooLittle)));
  if (plan.exercises.length || plan.helps) {
    // One tap starts each; printed, they are one line of names (app.css).
    const starts = plan.exercises.filter((id) => titles[id]).map((id) => {
      const item = element('li');
      item.append(element('a', { class: 'button', href: startedExercise(id) },
        t('plan_start', { title: titles[id] })));
      return item;
    });
    parts.push(section(t('plan_helps'), ...(starts.length ? [list(starts, 'plan-starts')] : []),
      ...(plan.helps ? [words(plan.helps)] : [])));
  }
  if (plan.people.length) {
    parts.push(section(t('plan_people'), list(plan.people.map((person) => contactItem(person, { message: true })))));
  }
  const care = CARE.filter((name) => plan.care[name].number)
    .map((name) => contactItem({ ...plan.care[name], label: t(`plan_care_${name}`) }));
  if (care.length) parts.push(section(t('plan_care'), list(care)));
  $('plan-empty').hidden = hasContent(plan) || locked.length > 0;
  $('plan-locked').hidden = locked.length === 0;
  $('plan-change').textContent = hasContent(plan) || locked.length ? t('plan_change') : t('plan_make');
  $('plan-print').hidden = !hasContent(plan);
  view.replaceChildren(...parts);
}

async function refresh() {
  current = await loadPlan();
  draw();
}

/** Ask for the PIN above the plan, once however often asked; the sealed parts show once it
 * is given. */
let asking = null;
function openSealed() {
  asking ??= askForPin(view, { heading: 'plan_pin_locked', label: 'plan_pin_enter' })
    .then(refresh).finally(() => {
      asking = null;
    });
  return asking;
}

// The form ---------------------------------------------------------------------------------

/** A box to tick for every exercise; "suggested by your therapist" beside those a kept set
 * suggests (markSuggested). */
function exerciseChoices() {
  $('plan-exercises').replaceChildren(...appData.exercises.map(({ id, title }) => {
    const row = element('p', { class: 'check' });
    row.append(
      element('input', { id: `exercise-${id}`, name: 'exercise', type: 'checkbox', value: id }),
      ' ', element('label', { for: `exercise-${id}` }, title), ' ',
      element('span', { class: 'hint', id: `suggested-${id}`, hidden: true }, t('plan_suggested')),
    );
    return row;
  }));
}
exerciseChoices();

const field = (id) => form.elements.namedItem(id);

function personRow(index, person) {
  const row = element('fieldset', { class: 'plan-person plan-someone' });
  row.append(element('legend', {}, t('plan_person', { n: index + 1 })));
  for (const [name, label, type] of [['name', t('plan_name'), 'text'], ['number', t('plan_number'), 'tel']]) {
    const id = `people-${index}-${name}`;
    row.append(element('label', { for: id }, label), element('input', {
      id, name: id, type, value: person[name], maxlength: name === 'name' ? '60' : '20',
      autocomplete: 'off', 'aria-describedby': `${id}-error`,
    }), element('p', { id: `${id}-error`, class: 'field-error', hidden: true }));
  }
  const remove = element('button', { type: 'button', class: 'button quiet' }, t('plan_remove_person', { n: index + 1 }));
  remove.addEventListener('click', () => {
    const people = readPeople();
    people.splice(index, 1);
    drawPeople(people);
    $('plan-add-person').focus();
  });
  row.append(remove);
  return row;
}

function readPeople() {
  return [...form.querySelectorAll('.plan-someone')].map((row, index) => ({
    name: field(`people-${index}-name`).value, number: field(`people-${index}-number`).value,
  }));
}

function drawPeople(people) {
  $('plan-people').replaceChildren(...people.map((person, index) => personRow(index, person)));
  $('plan-add-person').hidden = people.length >= MAX_PEOPLE;
}

function fill(plan) {
  field('too-much').value = plan.signs.tooMuch;
  field('too-little').value = plan.signs.tooLittle;
  field('helps').value = plan.helps;
  for (const box of form.querySelectorAll('input[name="exercise"]')) box.checked = plan.exercises.includes(box.value);
  drawPeople(plan.people.length ? plan.people : [{ name: '', number: '' }]);
  for (const name of CARE) {
    field(`${name}-name`).value = plan.care[name].name;
    field(`${name}-number`).value = plan.care[name].number;
  }
  for (const part of PARTS) field(`open-${part}`).checked = plan.open[part];
}

function read() {
  return {
    signs: { tooMuch: field('too-much').value, tooLittle: field('too-little').value },
    helps: field('helps').value,
    exercises: [...form.querySelectorAll('input[name="exercise"]:checked')].map((box) => box.value),
    people: readPeople(),
    care: Object.fromEntries(CARE.map((name) => [name, {
      name: field(`${name}-name`).value, number: field(`${name}-number`).value,
    }])),
    open: Object.fromEntries(PARTS.map((part) => [part, field(`open-${part}`).checked])),
  };
}

function showErrors(errors) {
  for (const error of form.querySelectorAll('.field-error')) {
    error.hidden = true;
    error.textContent = '';
  }
  for (const input of form.querySelectorAll('[aria-invalid]')) input.removeAttribute('aria-invalid');
  for (const [name, key] of errors) {
    const id = name.replaceAll('.', '-');
    $(id).setAttribute('aria-invalid', 'true');
    $(`${id}-error`).textContent = t(key);
    $(`${id}-error`).hidden = false;
  }
  if (errors.length) $(errors[0][0].replaceAll('.', '-')).focus();
}

/** Mark the exercises a therapist's kept set suggests, so the person can choose them. */
async function markSuggested(plan) {
  const { keptSets } = await import('./sets.js');
  const suggested = new Set(suggestions(plan, await keptSets()));
  for (const box of form.querySelectorAll('input[name="exercise"]')) {
    const on = suggested.has(box.value);
    $(`suggested-${box.value}`).hidden = !on;
    // Only a suggestion is said with its box: a hidden description is still read.
    if (on) box.setAttribute('aria-describedby', `suggested-${box.value}`);
    else box.removeAttribute('aria-describedby');
  }
}

async function edit() {
  await loaded; // a tap may come before the plan was read
  if (current.locked.length) await openSealed();
  fill(current.plan);
  showErrors([]);
  markSuggested(current.plan).catch((error) => console.warn('Houvast: no suggestions', error));
  $('plan-shown').hidden = true;
  form.hidden = false;
  status.textContent = '';
  $('plan-form-heading').focus();
}

function close(message = '') {
  form.hidden = true;
  $('plan-shown').hidden = false;
  status.textContent = message;
  $('plan-title').focus();
}

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  const { plan, errors } = cleanPlan(read(), Object.keys(titles));
  showErrors(errors);
  if (errors.length) return;
  try {
    await savePlan(plan);
    // The way-out bar holds the plan from now on (app.js), this page's too.
    document.querySelector('.way-out-plan').hidden = !planExists();
    current = { plan, locked: [] };
    draw();
    close(t('plan_saved'));
  } catch (error) {
    console.error('Houvast: the plan could not be kept', error);
    status.textContent = t('storage_error');
  }
});
$('plan-cancel').addEventListener('click', () => close());
$('plan-add-person').addEventListener('click', () => {
  const people = readPeople();
  drawPeople([...people, { name: '', number: '' }]);
  field(`people-${people.length}-name`).focus();
});
$('plan-change').addEventListener('click', () => edit());
$('plan-unlock').addEventListener('click', () => openSealed());
$('plan-print').addEventListener('click', () => window.print());

const loaded = refresh().catch((error) => {
  console.error('Houvast: the plan could not be read', error);
  status.textContent = t('storage_error');
});
