// The set page (/<locale>/set): a set from a therapist arrives here, is kept, practised, shared
// or removed. What the address says:
//   #t=<token>  a therapist's link (docs/sets.md): read, then taken out of the address
//   #k=<id>     a set kept on this phone
//   (nothing)   the kept sets, and a field for the short code a therapist gives
//   #s=<data>   a set carried whole in its link (online/set-link.js, docs/sets.md): read, then taken
//               out of the address too
// Everything here is built with dom.js from checked data (sets-data.js), never from markup.

import './app.js';
import { $, element } from './dom.js';
import { appData, formatDate, locale, t } from './i18n.js';
import { askForPin } from './pin.js';
import {
  canSync, keepSet, keptSet, keptSets, openShared, removeSet, startSharing, stopSharing,
  syncSets, updateKept,
} from './sets.js';
import { handOver, itemUrl } from './set-item.js';
import { isOpen } from './store.js';
import { url } from './urls.js';

const page = $('set-page');
const heading = $('set-heading');
// A set opened but not kept yet, for this tab only: the token is out of the address, and a
// reload (or the move to the set's own language) must still find it. Only those: any other
// visit to the page shows the kept sets and the code field (takeOpened).
const OPENED = 'houvast.set-opened';
// A therapist's link opened offline: its token waits here (this tab only) until the phone is
// online again, when the set opens.
const PENDING = 'houvast.set-token';
const REMINDERS = 'houvast.reminders'; // the reminders page's list (online/reminders.js)
const staticSite = 'staticSite' in document.documentElement.dataset;
const titles = new Map(appData.exercises.map((exercise) => [exercise.id, exercise.title]));

function button(text, { primary = false, id = null } = {}) {
  const node = element('button', { type: 'button', class: primary ? 'button primary' : 'button' }, text);
  if (id) node.id = id;
  return node;
}

function row(...nodes) {
  const wrap = element('p', { class: 'call-buttons' });
  wrap.append(...nodes);
  return wrap;
}

/** Replace the page's content; the heading takes the set's title in the set's language. */
function draw(title, lang, ...nodes) {
  heading.textContent = title;
  if (lang) heading.setAttribute('lang', lang);
  else heading.removeAttribute('lang');
  document.title = `${title} · Houvast`;
  page.replaceChildren(...nodes);
}

function status(message = '') {
  return element('p', { id: 'set-status', class: 'status', role: 'status' }, message);
}

const say = (message) => { $('set-status').textContent = message; };

/** "Monday and Thursday at 20:00": a suggested time as people read it. */
function formatTime({ days, time }) {
  const [hours, minutes] = time.split(':').map(Number);
  // 1 January 2024 was a Monday: ISO day n is 2024-01-n (UTC, so no zone shifts it).
  const at = (day, h = 0, m = 0) => Date.UTC(2024, 0, day, h, m);
  const names = days.map((day) => new Intl.DateTimeFormat(locale, { weekday: 'long', timeZone: 'UTC' }).format(at(day)));
  const when = days.length === 7 ? t('set_every_day')
    : new Intl.ListFormat(locale, { type: 'conjunction' }).format(names);
  const clock = new Intl.DateTimeFormat(locale, { timeStyle: 'short', timeZone: 'UTC' }).format(at(1, hours, minutes));
  const text = t('set_time', { days: when, time: clock });
  return text.charAt(0).toLocaleUpperCase(locale) + text.slice(1);
}

/** The set's note, the exercises with their notes, and the suggested times. A set carried in
 * its link (source 'link') was made by anyone with the link builder: it never says it comes
 * from a therapist. */
