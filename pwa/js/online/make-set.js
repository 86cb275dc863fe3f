// The set builder (/<locale>/make-set): anyone puts a set together and gets a link with the
// whole set inside it (set-link.js), and a QR code of that link drawn here, so it works in
// the static export too. Not stored offline (online/): it is not for a person in distress.
//
// Items and times are kept in `state` and drawn from it again after every change to the list;
// what is typed goes into `state` as it is typed, so drawing again loses nothing.

import '../app.js';
import { $, element } from '../dom.js';
import { appData, fill, locale, pageData } from '../i18n.js';
import { encodeSet } from './set-link.js';
import qrcode from './vendor/qrcode-generator.js';

const strings = pageData.strings;
const s = (key, values) => fill(strings[key], values);
const exercises = new Map(pageData.exercises.map((exercise) => [exercise.id, exercise]));
const dayNames = [1, 2, 3, 4, 5, 6, 7].map((day) => new Intl.DateTimeFormat(locale, { weekday: 'long' })
  .format(new Date(2024, 0, day))); // 1 January 2024 was a Monday

const state = { items: [], times: [] };
let nextKey = 1; // ids for the fields of items and times, stable while they move

const form = $('make-set');
const status = $('make-set-status');
const result = $('set-result');

// Items ----------------------------------------------------------------------------------------

function timingField(item, timing) {
  const [key, step, label, value, min, max] = timing;
  const id = `v${item.key}-${key.replace(/\W/g, '-')}`;
  const wrap = element('div', { class: 'make-set-value' });
  const input = element('input', {
    id, type: 'text', inputmode: 'numeric', value: item.values[key] ?? String(value),
    'aria-describedby': `${id}-range ${id}-error`, 'data-key': key,
  });
  input.addEventListener('input', () => {
    item.values[key] = input.value;
    changed();
  });
  wrap.append(
    element('label', { for: id }, `${step}: ${label}`),
    input,
    element('span', { class: 'hint', id: `${id}-range` }, ` ${s('ms_range', { min, max })}`),
    element('p', { class: 'field-error', id: `${id}-error`, hidden: true }),
  );
  return wrap;
}

function itemButton(label, action, disabled = false) {
  const button = element('button', { type: 'button', class: 'button quiet', 'data-action': action }, label);
  button.disabled = disabled;
  return button;
}

function itemElement(item, index) {
  const exercise = exercises.get(item.exercise);
  const li = element('li', { class: 'make-set-item', 'data-exercise': item.exercise });
  const heading = element('h3', { id: `i${item.key}`, tabindex: '-1' },
    s('ms_item_heading', { n: index + 1, title: exercise.title }));
  li.append(heading);
  if (exercise.timings.length) {
    const details = element('details', { class: 'timings' });
    details.open = Object.keys(item.values).length > 0;
    details.append(element('summary', {}, s('ms_timings')),
      element('p', { class: 'hint' }, s('ms_timings_hint')),
      ...exercise.timings.map((timing) => timingField(item, timing)));
    li.append(details);
  }
  const noteId = `n${item.key}`;
  const note = element('textarea', { id: noteId, rows: 2, maxlength: appData.rules.set.itemNote });
  note.value = item.note;
  note.addEventListener('input', () => {
    item.note = note.value;
    changed();
  });
  li.append(element('label', { for: noteId }, s('ms_item_note')), note);
  const planId = `p${item.key}`;
  const plan = element('input', { id: planId, type: 'checkbox' });
  plan.checked = item.plan;
  plan.addEventListener('change', () => {
    item.plan = plan.checked;
    changed();
  });
  const check = element('p', { class: 'check' });
  check.append(plan, element('label', { for: planId }, s('ms_item_plan')));
  li.append(check);
  const buttons = element('p', { class: 'make-set-item-buttons', role: 'group', 'aria-labelledby': heading.id });
  buttons.append(
    itemButton(s('ms_move_up'), 'up', index === 0),
    itemButton(s('ms_move_down'), 'down', index === state.items.length - 1),
    itemButton(s('ms_remove'), 'remove'),
  );
  buttons.addEventListener('click', (event) => {
    const action = event.target.closest('button')?.dataset.action;
    if (action) itemAction(item, action);
  });
  li.append(buttons);
  return li;
}

function drawItems() {
  $('set-items').replaceChildren(...state.items.map(itemElement));
  $('add-item').disabled = state.items.length >= appData.rules.set.items;
}

