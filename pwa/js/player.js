// The exercise player: shows the run's current segment and its controls. Timing and step logic
// live in timeline.js and runstate.js; this module only draws and listens.

import { ring, unlockAudio } from './bell.js';
import { speak, stopSpeaking, vibrate, WakeLock } from './cues.js';
import { formatClock, locale, t } from './i18n.js';
import { buildPlayerScreen } from './player-screen.js';
import { loadPrefs, reduceMotion } from './prefs.js';
import {
  elapsed, finish, goTo, pause, remaining, resume, startRun, sync, toRecord,
} from './runstate.js';
import { addRun, getNotes, saveNote } from './store.js';
import { breathPhase, buildTimeline } from './timeline.js';

const SVG = 'http://www.w3.org/2000/svg';
const RING_RADIUS = 54;
const RING_LENGTH = 2 * Math.PI * RING_RADIUS;

const $ = (id) => document.getElementById(id);

function element(tag, attributes = {}, text = '') {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  if (text) node.textContent = text;
  return node;
}

class Player {
  constructor(exercise) {
    this.exercise = exercise;
    this.prefs = loadPrefs();
    this.segments = buildTimeline(exercise, this.prefs, t('closing'));
    this.storageKey = `houvast.run.${exercise.id}`;
    this.wakeLock = new WakeLock();
    this.timer = null;
    this.notes = {};
    this.root = $('player');
    this.helpUrl = document.querySelector('.way-out-help')?.href ?? '';
    this.root.classList.toggle('reduce-motion', reduceMotion(this.prefs));
  }

  /** Start a run when the person asks, or pick up the one this tab was doing. */
  async init() {
    const notes = getNotes().catch(() => ({})).then((found) => { this.notes = found; });
    $('start').addEventListener('click', async (event) => {
      event.preventDefault();
      await notes;
      this.begin(null);
    });
    await notes;
    const saved = this.restore();
    if (saved) {
      this.begin(saved);
    } else if (location.hash === '#start') {
      this.begin(null);
    }
  }

  begin(saved) {
    if (saved) {
      const { state, transitions } = sync(saved, this.segments, Date.now());
      this.state = state;
      if (transitions.length) this.cue();
    } else {
      this.state = startRun(this.exercise.id, Date.now(), crypto.randomUUID(), this.setId());
    }
    $('exercise-info').hidden = true;
    $('steps').hidden = true;
    this.root.hidden = false;
    document.querySelector('h1').scrollIntoView({ block: 'start' });
    if (this.prefs.bell) unlockAudio(); // start the audio now, not at the first bell
    if (!this.bound) this.bind();
    this.render({ focus: !saved });
    if (saved) this.announce(`${t('resumed')} ${$('player-step').textContent}: ${this.segment.title}`);
    if (this.state.pausedAt === null) this.wakeLock.hold();
    this.save();
    this.schedule();
  }