function setBody(set, { record = null, source = record?.source } = {}) {
  const parts = [];
  if (set.note) {
    const note = element('section', { class: 'notice set-note', lang: set.locale, 'aria-labelledby': 'set-note-heading' });
    const label = source === 'therapist' ? t('set_note') : t('set_note_link');
    note.append(element('h2', { id: 'set-note-heading' }, label), element('p', {}, set.note));
    parts.push(note);
  }
  parts.push(element('h2', { id: 'set-items-heading' }, t('set_items')));
  const list = element('ol', { class: 'set-items', 'aria-labelledby': 'set-items-heading' });
  set.items.forEach((item, index) => {
    const known = titles.has(item.exercise);
    const entry = element('li', { class: 'set-item' });
    entry.append(element('span', { class: 'set-item-title' }, known ? titles.get(item.exercise) : t('unknown_exercise')));
    if (item.note) entry.append(element('span', { class: 'set-item-text', lang: set.locale }, item.note));
    if (item.plan && known) entry.append(element('p', { class: 'hint set-item-plan' }, t('set_item_plan')));
    if (record && known) {
      const start = element('a', { class: 'button', href: itemUrl(record, index) }, t('set_start_item'));
      start.setAttribute('aria-label', `${t('set_start_item')}: ${titles.get(item.exercise)}`);
      start.addEventListener('click', () => handOver(record, index));
      entry.append(start);
    }
    list.append(entry);
  });
  parts.push(list);
  if (set.reminders.length) {
    parts.push(element('h2', { id: 'set-times-heading' }, t('set_times')));
    const times = element('ul', { class: 'set-times', 'aria-labelledby': 'set-times-heading' });
    times.append(...set.reminders.map((time) => element('li', {}, formatTime(time))));
    parts.push(times);
  }
  return parts;
}

// A set just opened ----------------------------------------------------------------------------

/**
 * Show a set that is not kept yet, with "Keep on this phone". `token` is the therapist's (a set
 * that can be updated and share progress); without one (a set carried in a link) it stays as
 * it is, and the page says so. Also for the sets carried in a link (#s=).
 */
export async function showSet(set, { token = null, source = token ? 'therapist' : 'link' } = {}) {
  if (set.id && isOpen()) {
    if (await keptSet(set.id)) {
      sessionStorage.removeItem(OPENED);
      const record = await keepSet(set, { token, source });
      history.replaceState(null, '', `#k=${encodeURIComponent(record.id)}`);
      await showKept(record, t('set_already_kept'));
      return;
    }
  }
  sessionStorage.setItem(OPENED, JSON.stringify({ set, token, source }));
  const keep = button(t('set_keep'), { primary: true, id: 'set-keep' });
  const parts = [
    ...(source === 'therapist' ? [element('p', { class: 'set-from' }, t('set_from_therapist'))] : []),
    ...setBody(set, { source }),
    element('p', {}, token ? t('set_keep_privacy') : t('set_link_only')),
    row(keep),
    status(),
  ];
  draw(set.title, set.locale, ...parts);
  keep.addEventListener('click', async () => {
    keep.disabled = true;
    try {
      await askForPin(page); // a PIN seals what is kept; a kept copy is opened to be merged
      const record = await keepSet(set, { token, source });
      sessionStorage.removeItem(OPENED);
      history.replaceState(null, '', `#k=${encodeURIComponent(record.id)}`);
      await showKept(record, t('set_kept'));
      heading.focus(); // the page is new from its top: the set, and that it is kept
      // Tell the therapist's server it is kept here: from then on the link opens nothing more.
      if (token) syncSets(record.id);
    } catch (error) {
      console.error('Houvast: the set could not be kept', error);
      keep.disabled = false;
      say(t('storage_error'));
    }
  });
}

/** Open a set by token or code, then show it in its own language. */
async function open(body) {
  const opened = await openShared(body);
  if (opened.error) return opened.error;
  if (opened.set.locale !== locale) {
    sessionStorage.setItem(OPENED, JSON.stringify({
      set: opened.set, token: opened.token, source: 'therapist', handOver: true,
    }));
    location.assign(url('set_in', { locale: opened.set.locale }));
    return null;
  }
  await showSet(opened.set, { token: opened.token });
  heading.focus();
  return null;
}

