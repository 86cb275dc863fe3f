// Home: the sets a person keeps come first ("Your sets"), before all exercises, and the way to
// open a set with the short code a therapist gives. Built by script, as sets live on the
// device; a home without kept sets only gains one link.

import './app.js';
import { element } from './dom.js';
import { t } from './i18n.js';
import { canSync, countSets, keptSets, queuedWithdrawals, syncSets } from './sets.js';
import { isOpen } from './store.js';
import { url } from './urls.js';

const main = document.getElementById('main');
const intro = main.querySelector('.intro');

function openLink() {
  return element('a', { class: 'set-open-link', href: url('set') }, t('set_open_code'));
}

function paragraph(node) {
  const wrap = element('p');
  wrap.append(node);
  return wrap;
}

async function cards() {
  const list = element('ul', { class: 'exercise-list set-list' });
  for (const record of await keptSets()) {
    const link = element('a', { href: `${url('set_in', { locale: record.set.locale })}#k=${encodeURIComponent(record.id)}` });
    const count = t('set_count', { count: record.set.items.length });
    const state = record.updated ? t('set_updated_short') : record.revoked ? t('set_revoked_short') : '';
    link.append(
      element('span', { class: 'exercise-title', lang: record.set.locale }, record.set.title),
      element('span', { class: 'exercise-length' }, state ? `${count} · ${state}` : count),
    );
    const card = element('li', { class: 'exercise-card set-card' });
    card.append(link);
    list.append(card);
  }
  return list;
}

async function draw(section) {
  const parts = [element('h2', { class: 'list-heading', id: 'your-sets' }, t('your_sets'))];
  // With a PIN the sets are sealed: their titles show once it is given, on the set page.
  if (isOpen()) parts.push(await cards());
  else parts.push(element('p', {}, t('sets_locked')), paragraph(element('a', { href: url('set') }, t('sets_open_locked'))));
  if (canSync()) parts.push(paragraph(openLink()));
  section.replaceChildren(...parts);
}

async function show() {
  if (!(await countSets())) {
    // No set yet: one quiet line for whoever has a code (the installed app has no address bar).
    if (canSync()) main.querySelector('.help-notice')?.before(paragraph(openLink()));
    // What a removed set (or starting fresh) shared is still to be withdrawn.
    if (queuedWithdrawals().length) await syncSets();
    return;
  }
  const section = element('section', { class: 'exercise-section home-sets', 'aria-labelledby': 'your-sets' });
  await draw(section);
  intro.after(section);
  if (isOpen() && navigator.onLine) {
    const before = JSON.stringify(await keptSets());
    await syncSets();
    // Redrawn only when the server changed something, so the focus is seldom disturbed.
    if (JSON.stringify(await keptSets()) !== before) await draw(section);
  }
}

show().catch((error) => console.error('Houvast: the kept sets could not be shown', error));
