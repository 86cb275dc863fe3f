// One exercise of a kept set, handed from the set page to the exercise page's player: the
// therapist's values, the item's note, and where the set goes next. It travels in this tab's
// session storage rather than being read from the store again, because with a PIN the kept
// sets are sealed, and practising never asks for the PIN (store.js). The address says which
// set and item (?set=<id>&item=<n>), so a reload keeps them.

import { $, element } from './dom.js';
import { appData, t } from './i18n.js';
import { url } from './urls.js';

const KEY = 'houvast.set-item';

/** The address of item `index` of a kept set (`record` from sets.js). */
export function itemUrl(record, index) {
  const { exercise } = record.set.items[index];
  return `${url('exercise', { id: exercise })}?${new URLSearchParams({ set: record.id, item: index })}`;
}

/** Remember the set for the exercise page about to open (call just before it opens). */
export function handOver(record, index) {
  const { title, locale, items } = record.set;
  sessionStorage.setItem(KEY, JSON.stringify({ set: record.id, title, locale, items, index,
    back: `${url('set_in', { locale })}#k=${encodeURIComponent(record.id)}` }));
}

/** The set item this page plays, or null: {set, title, index, items, item, back}. */
export function currentItem(exerciseId) {
  const params = new URLSearchParams(location.search);
  try {
    const kept = JSON.parse(sessionStorage.getItem(KEY) || 'null');
    const index = Number(params.get('item'));
    const item = kept?.items?.[index];
    if (!kept || kept.set !== params.get('set') || item?.exercise !== exerciseId) return null;
    return { ...kept, index, item };
  } catch {
    return null;
  }
}

/** The person's settings with the therapist's values for this exercise as its timings; the
 * person's pace still applies to all of them (timeline.js). */
export function withValues(prefs, exerciseId, values) {
  const own = prefs.overrides[exerciseId] ?? {};
  return { ...prefs, overrides: { ...prefs.overrides, [exerciseId]: { ...own, ...values } } };
}

/** Before the run: which set this is, and the therapist's note for this exercise. */
export function showItemNote(playing) {
  const info = $('exercise-info');
  if (!info) return;
  const box = element('div', { class: 'notice set-item-note', lang: playing.locale });
  box.append(element('p', { class: 'set-item-of' }, t('set_item_of', {
    n: playing.index + 1, total: playing.items.length, title: playing.title })));
  if (playing.item.note) box.append(element('p', { class: 'set-item-text' }, playing.item.note));
  info.prepend(box);
}

const titles = new Map(appData.exercises.map((exercise) => [exercise.id, exercise.title]));

/** After the run: on to the set's next exercise this app knows (in order, as the set page
 * offers them), or back to the set. */
export function endLinks(playing) {
  const index = playing.items.findIndex((item, i) => i > playing.index && titles.has(item.exercise));
  const next = index >= 0 ? playing.items[index] : null;
  const links = element('p', { class: 'call-buttons set-end-links' });
  if (next) {
    const link = element('a', { class: 'button primary', href: '' },
      t('set_next', { title: titles.get(next.exercise) }));
    link.href = `${url('exercise', { id: next.exercise })}?${new URLSearchParams({ set: playing.set, item: index })}`;
    link.addEventListener('click', () => {
      sessionStorage.setItem(KEY, JSON.stringify({ ...playing, item: undefined, index }));
    });
    links.append(link);
  }
  links.append(element('a', { class: next ? 'button' : 'button primary', href: playing.back }, t('set_back')));
  return links;
}
