// Plays the run's bells as one audio track (track.js plans it), so they keep their time with the
// screen locked. The player calls it at every change of its state; it keeps one <audio> element
// on the run's clock: loaded afresh when the person moves, paused with the run, moved back into
// step (between bells) when it drifts, extended before it runs out. Its media events drive the
// player too, so steps, vibration and voice follow where the page's timers are held back.

import { renderBell } from './bell.js';
import { MediaControls } from './media-session.js';
import {
  BELL_MS, RATE, bellPlan, chunkOf, correction, positionIn, renderWav, sounding,
} from './track.js';

const EXTEND_MS = 60_000; // the next track is made this long before the current one ends
// A track just loaded or moved is left alone this long: it takes a moment to play on.
const SETTLE_MS = 500;

export class BellTrack {
  constructor(player) {
    this.player = player;
    this.controls = new MediaControls(player);
    this.audio = null;
    this.bell = null;
    this.plan = null;
    this.chunk = null;
    this.url = null;
    this.format = 'mulaw';
    this.failed = false;
    this.blocked = false;
    this.settled = 0;
    // How long the element takes to play on after the playhead is moved (learned: a move
    // that fell short by so much moves this much further next time).
    this.lead = 0;
    this.shifted = false;
  }

  /** Render the bell before the person taps Start, so the track can start within the tap. */
  prepare() {
    this.ready = renderBell(this.player.prefs.volume, RATE, BELL_MS).then((bell) => {
      this.bell = bell;
    }, (error) => this.fail(error));
  }

  /** Whether the bells come from the track (if not, the player rings them itself). */
  get rings() {
    return !this.failed;
  }

  /** A run starts, or is picked up after a reload: play from where it is, no bell now. */
  start() {
    this.replan(false);
  }

  /** The person moved to another step: a bell now, then the steps from there. */
  moved() {
    this.replan(true);
  }

  show(segment) {
    if (!this.failed) this.controls.show(segment);
  }

  replan(ring) {
    const { state, segments } = this.player;
    this.plan = bellPlan(segments, state.index, ring);
    this.load(ring ? 0 : positionIn(this.plan, state, Date.now()));
  }

  /** Make the track from `from` on and play it from there. */
  load(from) {
    if (this.failed) return;
    if (!this.bell) {
      // Tapped before the bell was ready: a moment of silence now, so that the browser lets
      // this element play later without a tap (Safari), and the track once the bell is there.
      this.setSource(renderWav([], { from: 0, to: 100, bells: [] }, this.format));
      this.play();
      this.ready.then(() => this.follow({ reload: true }));
      return;
    }
    this.chunk = chunkOf(this.plan, from);
    const audio = this.element();
    if (!this.chunk) {
      audio.pause();
      return;
    }
    this.setSource(renderWav(this.bell, this.chunk, this.format));
    audio.currentTime = (from - this.chunk.from) / 1000;
    if (this.player.state.pausedAt === null) this.play();
  }

  setSource(wav) {
    const previous = this.url;
    this.url = URL.createObjectURL(new Blob([wav], { type: 'audio/wav' }));
    this.element().src = this.url;
    if (previous) URL.revokeObjectURL(previous);
  }

  element() {
    if (this.audio) return this.audio;
    // Safari: play as media, past the silent switch and the lock screen.
    if (navigator.audioSession) navigator.audioSession.type = 'playback';
    const audio = new Audio();
    audio.preload = 'auto';
    const tick = () => this.player.tick();
    audio.addEventListener('timeupdate', tick);
    audio.addEventListener('ended', tick);
    audio.addEventListener('error', () => {
      // A browser that cannot play µ-law gets 16-bit samples, twice the size.
      if (this.format === 'mulaw') {
        this.format = 'pcm16';
        this.follow({ reload: true });
      } else {
        this.fail(audio.error);
      }
    });
    this.audio = audio;
    return audio;
  }

  play() {
    this.settled = Date.now() + SETTLE_MS;
    this.controls.playing(true);
    this.audio.play().then(() => {
      this.blocked = false;
    }, (error) => {
      // Not allowed without a tap (a run picked up after a reload): start at the next one.
      if (error.name === 'NotAllowedError') this.waitForTap();
    });
  }

  waitForTap() {
    if (this.blocked) return;
    this.blocked = true;
    const tapped = () => {
      document.removeEventListener('pointerdown', tapped, true);
      document.removeEventListener('keydown', tapped, true);
      this.blocked = false;
      this.follow({ reload: true });
    };
    document.addEventListener('pointerdown', tapped, true);
    document.addEventListener('keydown', tapped, true);
  }

  /** Bring the track to where the run is (the player calls this after every change). */
  follow({ reload = false } = {}) {
    const { state } = this.player;
    if (!this.plan || this.failed) return;
    if (state.status !== 'running') {
      this.stop();
      return;
    }
    const audio = this.audio;
    if (state.pausedAt !== null) {
      audio?.pause();
      this.controls.playing(false);
      return;
    }
    const now = Date.now();
    const position = positionIn(this.plan, state, now);
    if (position === null) {
      this.replan(false);
      return;
    }
    if (reload || !this.chunk || !audio) {
      this.load(position);
      return;
    }
    const { from, to, more } = this.chunk;
    if (more && position > to - EXTEND_MS && (audio.ended || !sounding(this.plan.bells, position))) {
      this.load(position);
      return;
    }
    if (position >= to || this.blocked) return;
    // Resumed, or the phone paused the sound: play on. A track just started is left to settle.
    if (!audio.paused && now < this.settled) return;
    const playhead = from + audio.currentTime * 1000;
    const target = correction(this.chunk.bells, playhead, position, this.lead + SETTLE_MS);
    if (target !== null && !audio.paused) {
      if (this.shifted) this.lead = Math.min(1000, Math.max(0, this.lead + position - playhead));
      audio.currentTime = (target + this.lead - from) / 1000;
      this.settled = now + SETTLE_MS;
    } else if (target !== null) {
      audio.currentTime = (target - from) / 1000;
    }
    this.shifted = target !== null && !audio.paused;
    if (audio.paused) this.play();
  }

  stop() {
    this.plan = null;
    this.chunk = null;
    if (this.audio) {
      this.audio.pause();
      this.audio.removeAttribute('src');
      this.audio.load(); // lets the browser free what it held of the last track
    }
    if (this.url) URL.revokeObjectURL(this.url);
    this.url = null;
    this.controls.clear();
  }

  fail(error) {
    console.warn('Houvast: the bells play without a track', error);
    this.failed = true;
    this.stop();
  }
}
