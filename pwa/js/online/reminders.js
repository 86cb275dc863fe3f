// The reminders page: a person adds, changes and deletes reminders, kept on this device, and
// chooses how they arrive: as notifications (Web Push, through the server) or from a calendar.
// The server only learns the reminders once the person turns one of those on.

import { homeScreen } from '../app.js';
import { $, download, element } from '../dom.js';
import { appData, locale, t } from '../i18n.js';
import { apiUrl } from '../urls.js';
import {
  DAYS, base64UrlBytes, calendarLinks, capitalize, formatDays, formatTime, isReminder,
  newId, readNeutral, sameBytes, scheduleForServer, sortReminders, validateReminder, weekdayName,
} from './reminders-data.js';

const KEY = 'houvast.reminders';
const NEUTRAL_KEY = 'houvast.reminders.neutral';
// A browser whose push service never answers should not leave the person waiting for ever.
const PUSH_TIMEOUT = 30_000;
const form = $('reminder-form');
const delivery = $('delivery');
const exerciseIds = appData.exercises.map((exercise) => exercise.id);
const titles = new Map(appData.exercises.map((exercise) => [exercise.id, exercise.title]));

let reminders = loadReminders();
let neutral = loadNeutral();
let editing = null;
let device = null;
let calendarOffered = false;
let syncing = Promise.resolve();

const tell = (text) => { $('reminders-status').textContent = text; };
const say = (text) => { $('delivery-status').textContent = text; };

// Kept on this device --------------------------------------------------------------------------

function loadReminders() {
  try {
    const raw = JSON.parse(localStorage.getItem(KEY) || '[]');
    return Array.isArray(raw) ? sortReminders(raw.filter((item) => isReminder(item, appData.rules))) : [];
  } catch {
    return [];
  }
}

function loadNeutral() {
  try {
    return readNeutral(localStorage.getItem(NEUTRAL_KEY));
  } catch {
    return false;
  }
}

function keep(next) {
  try {
    localStorage.setItem(KEY, JSON.stringify(next));
  } catch {
    tell(t('storage_error'));
    return false;
  }
  reminders = next;
  return true;
}

// The registration with the server lives in its own small database, because the service
// worker needs it too when the browser renews the push subscription (see pwa/sw.js).
function deviceStore(mode, work) {
  return new Promise((resolve, reject) => {
    const open = indexedDB.open('houvast-device', 1);
    open.onupgradeneeded = () => open.result.createObjectStore('device');
    open.onerror = () => reject(open.error);
    open.onsuccess = () => {
      const db = open.result;
      const tx = db.transaction('device', mode);
      const request = work(tx.objectStore('device'));
      tx.oncomplete = () => { db.close(); resolve(request.result ?? null); };
      tx.onerror = () => { db.close(); reject(tx.error); };
      tx.onabort = () => { db.close(); reject(tx.error); };
    };
  });
}

const readDevice = () => deviceStore('readonly', (store) => store.get('current'));
const writeDevice = (record) => deviceStore('readwrite', (store) => (
  record ? store.put(record, 'current') : store.delete('current')));

// The server ---------------------------------------------------------------------------------

/** An error with a message a person can read, in the page's language. */
class Problem extends Error {
  constructor(message, status = 0) {
    super(message);
    this.status = status;
  }
}