const OPEN_ERRORS = {
  revoked: 'set_error_revoked',
  used: 'set_error_used',
  expired: 'set_error_expired',
  unknown: 'set_error_unknown',
  'bad-code': 'set_code_invalid',
  offline: 'set_error_offline',
  server: 'set_error_server',
};

// A kept set ----------------------------------------------------------------------------------

async function showKept(record, message = '') {
  const { set } = record;
  // What just happened comes first, where the person is looking.
  const parts = [status(message)];
  if (record.updated) {
    parts.push(element('p', { class: 'notice set-updated' },
      t('set_updated', { date: formatDate(new Date(record.updated)) })));
  }
  if (record.revoked) parts.push(element('p', { class: 'notice set-revoked' }, t('set_revoked')));
  if (record.source === 'link') parts.push(element('p', { class: 'set-from' }, t('set_link_only')));
  const first = set.items.findIndex((item) => titles.has(item.exercise));
  if (first >= 0) {
    const start = element('a', { class: 'button primary', id: 'set-start', href: itemUrl(record, first) }, t('set_start'));
    start.addEventListener('click', () => handOver(record, first));
    parts.push(row(start));
  }
  parts.push(...setBody(set, { record }));
  if (set.reminders.length && !staticSite) {
    // A reminder (a notification, a calendar entry) can only name an exercise: it opens that
    // exercise on its own, without the set's timings or sharing. The page says so.
    parts.push(row(remindersButton(record)),
      element('p', { class: 'hint', id: 'set-reminders-hint' }, t('set_reminders_hint')));
  }
  if (record.source === 'therapist' && canSync()) parts.push(sharing(record));
  parts.push(removal(record));
  draw(set.title, set.locale, ...parts);
  // "Updated by your therapist" is said once, here; home shows it until then.
  if (record.updated) await updateKept(record.id, (current) => current && { ...current, updated: null });
}

function remindersButton(record) {
  const add = button(t('set_add_reminders'), { id: 'set-add-reminders' });
  add.addEventListener('click', async () => {
    // The reminders page sends them as notifications or offers the calendar file: it needs
    // the server, as does its script (online/), so offline the person is told to come back.
    try {
      if (!navigator.onLine) throw new Error('offline');
      const { isReminder, suggestedReminders } = await import('./online/reminders-data.js');
      let list = [];
      try {
        list = JSON.parse(localStorage.getItem(REMINDERS) || '[]').filter((item) => isReminder(item, appData.rules));
      } catch {
        // A damaged list: the reminders page would drop it too.
      }
      localStorage.setItem(REMINDERS, JSON.stringify([...list, ...suggestedReminders(record.set, list)]));
      location.assign(url('reminders'));
    } catch {
      say(t('set_reminders_offline'));
    }
  });
  return add;
}

/** Sharing progress: what it means and the button to start it, or, while it is on, what went
 * and the button to stop it (also once the therapist stopped the link: what was shared stays
 * on the server until the person withdraws it). Each button acts on the set as stored now. */
function sharing(record) {
  const section = element('section', { class: 'set-sharing', 'aria-labelledby': 'set-sharing-heading' });
  section.append(element('h2', { id: 'set-sharing-heading' }, t('share_heading')));
  const { progress } = record;
  if (progress) {
    const waiting = progress.secret ? t('share_sent', { count: progress.sent.length }) : t('share_waiting');
    const state = record.revoked ? t('share_revoked_on') : `${t('share_on')} ${waiting}`;
    const stop = button(t('share_stop'), { id: 'share-stop' });
    section.append(element('p', { id: 'share-state' }, state), row(stop));
    stop.addEventListener('click', async () => {
      stop.disabled = true;
      const { record: next, done } = await stopSharing(record.id);
      const message = done ? t('share_stopped') : t('share_stopped_later');
      if (next) await showKept(next, message);
      else await showList(message);
      ($('share-start') ?? heading).focus();
    });
    return section;
  }
  if (record.revoked) {
    section.append(element('p', {}, t('share_revoked')));
    return section;
  }
  const what = element('ul', { class: 'share-facts' });
  what.append(...['share_what', 'share_never', 'share_whom', 'share_how_stop']
    .map((key) => element('li', {}, t(key))));
  const start = button(t('share_start'), { id: 'share-start' });
  section.append(element('p', {}, t('share_intro')), what, row(start));
  start.addEventListener('click', async () => {
    start.disabled = true;
    const next = await startSharing(record.id);
    if (!next) {
      await showList();
      heading.focus();
      return;
    }
    await showKept(next, t('share_started'));
    $('share-stop')?.focus();
    await syncAndShow(next.id);
  });
  return section;
}

