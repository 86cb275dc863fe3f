// The exercise player: shows the run's current segment and its controls. Timing and step logic
// live in timeline.js and runstate.js, each step kind's drawing in kinds/<kind>.js; this module
// ties them together and listens.

import './app.js';
import { ring, unlockAudio } from './bell.js';
import { speak, stopSpeaking, vibrate, WakeLock } from './cues.js';
import { $, element } from './dom.js';
import {
  appData, fill, formatClock, formatLength, formatMinutes, locale, plural, t,
} from './i18n.js';
import { buildPlayerScreen } from './player-screen.js';
import { loadPrefs, reduceMotion } from './prefs.js';
import {
  elapsed, finish, goTo, pause, remaining, resume, startRun, sync, toRecord,
} from './runstate.js';
import {
  currentItem, endLinks, showItemNote, withValues,
} from './set-item.js';
import { NOTES } from './plan-data.js';
import { markPlan, planExists } from './plan-store.js';
import { getNotes, saveNote, saveRun } from './store.js';
import {
  buildTimeline, estimateSeconds, kindsOf, pacing, stepsOf,
} from './timeline.js';
import { BellTrack } from './track-player.js';
import { url } from './urls.js';

class Player {
  constructor(exercise, kinds) {
    this.exercise = exercise;
    this.kinds = kinds;
    // An exercise of a therapist's set starts from the therapist's values (set-item.js).
    this.item = currentItem(exercise.id);
    this.prefs = this.item ? withValues(loadPrefs(), exercise.id, this.item.item.values) : loadPrefs();
    this.segments = buildTimeline(exercise, this.prefs, t('closing'), kinds);
    this.storageKey = `houvast.run.${exercise.id}`;
    this.wakeLock = new WakeLock(this.prefs.wakeLock);
    // The bells as one audio track, so they keep their time with the screen locked.
    this.track = this.prefs.bell && this.prefs.volume > 0 && this.prefs.lockedBells
      ? new BellTrack(this) : null;
    this.timer = null;
    this.view = null;
    this.notes = {};
    this.root = $('player');
    // Renderers ask for texts here: their kind's own (with the exercise), else the app's.
    this.t = (key, values) => (key in (exercise.texts ?? {}) ? fill(exercise.texts[key], values) : t(key, values));
    this.root.classList.toggle('reduce-motion', reduceMotion(this.prefs));
  }

  /** Start a run when the person asks, or pick up the one this tab was doing. Nothing waits
   * for the device's database: the words kept last time are shown when they arrive. */
  init() {
    this.track?.prepare();
    if (this.item) showItemNote(this.item);
    getNotes().then((found) => {
      this.notes = { ...found, ...this.notes };
      if (this.state?.status === 'running') this.renderLastTime();
    }, (error) => console.error('Houvast: the kept notes could not be read', error));
    // Without script Start is a link to the steps; with it, a button (Space works too).
    const start = $('start');
    start.setAttribute('role', 'button');
    start.addEventListener('click', (event) => {
      event.preventDefault();
      this.begin(null);
    });
    start.addEventListener('keydown', (event) => {
      if (event.key === ' ') event.preventDefault();
    });
    start.addEventListener('keyup', (event) => {
      if (event.key === ' ') this.begin(null);
    });
    const saved = this.restore();
    if (saved) {
      this.begin(saved);
    } else if (location.hash === '#start') {
      this.begin(null);
    }
    // Last, so that words the page could not say never keep a run from starting.
    try {
      this.describe();
    } catch (error) {
      console.error('Houvast: the page keeps the default lengths', error);
    }
  }

  /** The exercise page says how long this run takes, and each step's length or count, with
   * the person's pace and own timings or a set's values: the server wrote the defaults'. A step
   * the run leaves out (a rating, with ratings turned off) is not listed. */
  describe() {
    const length = document.querySelector('#exercise-info .meta');
    if (!length || appData.missing) return;
    const minutes = Math.max(1, Math.ceil(estimateSeconds(this.exercise, this.segments) / 60));
    length.textContent = t('about_length', { duration: formatMinutes(minutes) });
    const run = pacing(this.exercise, this.prefs);
    const say = { length: formatLength, count: (key, count) => plural(this.exercise.texts[key], count) };
    const details = document.querySelectorAll('#steps .step > .step-detail');
    const inRun = new Set(this.segments.map((segment) => segment.key));
    const runs = (step) => inRun.has(step.id) || (step.steps ?? []).some(runs);
    stepsOf(this.exercise.steps).forEach((step, at) => {
      if (!details[at]) return;
      const said = this.kinds[step.kind].summary?.(step, run, say);
      if (said) details[at].textContent = said;
      details[at].parentElement.hidden = !runs(step);
    });
  }