  setId() {
    return new URLSearchParams(location.search).get('set');
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
    // "Too much?" and the page's own way out (the bar at the bottom) end the run as stopped
    // before they take the person to grounding.
    const wayOut = document.querySelector('.way-out-ground');
    wayOut?.addEventListener('click', (event) => {
      if (this.state.status !== 'running') return;
      event.preventDefault();
      // From grounding itself, the way out leads to real help.
      this.tooMuch(this.exercise.id === 'grounding' ? this.helpUrl : wayOut.href);
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
    if (transitions.length) {
      this.save();
      // Draw first, then sound: the step must appear on time, whatever the audio costs.
      this.render({ focus: false });
      this.cue(); // once, even when several steps passed while the screen was off
    } else {
      this.renderTime();
    }
    this.schedule();
  }

  /** Wake up exactly when the segment ends, and in between when the display should change. */
  schedule() {
    clearTimeout(this.timer);
    this.timer = null;
    if (this.state.status !== 'running' || this.state.pausedAt !== null) return;
    const now = Date.now();
    const left = remaining(this.state, this.segments, now);
    if (left === null) return;
    let wait = left % 1000 || 1000; // the next whole second of the countdown
    if (this.segment.breath) {
      wait = Math.min(wait, breathPhase(this.segment.breath, elapsed(this.state, now)).left || wait);
    }
    this.timer = setTimeout(() => this.tick(), Math.max(0, Math.min(wait, left)));
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
    this.render({ focus: true });
    this.cue();
    this.schedule();
  }

  next() {
    this.move(this.state.index + 1);
  }

  rate(value) {
    const moment = this.segment.moment === 'after' ? 'after' : 'before';
    this.state = { ...this.state, [moment]: value };
    this.next();
  }

  async keepNote(key, text) {
    const words = text.trim();
    if (words) {
      this.state = { ...this.state, notes: { ...this.state.notes, [key]: words } };
      this.notes[key] = words;
      await saveNote(key, words).catch(() => {});
    }
    this.next();
  }

  async complete() {
    await this.log();
    this.showEnd(t('finished'));
  }

  async end(status) {
    this.state = finish(this.state, Date.now(), status);
    await this.log();
    this.showEnd(t('stopped'));
  }

  async tooMuch(destination) {
    this.state = finish(this.state, Date.now(), 'stopped');
    await this.log();
    location.assign(destination);
  }

  async log() {
    clearTimeout(this.timer);
    this.save();
    this.wakeLock.release();
    stopSpeaking();
    await addRun(toRecord(this.state)).catch(() => {});
  }

  cue() {
    if (this.prefs.bell) ring(this.prefs.volume);
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
    $('player-back').disabled = this.state.index === 0;
    $('player-next').textContent = segment.closing ? t('finish') : t('next');
    // A rating or a note has its own buttons (save, skip); a second "Next" would only confuse.
    $('player-next').hidden = segment.kind === 'rate' || segment.kind === 'note';
    this.renderLastTime();
    this.renderBody(segment);
    this.renderPause();
    this.renderTime();
    if (this.prefs.voice) speak(`${segment.title}. ${segment.text}`, locale);
    if (focus) {
      $('player-title').focus();
    } else {
      this.announce(`${$('player-step').textContent}: ${segment.title}`);
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
      list.append(element('dt', {}, title), element('dd', {}, this.notes[key]));
    }
  }

  renderBody(segment) {
    const body = $('player-body');
    body.replaceChildren();
    this.ring = null;
    this.breath = null;
    if (segment.kind === 'timed') body.append(this.makeRing());
    if (segment.kind === 'breath') body.append(this.makeBreath());
    if (segment.kind === 'action') {
      const button = element('button', { type: 'button', class: 'action-button' }, segment.button);
      button.addEventListener('click', () => this.move(this.state.index + 1, { fromTap: true }));
      body.append(button);
    }
    if (segment.kind === 'rate') body.append(this.makeRating());
    if (segment.kind === 'note') body.append(this.makeNote(segment));
  }

  makeRing() {
    const svg = document.createElementNS(SVG, 'svg');
    svg.setAttribute('viewBox', '0 0 120 120');
    svg.setAttribute('class', 'ring');
    svg.setAttribute('aria-hidden', 'true');
    const track = document.createElementNS(SVG, 'circle');
    const arc = document.createElementNS(SVG, 'circle');
    for (const circle of [track, arc]) {
      circle.setAttribute('cx', '60');
      circle.setAttribute('cy', '60');
      circle.setAttribute('r', String(RING_RADIUS));
    }
    track.setAttribute('class', 'ring-track');
    arc.setAttribute('class', 'ring-arc');
    arc.style.strokeDasharray = String(RING_LENGTH);
    svg.append(track, arc);
    this.ring = arc;
    return svg;
  }

  makeBreath() {
    const wrap = element('div', { class: 'breath' });
    const shape = element('div', { class: 'breath-shape', 'aria-hidden': 'true' });
    const label = element('p', { class: 'breath-label' });
    const count = element('p', { class: 'breath-count' });
    wrap.append(shape, label, count);
    this.breath = { shape, label, count, phase: null };
    return wrap;
  }

  makeRating() {
    const form = element('form', { class: 'rating' });
    const id = `rating-${this.state.index}`;
    const label = element('label', { for: id }, t('rate_label'));
    const input = element('input', {
      type: 'range', id, min: '0', max: '10', step: '1', value: '5',
      'aria-describedby': `${id}-scale`,
    });
    const output = element('output', { for: id, class: 'rating-value' }, '5');
    input.addEventListener('input', () => { output.textContent = input.value; });
    const scale = element('p', { id: `${id}-scale`, class: 'rating-scale' });
    scale.append(element('span', {}, t('rate_low')), element('span', {}, t('rate_high')));
    const save = element('button', { type: 'submit', class: 'button primary' }, t('rate_save'));
    const skip = element('button', { type: 'button', class: 'button' }, t('skip'));
    skip.addEventListener('click', () => this.next());
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      this.rate(Number(input.value));
    });
    const buttons = element('p', { class: 'call-buttons' });
    buttons.append(save, skip);
    form.append(label, output, input, scale, buttons);
    return form;
  }