function removal(record) {
  const section = element('section', { class: 'set-remove', 'aria-labelledby': 'set-remove-heading' });
  const ask = button(t('set_remove'), { id: 'set-remove' });
  const confirm = element('div', { class: 'notice', id: 'set-remove-confirm', hidden: true });
  const yes = button(t('set_remove_yes'), { primary: true, id: 'set-remove-yes' });
  const no = button(t('set_remove_no'), { id: 'set-remove-no' });
  const text = record.progress ? `${t('set_remove_text')} ${t('set_remove_sharing')}` : t('set_remove_text');
  confirm.append(element('p', {}, text), row(yes, no));
  section.append(element('h2', { id: 'set-remove-heading', class: 'visually-hidden' }, t('set_remove')), row(ask), confirm);
  ask.addEventListener('click', () => {
    confirm.hidden = false;
    ask.hidden = true;
    no.focus();
  });
  no.addEventListener('click', () => {
    confirm.hidden = true;
    ask.hidden = false;
    ask.focus();
  });
  yes.addEventListener('click', async () => {
    yes.disabled = true;
    await removeSet(record.id);
    history.replaceState(null, '', location.pathname + location.search);
    await showList(t('set_removed'));
    heading.focus();
  });
  return section;
}

/** Check the shown set with the server, and show what changed (a new version, a stopped
 * link, runs sent), keeping the focus where it was. */
async function syncAndShow(id) {
  const before = JSON.stringify(await keptSet(id));
  await syncSets(id);
  const after = await keptSet(id);
  if (!after || JSON.stringify(after) === before) return;
  if (new URLSearchParams(location.hash.slice(1)).get('k') !== id) return; // moved on
  const focused = document.activeElement?.id;
  const message = $('set-status')?.textContent ?? '';
  await showKept(after, message);
  if (focused) $(focused)?.focus();
}

// Every kept set, and the short code -----------------------------------------------------------

async function showList(message = '') {
  const kept = await keptSets();
  const parts = [status(message)];
  if (kept.length) {
    const list = element('ul', { class: 'set-list' });
    for (const record of kept) {
      const link = element('a', { href: `${url('set_in', { locale: record.set.locale })}#k=${encodeURIComponent(record.id)}` });
      link.append(element('span', { class: 'set-list-title', lang: record.set.locale }, record.set.title));
      const count = t('set_count', { count: record.set.items.length });
      const state = record.updated ? t('set_updated_short') : record.revoked ? t('set_revoked_short') : '';
      link.append(element('span', { class: 'set-list-meta' }, state ? `${count} · ${state}` : count));
      const entry = element('li', { class: 'exercise-card set-card' });
      entry.append(link);
      list.append(entry);
    }
    parts.push(list);
  } else {
    parts.push(element('p', {}, t('set_none')));
  }
  if (canSync()) parts.push(await codeForm());
  draw(t('your_sets'), null, ...parts);
}

/** The field for the short code: it needs the server, so its script (online/set-code.js) is
 * loaded only online, and offline the page says a connection is needed. */
