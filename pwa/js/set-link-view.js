// The set page for a set inside its link (#s=...): read it (set-link.js) and show it, with
// what such a set cannot do. The page for a therapist's link (#t=...) is built on branch
// client-sets; once merged, its showSet takes the set read here and this view goes.

import { $, element } from './dom.js';
import { appData, formatNumber, locale, t } from './i18n.js';
import { decodeSet } from './set-link.js';
import { url } from './urls.js';

const exercises = new Map(appData.exercises.map((exercise) => [exercise.id, exercise]));
const dayName = (day) => new Intl.DateTimeFormat(locale, { weekday: 'long' }).format(new Date(2024, 0, day));

function itemElement(item) {
  const exercise = exercises.get(item.exercise);
  const li = element('li', { class: 'set-item', 'data-exercise': item.exercise });
  li.append(element('h3', {}, exercise.title));
  const values = exercise.timings.filter(([key]) => key in item.values);
  if (values.length) {
    const list = element('ul', { class: 'set-values' });
    for (const [key, step, label] of values) {
      list.append(element('li', { 'data-key': key }, `${step}: ${label} ${formatNumber(item.values[key])}`));
    }
    li.append(list);
  }
  if (item.note) li.append(element('p', { class: 'set-item-note' }, item.note));
  li.append(element('a', { class: 'button', href: `${url('exercise', { id: item.exercise })}` }, t('link_set_start')));
  return li;
}

async function show() {
  const text = new URLSearchParams(location.hash.slice(1)).get('s');
  if (text === null) return;
  const page = $('set-page');
  let set;
  try {
    set = await decodeSet(text, appData.exercises);
  } catch (error) {
    console.warn('Houvast: not a set link', error);
    page.replaceChildren(element('p', { class: 'notice', id: 'set-link-bad' }, t('link_set_bad')));
    return;
  }
  const parts = [element('h2', { id: 'set-title' }, set.title)];
  for (const paragraph of set.note.split(/\n+/).filter(Boolean)) {
    parts.push(element('p', { class: 'set-note' }, paragraph));
  }
  parts.push(element('p', { class: 'notice', id: 'set-link-only' }, t('link_set_notice')));
  const items = element('ol', { class: 'set-items', id: 'set-items' });
  items.append(...set.items.map(itemElement));
  parts.push(items);
  if (set.reminders.length) {
    const times = element('ul', { class: 'set-times' });
    for (const reminder of set.reminders) {
      times.append(element('li', {}, `${reminder.days.map(dayName).join(', ')} · ${reminder.time}`));
    }
    parts.push(element('h3', {}, t('link_set_times')), times);
  }
  page.replaceChildren(...parts);
}

show();