  begin(saved) {
    if (saved) {
      const { state, transitions } = sync(saved, this.segments, Date.now());
      this.state = state;
      if (transitions.length) this.cue();
    } else {
      this.state = startRun(this.exercise.id, Date.now(), crypto.randomUUID(), this.setId());
    }
    for (const id of ['exercise-info', 'steps', 'player-end']) {
      const part = $(id);
      if (part) part.hidden = true;
    }
    this.root.hidden = false;
    setRunning(true, this.exercise.id === 'grounding');
    window.scrollTo(0, 0);
    if (this.prefs.bell) unlockAudio(); // start the audio now, not at the first bell
    if (!this.bound) this.bind();
    this.render({ focus: !saved });
    if (saved) this.announce(`${t('resumed')} ${$('player-step').textContent}: ${this.segment.title}`);
    if (this.state.pausedAt === null) this.wakeLock.hold();
    this.save();
    this.track?.start();
    this.schedule();
  }

  setId() {
    return this.item?.set ?? null;
  }

  restore() {
    try {
      const saved = JSON.parse(sessionStorage.getItem(this.storageKey) || 'null');
      if (saved?.v === 1 && saved.status === 'running' && saved.index < this.segments.length) {
        return saved;
      }
    } catch {
      // A damaged saved run is dropped; a new run starts.
    }
    return null;
  }

  save() {
    if (this.state.status === 'running') {
      sessionStorage.setItem(this.storageKey, JSON.stringify(this.state));
    } else {
      sessionStorage.removeItem(this.storageKey);
    }
  }

  bind() {
    this.bound = true;
    $('player-pause').addEventListener('click', () => this.togglePause());
    $('player-back').addEventListener('click', () => this.move(this.state.index - 1));
    $('player-next').addEventListener('click', () => this.next());
    $('player-stop').addEventListener('click', () => this.end('stopped'));
    // "Too much?" (the bar at the bottom of every page) ends the run as stopped before it
    // takes the person to grounding; from grounding itself it leads to real help.
    const wayOut = document.querySelector('.way-out-ground');
    wayOut?.addEventListener('click', (event) => {
      if (this.state.status !== 'running') return;
      event.preventDefault();
      this.tooMuch();
    });
    // "My plan" leaves the page: the run waits, paused, for the person to come back to it.
    document.querySelector('.way-out-plan')?.addEventListener('click', () => {
      if (this.state.status === 'running' && this.state.pausedAt === null) this.togglePause();
    });
    this.root.addEventListener('pointerdown', unlockAudio);
    this.root.addEventListener('keydown', unlockAudio);
    const back = () => {
      if (document.visibilityState !== 'visible') return;
      this.tick();
      if (this.state.status === 'running' && this.state.pausedAt === null) this.wakeLock.restore();
    };
    document.addEventListener('visibilitychange', back);
    document.addEventListener('resume', back); // a frozen page (locked phone) comes back
    window.addEventListener('pageshow', back); // restored from the back/forward cache
  }

  get segment() {
    return this.segments[this.state.index];
  }

  // Timing --------------------------------------------------------------------------------

  /** Bring the run to where the clock says, redraw what changed, and wait for the next moment. */
  tick() {
    if (this.state.status !== 'running') return;
    const { state, transitions } = sync(this.state, this.segments, Date.now());
    this.state = state;
    this.track?.follow();
    if (transitions.length) {
      this.save();
      // Draw first, then sound: the step must appear on time, whatever the audio costs.
      // Focus follows the new step, as it does when the person moves on themselves.
      this.render({ focus: true });
      this.cue(); // once, even when several steps passed while the screen was off
    } else {
      this.renderTime();
    }
    this.schedule();
  }