async function api(method, address, { body, token } = {}) {
  const headers = { Accept: 'application/json', 'Accept-Language': locale };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (token) headers.Authorization = `Bearer ${token}`;
  let response;
  try {
    response = await fetch(address, {
      method, headers, cache: 'no-store', body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new Problem(t('server_unreachable'));
  }
  if (!response.ok) {
    const answer = await response.json().catch(() => ({}));
    throw new Problem(answer.message || t('server_error'), response.status);
  }
  return response;
}

function schedule() {
  const timezone = Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  return scheduleForServer(reminders, timezone, locale, neutral);
}

function pushJson(subscription) {
  const { endpoint, keys } = subscription.toJSON();
  return { endpoint, keys: { p256dh: keys.p256dh, auth: keys.auth } };
}

/**
 * Send the schedule, and the push subscription if there is one, to the server: POST the first
 * time, PUT after that. Keeps what was sent, so the service worker can send it again.
 */
async function register(push) {
  const sent = schedule();
  const body = push ? { ...sent, push } : sent;
  if (device) {
    try {
      const response = await api('PUT', apiUrl('device', { id: device.id }), { body, token: device.token });
      const answer = await response.json();
      device = { ...device, calendar: answer.calendar ?? device.calendar, push: Boolean(push), sent };
      await writeDevice(device);
      return;
    } catch (error) {
      // The server no longer knows this device (deleted there, or a new database): start again.
      if (error.status !== 404 && error.status !== 401) throw error;
    }
  }
  const answer = await (await api('POST', apiUrl('devices'), { body })).json();
  device = { id: answer.id, token: answer.token, calendar: answer.calendar, push: Boolean(push), sent };
  await writeDevice(device);
}

/** Delete this device and its reminders on the server; gone already counts as done. */
async function forget() {
  try {
    await api('DELETE', apiUrl('device', { id: device.id }), { token: device.token });
  } catch (error) {
    if (error.status !== 404 && error.status !== 401) throw error;
  }
  await writeDevice(null);
  device = null;
  try {
    await globalThis.caches?.delete('houvast-shown'); // which reminders the worker showed (pwa/sw.js)
  } catch {
    // Storage refused (a private window): the device is deleted all the same.
  }
}

async function currentSubscription() {
  if (!('serviceWorker' in navigator) || !('PushManager' in window)) return null;
  const registration = await navigator.serviceWorker.getRegistration();
  return registration ? registration.pushManager.getSubscription() : null;
}

/** Bring the server's copy up to date, one request after the other, newest state last. */
function sync() {
  syncing = syncing.catch(() => {}).then(async () => {
    if (!device) return;
    const subscription = device.push ? await currentSubscription() : null;
    await register(subscription ? pushJson(subscription) : null);
  });
  return syncing;
}

async function syncAndTell(done) {
  tell(done);
  if (!device) return;
  try {
    await sync();
  } catch (error) {
    tell(`${done} ${t('sync_failed', { reason: error.message })}`);
  }
  renderDelivery();
}

function withTimeout(promise, message) {
  let timer;
  const late = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Problem(message)), PUSH_TIMEOUT);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

// The reminders and the form -----------------------------------------------------------------

function buildForm() {
  const boxes = $('day-boxes');
  for (const day of DAYS) {
    const row = element('p', { class: 'check' });
    row.append(
      element('input', { type: 'checkbox', id: `day-${day}`, name: 'day', value: String(day) }),
      element('label', { for: `day-${day}` }, capitalize(weekdayName(day, locale), locale)),
    );
    boxes.append(row);
  }
  const select = $('reminder-target');
  for (const exercise of appData.exercises) select.append(new Option(exercise.title, exercise.id));
}

function fill(reminder) {
  for (const box of form.querySelectorAll('input[name="day"]')) {
    box.checked = reminder ? reminder.days.includes(Number(box.value)) : false;
  }
  $('reminder-time').value = reminder?.time ?? '';
  $('reminder-target').value = reminder?.target.id
    ?? (exerciseIds.includes('grounding') ? 'grounding' : exerciseIds[0] ?? '');
}

function readForm() {
  return {
    days: [...form.querySelectorAll('input[name="day"]:checked')].map((box) => box.value),
    time: $('reminder-time').value,
    target: $('reminder-target').value,
  };
}

function showErrors(errors) {
  const fields = {
    days: [...form.querySelectorAll('input[name="day"]')],
    time: [$('reminder-time')],
    target: [$('reminder-target')],
  };
  for (const [name, inputs] of Object.entries(fields)) {
    const message = $(`${name}-error`);
    message.textContent = errors[name] ? t(errors[name]) : '';
    message.hidden = !errors[name];
    for (const input of inputs) {
      if (errors[name]) input.setAttribute('aria-invalid', 'true');
      else input.removeAttribute('aria-invalid');
    }
  }
  const first = Object.keys(fields).find((name) => errors[name]);
  return first ? fields[first][0] : null;
}

function edit(reminder) {
  editing = reminder?.id ?? null;
  fill(reminder);
  showErrors({});
  $('form-heading').textContent = t(reminder ? 'reminder_edit_heading' : 'reminder_new_heading');
  $('reminder-submit').textContent = t(reminder ? 'reminder_save' : 'reminder_add');
  $('reminder-cancel').hidden = !reminder;
}

function describe(reminder) {
  const days = formatDays(reminder.days, locale, t('every_day'));
  return capitalize(t('reminder_when', { days, time: formatTime(reminder.time, locale) }), locale);
}

function renderList() {
  const list = $('reminder-list');
  list.replaceChildren();
  $('reminders-empty').hidden = reminders.length > 0;
  for (const reminder of reminders) {
    const id = `reminder-${reminder.id}`;
    const item = element('li', { class: 'reminder', id });
    // "Change" and "Delete" say which reminder they are for to a screen reader.
    const about = { type: 'button', 'aria-describedby': `${id}-when ${id}-what` };
    const change = element('button', { ...about, class: 'button' }, t('reminder_change'));
    const remove = element('button', { ...about, class: 'button quiet' }, t('reminder_delete'));
    change.addEventListener('click', () => {
      edit(reminder);
      $('form-heading').focus();
    });
    remove.addEventListener('click', () => {
      if (!keep(reminders.filter((other) => other.id !== reminder.id))) return;
      if (editing === reminder.id) edit(null);
      renderList();
      $('reminders-heading').focus();
      syncAndTell(t('reminder_deleted'));
    });
    const actions = element('p', { class: 'call-buttons' });
    actions.append(change, remove);
    const title = titles.get(reminder.target.id) ?? t('unknown_exercise');
    item.append(
      element('p', { class: 'reminder-when', id: `${id}-when` }, describe(reminder)),
      element('p', { class: 'reminder-what', id: `${id}-what` }, title),
      actions,
    );
    list.append(item);
  }
}

form.addEventListener('submit', (event) => {
  event.preventDefault();
  const { reminder, errors } = validateReminder(readForm(), exerciseIds, appData.rules);
  const invalid = showErrors(errors);
  if (!reminder) {
    tell(t('not_saved'));
    invalid.focus();
    return;
  }
  const changed = editing !== null;
  const id = editing ?? newId();
  const next = sortReminders([...reminders.filter((other) => other.id !== id), { id, ...reminder }]);
  if (!keep(next)) return;
  edit(null);
  renderList();
  syncAndTell(t(changed ? 'reminder_changed' : 'reminder_added'));
});

$('reminder-cancel').addEventListener('click', () => {
  edit(null);
  tell('');
  $('reminders-heading').focus();
});

// Notifications and the calendar -------------------------------------------------------------

function pushState() {
  const { ios, standalone, canAdd } = homeScreen();
  // iOS lets only a web app on the home screen receive push (16.4 and later), and shows no
  // prompt before: in the browser, say so and offer the calendar. Some browsers inside other
  // apps cannot put Houvast on the home screen: Safari can.
  if (ios && !standalone) return canAdd ? 'ios' : 'ios_safari';
  if (!('serviceWorker' in navigator) || !('PushManager' in window) || !('Notification' in window)) {
    return 'unsupported';
  }
  return Notification.permission === 'denied' ? 'denied' : 'available';
}

function renderDelivery() {
  if (!delivery) return;
  const state = pushState();
  const on = Boolean(device?.push);
  const texts = {
    ios: 'push_ios',
    ios_safari: 'push_ios_safari',
    unsupported: 'push_unsupported',
    denied: 'push_denied',
    available: 'push_offer',
  };
  $('push-text').textContent = t(on && state === 'available' ? 'push_is_on' : texts[state]);
  $('push-on').hidden = on || state !== 'available';
  $('push-off').hidden = !on;
  $('push-privacy').hidden = !on && state !== 'available';
  $('calendar').hidden = on || (state === 'available' && !calendarOffered && !device);
  $('calendar-subscribe').hidden = Boolean(device);
  $('calendar-link').hidden = !device || on;
  if (device && !on) {
    const links = calendarLinks(device.calendar, location.href);
    $('calendar-url').value = links.https;
    $('calendar-open').href = links.webcal;
  }
}

/** Run one of the delivery actions with its buttons disabled, so a double tap does it once. */
async function busy(work) {
  const buttons = [...delivery.querySelectorAll('button:enabled')];
  for (const button of buttons) button.disabled = true;
  try {
    await work();
  } catch (error) {
    // The browser's own errors are in its language, not the page's: say it in our words.
    const fallback = work === turnOn ? 'push_browser_error' : 'storage_error';
    say(error instanceof Problem ? error.message : t(fallback));
  } finally {
    for (const button of buttons) button.disabled = false;
    renderDelivery();
  }
}

async function turnOn() {
  // The calendar is the other way, on offer at once: some browsers never answer the question
  // (headless Firefox), and a person must not be left waiting on it.
  calendarOffered = true;
  renderDelivery();
  for (const button of $('calendar').querySelectorAll('button')) button.disabled = false;
  say(t('push_asking'));
  // Asked only here, after the person's own tap, never on arrival.
  const permission = await Notification.requestPermission();
  if (permission !== 'granted') {
    say(t(permission === 'denied' ? 'push_declined' : 'push_not_now'));
    return;
  }
  say(t('working'));
  const registration = await withTimeout(navigator.serviceWorker.ready, t('push_timeout'));
  const { publicKey } = await (await api('GET', apiUrl('pushKey'))).json();
  const key = base64UrlBytes(publicKey);
  let subscription = await registration.pushManager.getSubscription();
  // A subscription made with another key (the server's keys changed) cannot be used again.
  if (subscription && !sameBytes(subscription.options?.applicationServerKey, key)) {
    await subscription.unsubscribe();
    subscription = null;
  }
  subscription ??= await withTimeout(
    registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key }),
    t('push_timeout'),
  );
  try {
    await register(pushJson(subscription));
  } catch (error) {
    await subscription.unsubscribe().catch((problem) => console.warn('Houvast: unsubscribe failed', problem));
    throw error;
  }
  say(t('push_turned_on'));
}