  makeNote(segment) {
    const form = element('form', { class: 'note' });
    const id = `note-${segment.noteKey}`;
    const label = element('label', { for: id }, t('note_label'));
    const area = element('textarea', { id, rows: '3', maxlength: '500' });
    area.value = this.state.notes[segment.noteKey] ?? this.notes[segment.noteKey] ?? '';
    const save = element('button', { type: 'submit', class: 'button primary' }, t('note_save'));
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      this.keepNote(segment.noteKey, area.value);
    });
    form.append(label, area, save);
    return form;
  }

  renderPause() {
    const paused = this.state.pausedAt !== null;
    const button = $('player-pause');
    button.textContent = paused ? t('resume') : t('pause');
    button.setAttribute('aria-pressed', String(paused));
    button.hidden = this.segment.ms === null; // nothing runs on a step that waits for you
    $('player-paused').hidden = !paused;
    this.root.classList.toggle('paused', paused);
  }

  renderTime() {
    const now = Date.now();
    const segment = this.segment;
    const left = remaining(this.state, this.segments, now);
    $('player-time').textContent = left === null ? '' : t('time_left', { time: formatClock(left / 1000) });
    if (this.ring && segment.ms) {
      this.ring.style.strokeDashoffset = String(RING_LENGTH * (1 - left / segment.ms));
    }
    if (this.breath && segment.breath) {
      const phase = breathPhase(segment.breath, elapsed(this.state, now));
      const words = { in: t('breathe_in'), hold: t('hold'), out: t('breathe_out') };
      this.breath.label.textContent = `${words[phase.phase]} · ${t('breath_of', { n: phase.cycle, total: segment.breath.cycles })}`;
      // Under reduced motion the shape stays still and the seconds are counted instead.
      const second = Math.min(Math.floor((phase.phaseMs - phase.left) / 1000) + 1,
        Math.max(1, Math.round(phase.phaseMs / 1000)));
      this.breath.count.textContent = String(second);
      if (phase.phase !== this.breath.phase || phase.cycle !== this.breath.cycle) {
        this.breath.phase = phase.phase;
        this.breath.cycle = phase.cycle;
        this.breath.shape.style.transitionDuration = `${phase.left}ms`;
        this.breath.shape.dataset.phase = phase.phase;
      }
    }
  }

  showEnd(message) {
    this.root.hidden = true;
    const end = $('player-end');
    end.hidden = false;
    $('player-end-title').textContent = message;
    const taps = $('player-end-taps');
    taps.hidden = this.state.taps === 0;
    taps.textContent = t('taps', { count: this.state.taps });
    $('player-end-title').focus();
  }
}

/** The exercise as the page shows it: each step's texts, and its timings in data attributes. */
function readExercise(section) {
  const bounds = (value) => {
    if (!value) return null;
    const [current, min, max] = value.split(' ').map(Number);
    return { value: current, min, max };
  };
  const readSteps = (list) => [...list.children].map((item) => {
    const data = item.dataset;
    const step = {
      kind: data.kind,
      title: item.querySelector(':scope > .step-title').textContent.trim(),
      text: item.querySelector(':scope > .step-text').textContent.trim(),
    };
    for (const name of ['duration', 'inhale', 'hold', 'exhale', 'cycles', 'rounds', 'timeout']) {
      if (data[name]) step[name] = bounds(data[name]);
    }
    if (data.kind === 'breath') step.hold ??= { value: 0, min: 0, max: 0 };
    if (data.kind === 'action') step.timeout ??= null;
    if (data.kind === 'text') step.min_pause = Number(data.minPause || 0);
    if (data.button) step.button = data.button;
    if (data.moment) step.moment = data.moment;
    if (data.key) step.key = data.key;
    if (data.kind === 'rounds') step.steps = readSteps(item.querySelector(':scope > ol'));
    return step;
  });
  return {
    id: section.dataset.exercise,
    steps: readSteps(section.querySelector(':scope > ol.steps')),
    closing: $('closing-text').textContent.trim(),
  };
}

const section = document.getElementById('steps');
if (section) {
  buildPlayerScreen($('exercise-info'), section.dataset);
  new Player(readExercise(section)).init();
}