  /** Wake up exactly when something should change: the segment's end, the next second of the
   * countdown, a breath's phase, or the moment "Next" may appear. */
  schedule() {
    clearTimeout(this.timer);
    this.timer = null;
    if (this.state.status !== 'running' || this.state.pausedAt !== null) return;
    const now = Date.now();
    const waits = [];
    const left = remaining(this.state, this.segments, now);
    if (left !== null) {
      waits.push(left, left % 1000 || 1000);
      const change = this.view?.nextChange?.({ elapsed: elapsed(this.state, now), left });
      if (change) waits.push(change);
    }
    const untilNext = this.nextDelay(now);
    if (untilNext > 0) waits.push(untilNext);
    if (!waits.length) return;
    this.timer = setTimeout(() => this.tick(), Math.max(0, Math.min(...waits)));
  }

  /** How long until "Next" may appear on a step with a minimum pause (0: it may now). */
  nextDelay(now) {
    const minMs = this.segment.minMs ?? 0;
    return Math.max(0, minMs - elapsed(this.state, now));
  }

  // Controls ------------------------------------------------------------------------------

  togglePause() {
    const now = Date.now();
    if (this.state.pausedAt === null) {
      this.state = pause(this.state, now);
      this.wakeLock.release();
      stopSpeaking();
    } else {
      this.state = resume(this.state, now);
      this.wakeLock.hold();
    }
    this.save();
    this.track?.follow();
    this.renderPause();
    this.renderTime();
    this.schedule();
  }

  move(index, { fromTap = false } = {}) {
    if (index < 0) return;
    this.state = goTo(this.state, this.segments, index, Date.now());
    if (fromTap) this.state = { ...this.state, taps: this.state.taps + 1 };
    if (this.state.status !== 'running') {
      this.complete();
      return;
    }
    this.save();
    this.track?.moved();
    this.render({ focus: true });
    this.cue();
    this.schedule();
  }

  next() {
    this.move(this.state.index + 1);
  }

  /** The big button was tapped. */
  tap() {
    this.move(this.state.index + 1, { fromTap: true });
  }

  rate(value) {
    const moment = this.segment.moment === 'after' ? 'after' : 'before';
    this.state = { ...this.state, [moment]: value };
    this.save();
    if (moment === 'before' && value >= HIGH) this.offerHelp();
    else this.next();
  }

  /** A high rating before the exercise: offer grounding or help, or going on. Never a block. */
  offerHelp() {
    const offer = helpOffer(t('high_text'), () => this.tooMuch(), url('help'), this.notes);
    const goOn = element('button', { type: 'button', class: 'button' }, t('go_on'));
    goOn.addEventListener('click', () => this.next());
    offer.querySelector('.call-buttons').append(goOn);
    this.view = { node: offer };
    $('player-title').textContent = t('high_title');
    $('player-text').textContent = '';
    $('player-body').replaceChildren(offer);
    $('player-title').focus();
    this.announce(t('high_text'));
  }

  /** The words kept under `key`: from this run, else from last time. */
  note(key) {
    return this.state.notes[key] ?? this.notes[key] ?? '';
  }

  keepNote(key, text) {
    const words = text.trim();
    if (words) {
      this.state = { ...this.state, notes: { ...this.state.notes, [key]: words } };
      this.notes[key] = words;
      saveNote(key, words).then(() => {
        if (Object.values(NOTES).includes(key)) markPlan();
      }, (error) => console.error('Houvast: a note was not kept', error));
    }
    this.next();
  }

  complete() {
    this.log();
    this.showEnd(t('finished'));
  }

  end(status) {
    this.state = finish(this.state, Date.now(), status);
    this.log();
    this.showEnd(t('stopped'));
  }

  /** The way out: at once, to grounding (from grounding itself: to help). The stopped run is
   * saved in the background (store.js keeps it for the next page should this one go first). */
  tooMuch() {
    this.state = finish(this.state, Date.now(), 'stopped');
    this.log();
    if (this.exercise.id === 'grounding') location.assign(url('help'));
    else groundHere();
  }

  log() {
    clearTimeout(this.timer);
    setRunning(false);
    this.save();
    this.track?.stop();
    this.wakeLock.release();
    stopSpeaking();
    const saved = saveRun(toRecord(this.state));
    // A run of a set the person shares goes to the therapist now, if the phone is online.
    if (this.item) {
      saved.then(() => import('./sets.js')).then(({ syncSets }) => syncSets(this.item.set))
        .catch((error) => console.warn('Houvast: the set is not in step yet', error));
    }
  }

  cue() {
    if (this.prefs.bell && !this.track?.rings) ring(this.prefs.volume);
    if (this.prefs.vibration) vibrate();
  }

  // Drawing -------------------------------------------------------------------------------