async function turnOff() {
  const subscription = await currentSubscription().catch(() => null);
  await subscription?.unsubscribe().catch((error) => console.warn('Houvast: unsubscribe failed', error));
  await forget();
  say(t('push_turned_off'));
}

async function downloadCalendar() {
  if (!reminders.length) {
    say(t('calendar_needs_reminder'));
    return;
  }
  const response = await api('POST', apiUrl('calendar'), { body: schedule() });
  const name = 'houvast.ics';
  download(name, await response.blob());
  say(t('calendar_downloaded', { name }));
}

async function subscribeCalendar() {
  await register(null);
  say(t('calendar_link_ready'));
  renderDelivery();
  $('calendar-url').focus();
}

async function stopCalendar() {
  await forget();
  say(t('calendar_link_stopped'));
}

async function copyLink() {
  const field = $('calendar-url');
  try {
    await navigator.clipboard.writeText(field.value);
    say(t('link_copied'));
  } catch {
    field.select();
    say(t('link_copy_yourself'));
  }
}

/** The discreet-texts choice: kept on this device, and sent with the registration. */
async function chooseNeutral(event) {
  const wanted = event.target.checked;
  try {
    localStorage.setItem(NEUTRAL_KEY, wanted ? '1' : '');
  } catch {
    event.target.checked = neutral;
    say(t('storage_error'));
    return;
  }
  neutral = wanted;
  const done = t(neutral ? 'neutral_on' : 'neutral_off');
  say(done);
  if (!device) return;
  try {
    await sync();
  } catch (error) {
    say(`${done} ${t('sync_failed', { reason: error.message })}`);
  }
}

if (delivery) {
  $('neutral').checked = neutral;
  $('neutral').addEventListener('change', chooseNeutral);
  const actions = {
    'push-on': turnOn, 'push-off': turnOff, 'calendar-download': downloadCalendar,
    'calendar-subscribe': subscribeCalendar, 'calendar-stop': stopCalendar, 'calendar-copy': copyLink,
  };
  for (const [id, action] of Object.entries(actions)) {
    $(id).addEventListener('click', () => busy(action));
  }
}

buildForm();
edit(null);
renderList();
$('reminders').classList.add('ready');
if (delivery) {
  device = await readDevice().catch((error) => {
    console.error('Houvast: the device record could not be read', error);
    return null;
  });
  renderDelivery();
  // Changes made while the server could not be reached, or a new time zone after a journey.
  if (device && JSON.stringify(device.sent) !== JSON.stringify(schedule())) {
    sync().catch((error) => say(t('sync_failed', { reason: error.message })));
  }
}