function itemAction(item, action) {
  const index = state.items.indexOf(item);
  const title = exercises.get(item.exercise).title;
  if (action === 'remove') {
    state.items.splice(index, 1);
    drawItems();
    say(s('ms_removed', { title }));
    const next = state.items[Math.min(index, state.items.length - 1)];
    (next ? $(`i${next.key}`) : $('add-exercise')).focus();
  } else {
    const to = action === 'up' ? index - 1 : index + 1;
    [state.items[index], state.items[to]] = [state.items[to], state.items[index]];
    drawItems();
    say(s('ms_moved', { title, n: to + 1 }));
    // Stay on the same button of the item that moved, or its other one at an end of the list.
    const buttons = $(`i${item.key}`).parentElement.querySelector('.make-set-item-buttons');
    const same = buttons.querySelector(`[data-action="${action}"]`);
    (same.disabled ? buttons.querySelector(`[data-action="${action === 'up' ? 'down' : 'up'}"]`) : same).focus();
  }
  changed();
}

function addItem() {
  if (state.items.length >= appData.rules.set.items) return;
  const id = $('add-exercise').value;
  state.items.push({ key: nextKey++, exercise: id, values: {}, note: '', plan: false });
  drawItems();
  say(s('ms_added', { title: exercises.get(id).title, n: state.items.length }));
  $('items-error').hidden = true;
  changed();
}

// Suggested times ------------------------------------------------------------------------------

function timeElement(time, index) {
  const li = element('li', { class: 'make-set-time' });
  const group = element('fieldset', { 'aria-describedby': `t${time.key}-error` });
  group.append(element('legend', {}, s('ms_time_heading', { n: index + 1 })));
  const days = element('div', { class: 'reminder-days' });
  dayNames.forEach((name, i) => {
    const id = `t${time.key}-d${i + 1}`;
    const box = element('input', { id, type: 'checkbox', value: i + 1 });
    box.checked = time.days.has(i + 1);
    box.addEventListener('change', () => {
      if (box.checked) time.days.add(i + 1);
      else time.days.delete(i + 1);
      changed();
    });
    const check = element('p', { class: 'check' });
    check.append(box, element('label', { for: id }, name));
    days.append(check);
  });
  const input = element('input', { id: `t${time.key}-time`, type: 'time', value: time.time });
  input.addEventListener('input', () => {
    time.time = input.value;
    changed();
  });
  const remove = element('button', { type: 'button', class: 'button quiet' }, s('ms_remove_time'));
  remove.addEventListener('click', () => {
    state.times.splice(state.times.indexOf(time), 1);
    drawTimes();
    $('add-time').focus();
    changed();
  });
  group.append(days, element('label', { for: input.id }, s('ms_time')), input,
    element('p', { class: 'field-error', id: `t${time.key}-error`, hidden: true }),
    element('p', {}, ''));
  group.lastChild.append(remove);
  li.append(group);
  return li;
}

function drawTimes() {
  $('set-times').replaceChildren(...state.times.map(timeElement));
  $('add-time').disabled = state.times.length >= appData.rules.set.reminders;
}

// Checking and making the link -----------------------------------------------------------------

function showError(id, message) {
  const box = $(`${id}-error`);
  box.textContent = message ?? '';
  box.hidden = !message;
  const field = $(id);
  if (field) field.setAttribute('aria-invalid', String(Boolean(message)));
}

/** The set as typed, or null after marking what is wrong. */
function checked() {
  let ok = true;
  const fail = (id, message) => {
    showError(id, message);
    ok = false;
  };
  const title = $('set-title').value.trim();
  if (title) showError('set-title', null);
  else fail('set-title', s('ms_no_title'));
  if (state.items.length) showError('items', null);
  else fail('items', s('ms_no_items'));
  const items = state.items.map((item) => {
    const values = {};
    for (const [key, , , value, min, max] of exercises.get(item.exercise).timings) {
      const input = $(`v${item.key}-${key.replace(/\W/g, '-')}`);
      const typed = (item.values[key] ?? String(value)).trim();
      const number = /^\d{1,6}$/.test(typed) ? Number(typed) : NaN;
      if (number >= min && number <= max) {
        showError(input.id, null);
        if (number !== value) values[key] = number; // only what differs travels in the link
      } else {
        input.closest('details').open = true;
        fail(input.id, s('ms_bad_value', { min, max }));
      }
    }
    return { exercise: item.exercise, values, note: item.note.trim(), plan: item.plan };
  });
  const reminders = state.times.map((time) => {
    const id = `t${time.key}`;
    let message = null;
    if (!time.days.size) message = s('ms_no_day');
    else if (!new RegExp(appData.rules.time).test(time.time)) message = s('ms_bad_time');
    showError(id, message);
    $(`${id}-time`).setAttribute('aria-invalid', String(message === s('ms_bad_time')));
    if (message) ok = false;
    return { days: [...time.days].sort(), time: time.time };
  });
  if (!ok) return null;
  return {
    title, note: $('set-note').value.trim(), locale: $('set-locale').value, items, reminders,
  };
}