  render({ focus }) {
    const segment = this.segment;
    const steps = this.segments.length;
    $('player-step').textContent = t('step_of', { n: this.state.index + 1, total: steps });
    $('player-round').textContent = segment.round
      ? `· ${t('round_of', { n: segment.round.n, total: segment.round.total })}` : '';
    $('player-title').textContent = segment.title;
    $('player-text').textContent = segment.text;
    this.root.dataset.index = String(this.state.index);
    this.root.dataset.kind = segment.kind;
    this.root.dataset.key = segment.key;
    // Nothing to go back to on the first step, nor where the kind says so.
    $('player-back').hidden = this.state.index === 0 || Boolean(this.kinds[segment.kind].noBack);
    $('player-next').textContent = segment.closing ? t('finish') : t('next');
    this.renderLastTime();
    this.track?.show(segment);
    this.view = this.kinds[segment.kind].render(segment, this) ?? null;
    $('player-body').replaceChildren(...(this.view ? [this.view.node] : []));
    this.nextWaiting = false;
    this.renderPause();
    this.renderTime();
    keyboardScrolling();
    if (this.prefs.voice) speak(`${segment.title}. ${segment.text}`, locale);
    if (focus) {
      // The heading takes focus (and is read); what the step asks follows in the live region.
      $('player-title').focus();
      this.announce(segment.text);
    } else {
      this.announce(`${$('player-step').textContent}: ${segment.title}. ${segment.text}`);
    }
  }

  announce(text) {
    $('player-announce').textContent = text;
  }

  renderLastTime() {
    const box = $('player-last-time');
    const keys = this.segments.filter((s) => s.noteKey).map((s) => [s.noteKey, s.title]);
    const known = keys.filter(([key]) => this.notes[key]);
    box.hidden = this.state.index !== 0 || known.length === 0;
    if (box.hidden) return;
    const list = $('player-last-time-list');
    list.replaceChildren();
    for (const [key, title] of known) {
      const term = document.createElement('dt');
      term.textContent = title;
      const words = document.createElement('dd');
      words.textContent = this.notes[key];
      list.append(term, words);
    }
  }

  renderPause() {
    const paused = this.state.pausedAt !== null;
    const button = $('player-pause');
    button.textContent = paused ? t('resume') : t('pause');
    button.hidden = this.segment.ms === null; // nothing runs on a step that waits for you
    $('player-paused').hidden = !paused;
    this.root.classList.toggle('paused', paused);
  }

  renderTime() {
    const now = Date.now();
    const left = remaining(this.state, this.segments, now);
    $('player-time').textContent = left === null ? '' : t('time_left', { time: formatClock(left / 1000) });
    this.view?.update?.({ left, elapsed: elapsed(this.state, now) });
    // A step with a minimum pause shows "Next" only after it, with a calm word that it comes.
    const ownButtons = Boolean(this.kinds[this.segment.kind].ownButtons);
    const waiting = this.nextDelay(now) > 0;
    // "Next" appearing later is said.
    if (this.nextWaiting && !waiting && !ownButtons) this.announce(t('next_ready'));
    this.nextWaiting = waiting;
    $('player-next').hidden = ownButtons || waiting;
    $('player-next-soon').hidden = ownButtons || !waiting;
  }

  showEnd(message) {
    this.root.hidden = true;
    const end = $('player-end');
    end.hidden = false;
    $('player-end-title').textContent = message;
    const taps = $('player-end-taps');
    taps.hidden = this.state.taps === 0;
    taps.textContent = t('taps', { count: this.state.taps });
    const { before, after } = this.state;
    const rose = Number.isInteger(after) && (after >= HIGH
      || (Number.isInteger(before) && after - before >= CLEAR_RISE));
    const offer = $('player-end-offer');
    offer.hidden = !rose;
    if (rose) offer.replaceChildren(helpOffer(t('rise_text'), () => groundHere(), url('help'), this.notes));
    end.querySelector('.set-end-links')?.remove();
    if (this.item) {
      // In a set, going on with the set is the one main way; the exercises are one more.
      const links = end.querySelector(':scope > .call-buttons');
      links.querySelector('.primary')?.classList.remove('primary');
      links.before(endLinks(this.item));
    }
    $('player-end-title').focus();
  }
}

// A rating of 8 or more, or a rise of 2 or more from before to after, gets an offer of
// grounding and help (issue: high distress gets an answer).
const HIGH = 8;
const CLEAR_RISE = 2;