async function codeForm() {
  try {
    if (navigator.onLine) {
      const { codeForm: build } = await import('./online/set-code.js');
      return build({ say, open, errors: OPEN_ERRORS });
    }
  } catch (error) {
    console.warn('Houvast: the code form could not load', error);
  }
  return element('p', { id: 'set-code-offline' }, t('set_error_offline'));
}

// On arrival -------------------------------------------------------------------------------------

/** Open a therapist's link by its token; offline, the token waits in this tab (PENDING) and
 * the set opens once the phone is online again. */
async function openToken(token) {
  draw(heading.textContent, null, status(t('pin_working')));
  const failed = await open({ token });
  if (failed === 'offline') {
    sessionStorage.setItem(PENDING, token);
    draw(heading.textContent, null, status(t('set_opens_online')));
    return;
  }
  sessionStorage.removeItem(PENDING);
  if (failed) {
    await askForPin(page);
    await showList();
    say(t(failed === 'unknown' || failed === 'bad-code' ? 'set_error_link' : OPEN_ERRORS[failed]));
  }
}

let arrived = false;

/** The set opened but not kept in this tab, for the one visit it is meant for: the move to its
 * own language, or a reload of the page that showed it. Taken out either way. */
function takeOpened() {
  const first = !arrived;
  arrived = true;
  let opened = null;
  try {
    opened = JSON.parse(sessionStorage.getItem(OPENED) || 'null');
  } catch {
    // Nothing usable was opened in this tab.
  }
  sessionStorage.removeItem(OPENED);
  const reload = performance.getEntriesByType('navigation')[0]?.type === 'reload';
  return first && opened?.set && (opened.handOver || reload) ? opened : null;
}

async function start() {
  const hash = new URLSearchParams(location.hash.slice(1));
  const opened = takeOpened();
  const token = hash.get('t');
  if (token) {
    // Out of the address at once: it is the key to the set, and should not linger in the
    // history, a bookmark or a screenshot.
    history.replaceState(null, '', location.pathname + location.search);
    await openToken(token);
    return;
  }
  const linked = hash.get('s');
  if (linked !== null) {
    // A set carried whole in its link (online/set-link.js, not stored offline: the offline app
    // has no room to spare for what is read once): read with care, then out of the address like
    // a token; a reload finds it in this tab (OPENED).
    let reader = null;
    try {
      reader = await import('./online/set-link.js');
    } catch {
      draw(heading.textContent, null, status(t('set_error_offline'))); // the link stays, to retry
      return;
    }
    history.replaceState(null, '', location.pathname + location.search);
    let set = null;
    try {
      set = await reader.decodeSet(linked, appData);
    } catch (error) {
      console.warn('Houvast: this link holds no set', error);
    }
    if (set) {
      await showSet(set, { source: 'link' });
      return;
    }
    await askForPin(page);
    await showList();
    say(t('set_error_link'));
    return;
  }
  if (opened && !hash.has('k')) {
    await showSet(opened.set, { token: opened.token, source: opened.source });
    return;
  }
  const pending = sessionStorage.getItem(PENDING);
  if (pending && !hash.has('k')) {
    if (navigator.onLine) {
      await openToken(pending);
      return;
    }
    await askForPin(page);
    await showList(t('set_opens_online'));
    return;
  }
  await askForPin(page);
  const id = hash.get('k');
  const record = id ? await keptSet(id) : null;
  if (record) {
    await showKept(record);
    await syncAndShow(id);
  } else {
    await showList();
    await syncSets();
  }
}

addEventListener('online', () => {
  const pending = sessionStorage.getItem(PENDING);
  if (pending) {
    openToken(pending).catch((error) => console.error('Houvast: the set could not open', error));
    return;
  }
  const id = new URLSearchParams(location.hash.slice(1)).get('k');
  if (id && isOpen()) syncAndShow(id);
  else syncSets();
});

// A kept set chosen from the list, or a link opened while this page is open: same page,
// another fragment.
addEventListener('hashchange', () => {
  start().then(() => heading.focus()).catch((error) => console.error('Houvast: the set page failed', error));
});

await start();
