// On every page: the service worker (offline use and updates) and help with installing.
// The notices are made here rather than in every page's HTML: they only mean something when
// this script runs, and the pages stay small for the offline bundle.

import { unlockAudio } from './bell.js';
import { $, element } from './dom.js';
import { t } from './i18n.js';
import { loadPrefs } from './prefs.js';
import { planExists } from './plan-store.js';
import { saveUnsavedRuns } from './store.js';
import { url } from './urls.js';

const root = document.documentElement;
const DISMISSED = 'houvast.dismissed';

// Large text on a short screen (fewer than 30 lines of root text high): a run's page scrolls as
// a whole, and a notice sits in the page instead of over it (app.css, "text-large").
function fitText() {
  const rem = parseFloat(getComputedStyle(root).fontSize) || 16;
  root.classList.toggle('text-large', innerHeight < 30 * rem);
}
fitText();
addEventListener('resize', fitText);

function button(text, { primary = false, id = null, dismiss = null } = {}) {
  const node = element('button', { type: 'button', class: primary ? 'button primary' : 'button' }, text);
  if (id) node.id = id;
  if (dismiss) node.dataset.dismiss = dismiss;
  return node;
}

function notice(id, text, ...buttons) {
  const box = element('div', { id, class: 'banner', hidden: true });
  const actions = element('p', { class: 'call-buttons' });
  actions.append(...buttons);
  box.append(element('p', {}, text), actions);
  return box;
}

const notices = document.createElement('div');
notices.className = 'app-notices';
notices.append(
  notice('update-banner', t('update_ready'),
    button(t('update_now'), { id: 'update-button', primary: true }),
    button(t('not_now'), { id: 'update-later' })),
  notice('offline-ready', t('offline_ready'), button(t('close'), { dismiss: 'offline-ready' })),
  notice('install-offer', t('install_offer'),
    button(t('install'), { id: 'install-button', primary: true }),
    button(t('not_now'), { dismiss: 'install-offer' })),
  notice('ios-install', t('ios_install'), button(t('got_it'), { dismiss: 'ios-install' })),
);
document.getElementById('main').prepend(notices);
// The CSS keeps focused content clear of the notices and the way-out bar; it needs their real
// heights to do so (the bar grows with large text).
new ResizeObserver(() => root.style.setProperty('--notices-height', `${notices.offsetHeight}px`))
  .observe(notices);
const wayOutBar = document.querySelector('.way-out');
// The person's own plan, one tap away on every page once there is one.
const planLink = document.querySelector('.way-out-plan');
if (planLink) planLink.hidden = !planExists();
if (wayOutBar) {
  new ResizeObserver(() => root.style.setProperty('--bottom', `${wayOutBar.offsetHeight}px`))
    .observe(wayOutBar);
}

function dismissed() {
  try {
    return JSON.parse(localStorage.getItem(DISMISSED) || '[]');
  } catch {
    return [];
  }
}

// One notice at a time, the most important first: two would cover half a phone's screen. None
// during a run (they wait until it ends), and an update never waits behind the install offer.
const PRIORITY = ['update-banner', 'offline-ready', 'install-offer', 'ios-install'];
const due = new Set();
const shown = () => PRIORITY.find((id) => !$(id).hidden) ?? null;

function pump() {
  const current = shown();
  if (root.classList.contains('running')) {
    if (current) $(current).hidden = true;
    return;
  }
  const next = PRIORITY.find((id) => due.has(id) && !dismissed().includes(id));
  if (!next || next === current) return;
  if (current && PRIORITY.indexOf(current) < PRIORITY.indexOf(next)) return;
  if (current) $(current).hidden = true;
  $(next).hidden = false;
}

function show(id) {
  due.add(id);
  pump();
}

function hide(id) {
  due.delete(id);
  $(id).hidden = true;
  pump();
}

for (const button of document.querySelectorAll('[data-dismiss]')) {
  button.addEventListener('click', () => {
    const id = button.dataset.dismiss;
    localStorage.setItem(DISMISSED, JSON.stringify([...new Set([...dismissed(), id])]));
    hide(id);
  });
}
// "Not now" for an update only hides it on this page: the next page offers it again.
$('update-later').addEventListener('click', () => hide('update-banner'));
document.addEventListener('houvast:running', pump);

// The way out starts grounding right here, from this tap, so its bell may sound at once
// (player.js). A run in progress handles its own way out first.
document.querySelector('.way-out-ground')?.addEventListener('click', (event) => {
  if (root.classList.contains('running') || event.defaultPrevented) return;
  event.preventDefault();
  const { href } = event.currentTarget;
  if (loadPrefs().bell) unlockAudio();
  import('./player.js').then(({ groundHere }) => groundHere()).catch((error) => {
    console.error('Houvast: grounding could not start here', error);
    location.assign(href);
  });
});