/** A calm panel offering grounding and help, with what the person wrote helps them (their own
 * window, when this page can read it) and their plan, if they have one. */
function helpOffer(text, ground, help, notes = {}) {
  const panel = element('div', { class: 'notice help-offer' });
  const buttons = element('p', { class: 'call-buttons' });
  const groundButton = element('button', { type: 'button', class: 'button primary' }, t('ground_now'));
  groundButton.addEventListener('click', ground);
  buttons.append(groundButton);
  if (planExists()) buttons.append(element('a', { class: 'button', href: url('plan') }, t('plan_open')));
  buttons.append(element('a', { class: 'button', href: help }, t('see_help')));
  panel.append(element('p', {}, text));
  const own = [['plan_too_much', NOTES.tooMuch], ['plan_too_little', NOTES.tooLittle], ['plan_helps', NOTES.helps]]
    .filter(([, key]) => notes[key]);
  if (own.length) {
    const list = element('dl', { class: 'player-last-time' });
    for (const [label, key] of own) list.append(element('dt', {}, t(label)), element('dd', { class: 'plan-words' }, notes[key]));
    panel.append(list);
  }
  panel.append(buttons);
  // Beside grounding, real help: this is no crisis service, and the crisis line and the
  // emergency number are a tap away (the page's template holds the deployment's numbers).
  const lines = document.getElementById('help-lines');
  if (lines) panel.append(lines.content.cloneNode(true));
  return panel;
}

/** A part that scrolls (a long text on a small screen) can be reached and scrolled with the
 * keyboard; one that does not is no extra tab stop. */
function keyboardScrolling() {
  for (const part of [$('player-scroll'), $('player-body')]) {
    if (!part) continue;
    if (part.scrollHeight > part.clientHeight + 1) {
      part.tabIndex = 0;
      part.setAttribute('role', 'group');
      part.setAttribute('aria-labelledby', 'player-title');
    } else {
      part.removeAttribute('tabindex');
      part.removeAttribute('role');
      part.removeAttribute('aria-labelledby');
    }
  }
}
addEventListener('resize', keyboardScrolling);

/** The page in run mode: the player has the screen (app.css), notices wait (app.js), and in
 * grounding the way out leads to help and says so. */
function setRunning(running, grounding = false) {
  document.documentElement.classList.toggle('running', running);
  const wayOut = document.querySelector('.way-out-ground');
  const help = document.querySelector('.way-out-help');
  if (wayOut) {
    wayOut.label ??= [...wayOut.childNodes]; // a short label, the rest for screen readers
    if (running && grounding) wayOut.textContent = t('way_out_help');
    else wayOut.replaceChildren(...wayOut.label);
  }
  if (help) help.hidden = running && grounding;
  document.dispatchEvent(new CustomEvent('houvast:running', { detail: running }));
}

/**
 * Start grounding on this page, now: the way out does not wait for a page to load, and the
 * bell may sound, because the audio starts from the tap that led here (a new page would have
 * to wait for another tap). The address becomes grounding's, so a reload lands there.
 */
export async function groundHere() {
  const exercise = appData.grounding;
  if (!exercise) {
    location.assign(url('grounding_started'));
    return;
  }
  if (loadPrefs().bell) unlockAudio();
  history.pushState(null, '', url('grounding_started'));
  window.addEventListener('popstate', () => location.reload(), { once: true });
  document.title = `${exercise.title} · Houvast`;
  const main = $('main');
  const heading = element('h1', {}, exercise.title);
  const anchor = element('div', { id: 'exercise-info', hidden: true });
  main.replaceChildren(...main.querySelectorAll(':scope > .app-notices'), heading, anchor);
  buildPlayerScreen(anchor, { home: url('home'), history: url('history') });
  const player = new Player(exercise, await loadKinds(exercise));
  player.track?.prepare();
  player.begin(null);
}

/** The step kinds' modules an exercise needs, loaded when it is opened. */
async function loadKinds(exercise) {
  const names = kindsOf(exercise);
  const modules = await Promise.all(names.map((name) => import(`./kinds/${name}.js`)));
  return Object.fromEntries(names.map((name, i) => [name, modules[i]]));
}

const data = document.getElementById('exercise-data');
if (data) {
  const exercise = JSON.parse(data.textContent);
  buildPlayerScreen($('exercise-info'), { home: url('home'), history: url('history') });
  new Player(exercise, await loadKinds(exercise)).init();
}