const SVG = 'http://www.w3.org/2000/svg';
const QR_EASY_VERSION = 25;

/** The QR code as SVG: one path of dark modules, a quiet zone of four. */
function qrSvg(text, label) {
  const qr = qrcode(0, 'M');
  qr.addData(text, 'Byte');
  qr.make();
  const size = qr.getModuleCount();
  let path = '';
  for (let row = 0; row < size; row += 1) {
    for (let col = 0; col < size; col += 1) {
      if (qr.isDark(row, col)) path += `M${col + 4} ${row + 4}h1v1h-1z`;
    }
  }
  const svg = document.createElementNS(SVG, 'svg');
  const view = size + 8;
  for (const [name, value] of Object.entries({
    viewBox: `0 0 ${view} ${view}`, role: 'img', 'aria-label': label, 'shape-rendering': 'crispEdges',
    'data-version': qr.getTypeNumber?.() ?? (size - 17) / 4,
  })) svg.setAttribute(name, value);
  const back = document.createElementNS(SVG, 'rect');
  back.setAttribute('width', view);
  back.setAttribute('height', view);
  back.setAttribute('fill', '#fff');
  const dark = document.createElementNS(SVG, 'path');
  dark.setAttribute('d', path);
  dark.setAttribute('fill', '#000');
  svg.append(back, dark);
  return svg;
}

function say(message) {
  status.textContent = message;
}

function changed() {
  // A link already made no longer matches what is on the form.
  result.hidden = true;
}

async function makeLink(event) {
  event.preventDefault();
  const set = checked();
  if (!set) {
    say(s('ms_fix'));
    form.querySelector('[aria-invalid="true"], .field-error:not([hidden])')?.closest('fieldset, div, li')
      ?.querySelector('input, textarea, select, button')?.focus();
    return;
  }
  const link = new URL(pageData.setLinks[set.locale] + await encodeSet(set), location.href).href;
  let svg;
  try {
    svg = qrSvg(link, s('ms_qr_label', { title: set.title }));
  } catch {
    say(s('ms_too_long')); // more than a version-40 code holds
    return;
  }
  $('set-qr').replaceChildren(svg);
  $('set-link').value = link;
  $('open-link').href = link;
  result.hidden = false;
  // Past version 25 the modules get small: a phone's camera finds it hard to read from a screen.
  const large = Number(svg.getAttribute('data-version')) > QR_EASY_VERSION;
  say(large ? `${s('ms_ready', { length: link.length })} ${s('ms_qr_large')}` : s('ms_ready', { length: link.length }));
  $('result-heading').focus();
}

async function copyLink() {
  const field = $('set-link');
  try {
    await navigator.clipboard.writeText(field.value);
    say(s('link_copied'));
  } catch {
    field.focus();
    field.select();
    say(s('link_copy_yourself'));
  }
}

function start() {
  const picker = $('add-exercise');
  picker.replaceChildren(...[...exercises.values()]
    .map((exercise) => element('option', { value: exercise.id }, exercise.title)));
  $('add-item').addEventListener('click', addItem);
  $('add-time').addEventListener('click', () => {
    state.times.push({ key: nextKey++, days: new Set(), time: '' });
    drawTimes();
    $(`t${state.times.at(-1).key}-d1`).focus();
    changed();
  });
  for (const id of ['set-title', 'set-note', 'set-locale']) $(id).addEventListener('input', changed);
  form.addEventListener('submit', makeLink);
  $('copy-link').addEventListener('click', copyLink);
  drawItems();
  drawTimes();
  form.classList.add('ready');
}

start();