// Remember an explicit choice of language, for the start page of a static export.
for (const link of document.querySelectorAll('a[hreflang]')) {
  link.addEventListener('click', () => localStorage.setItem('houvast.locale', link.hreflang));
}

async function registerWorker() {
  if (!('serviceWorker' in navigator)) return;
  const hadController = Boolean(navigator.serviceWorker.controller);
  let accepted = false;
  // The first visit's worker takes charge of this page once it has stored the app (sw.js claims
  // it): that is when it works offline. Said from the page's own state, not from the worker's
  // events: WebKit may have the worker installed and in charge before register() resolves, so
  // its updatefound and statechange events can come before anything listens.
  const stored = () => {
    if (!hadController && navigator.serviceWorker.controller) show('offline-ready');
  };
  // Reload only when the person asked for the new version, never in the middle of something.
  navigator.serviceWorker.addEventListener('controllerchange', () => {
    if (accepted) location.reload();
    // The update was accepted in another tab: this page is under it already, and shows the new
    // version from its next page on.
    else if (hadController) hide('update-banner');
    else stored();
  });
  const registration = await navigator.serviceWorker.register(url('worker'), { scope: url('scope') });
  stored();

  const offerUpdate = (worker) => {
    show('update-banner');
    $('update-button').onclick = () => {
      accepted = true;
      $('update-button').disabled = true;
      worker.postMessage({ type: 'skip-waiting' });
    };
  };
  // A new version, found while one is in charge of this page: offered once it is installed,
  // whether that happened before this page looked or after. Whether it is new is decided when it
  // is found: WebKit puts the first visit's worker in charge before it says that worker is
  // installed, which offered that first visit an update.
  const watched = new Set();
  const watch = (worker) => {
    if (!worker || watched.has(worker)) return;
    watched.add(worker);
    const { controller } = navigator.serviceWorker;
    const update = Boolean(controller) && controller !== worker;
    const installed = () => {
      if (update && worker.state === 'installed') offerUpdate(worker);
    };
    worker.addEventListener('statechange', installed);
    installed();
  };
  watch(registration.waiting);
  watch(registration.installing);
  registration.addEventListener('updatefound', () => watch(registration.installing ?? registration.waiting));
  // A page kept open for days still learns about new versions.
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState !== 'visible') return;
    registration.update().catch((error) => console.warn('Houvast: no update check', error));
  });
}

/**
 * Where Houvast runs, for the help with installing and for reminders (online/reminders.js):
 * on iOS or iPadOS (an iPad's Safari says it is a Mac, but a Mac has no touch screen), from the
 * home screen or not, and whether this browser can put it there: Safari always, Chrome, Edge
 * and Firefox since iOS 16.4 (through Share); browsers inside other apps (no "Safari/") never.
 */
export function homeScreen() {
  const agent = navigator.userAgent;
  const ios = /iP(hone|ad|od)/.test(agent) || (/Mac/.test(agent) && navigator.maxTouchPoints > 1);
  const standalone = matchMedia('(display-mode: standalone)').matches || navigator.standalone === true;
  const [, major, minor] = /OS (\d+)_(\d+)/.exec(agent) ?? [0, 99, 0];
  const canAdd = ios && !standalone && /Safari\//.test(agent) && !/GSA\//.test(agent)
    && (!/CriOS|FxiOS|EdgiOS/.test(agent) || major * 100 + +minor >= 1604);
  return { ios, standalone, canAdd };
}

function offerInstall() {
  const { standalone, canAdd } = homeScreen();
  if (standalone) return;
  // The about page keeps this device's way to install, for whoever closed the notice.
  const about = $('home-screen');
  const keep = (...parts) => {
    if (!about) return;
    about.replaceChildren(about.firstElementChild, ...parts);
    about.hidden = false;
  };
  window.addEventListener('beforeinstallprompt', (event) => {
    event.preventDefault();
    hide('ios-install');
    show('install-offer');
    const again = button(t('install'), { id: 'install-again' });
    const install = async () => {
      hide('install-offer');
      again.hidden = true;
      event.prompt();
      await event.userChoice.catch(() => null);
    };
    $('install-button').onclick = install;
    again.onclick = install;
    keep(element('p', {}, t('install_offer')), again);
  });
  // iOS installs only through the Share menu and never offers it itself: say how, until the
  // person closes it ("Got it").
  if (canAdd) {
    show('ios-install');
    keep(element('p', {}, t('ios_install')));
  }
}

registerWorker().catch((error) => console.error('Houvast: the service worker failed', error));
offerInstall();
saveUnsavedRuns();
