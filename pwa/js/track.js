// The run's sound as one audio track: silence, with a bell at the very moment of each step
// change, planned from the same segments the player runs. A phone keeps an <audio> element
// playing with the screen locked, when timers and Web Audio stop; so the bells keep their time.
// Pure: no DOM, no clock. track-player.js renders the bell and plays what this plans.
//
// Positions are ms of running time (pauses left out) from the start of the segment a plan
// begins at, the same clock runstate.js keeps: a paused track pauses with the run.

import { elapsed } from './runstate.js';

export const RATE = 8000; // Hz: the bell's highest partial (2.75 kHz) fits below half of it
export const BELL_MS = 2700; // how long one bell sounds, its fade included
export const HORIZON_MS = 10 * 60_000; // one track reaches at most this far; then it is extended
export const TOLERANCE_MS = 25; // the playhead may be this far off before it is moved
const TAIL_MS = BELL_MS + 300;

/**
 * Where the bells fall from the start of segment `index` on: at the end of every segment that
 * ends by itself, up to and including the change into the first one that waits for the person
 * (nothing after it can be known). With `ring`, one at 0 as well: the person just moved on.
 * Returns {index, bells, starts, end}; starts[k] is where segment index + k begins.
 */
export function bellPlan(segments, index, ring = false) {
  const bells = ring ? [0] : [];
  const starts = [0];
  let at = 0;
  for (let i = index; i < segments.length && segments[i].ms !== null; i += 1) {
    at += segments[i].ms;
    starts.push(at);
    // A step of no length changes twice at once; the player cues once (runstate's sync).
    if (bells.at(-1) !== at) bells.push(at);
  }
  return { index, bells, starts, end: at };
}

/** How far into `plan` the run is at `now`, or null once it has left what the plan covers. */
export function positionIn(plan, state, now) {
  const k = state.index - plan.index;
  if (k < 0 || k >= plan.starts.length) return null;
  return plan.starts[k] + elapsed(state, now);
}

/** Whether a bell is sounding at `at`. */
export function sounding(bells, at) {
  return bells.some((bell) => bell <= at && at < bell + BELL_MS);
}

/**
 * The part of `plan` one track holds, from `from`: up to the last bell's end, or about
 * `horizon` further, ended where no bell sounds. Returns {from, to, bells, more} (more: the plan
 * goes on after it), or null when no bell is left to sound.
 */
export function chunkOf(plan, from, horizon = HORIZON_MS) {
  if (!plan.bells.some((bell) => bell + BELL_MS > from)) return null;
  const whole = Math.max(plan.bells.at(-1) + TAIL_MS, from + 1000);
  let to = Math.min(whole, from + horizon);
  const cut = plan.bells.find((bell) => bell <= to && to < bell + BELL_MS);
  if (cut !== undefined) to = Math.min(whole, cut + TAIL_MS);
  const bells = plan.bells.filter((bell) => bell < to && bell + BELL_MS > from);
  return { from, to, bells, more: to < whole };
}

/**
 * Where the playhead should go, or null to leave it: only when it is more than the tolerance
 * away from `position`, and no bell sounds there, nor starts within `ahead` ms after it (the
 * time a track takes to play on after a move): moving it then would cut a bell.
 */
export function correction(bells, playhead, position, ahead = 0) {
  if (Math.abs(playhead - position) <= TOLERANCE_MS) return null;
  if (sounding(bells, playhead) || sounding(bells, position)) return null;
  if (bells.some((bell) => bell > position && bell <= position + ahead)) return null;
  return position;
}

/** The G.711 µ-law code of a sample in [-1, 1]: 8 bits that keep a soft bell's fade. */
export function mulaw(sample) {
  let x = Math.round(Math.max(-1, Math.min(1, sample)) * 32767);
  const sign = x < 0 ? 0x80 : 0;
  x = Math.min(Math.abs(x), 32635) + 0x84;
  const exponent = Math.max(0, 24 - Math.clz32(x)); // the highest bit set, above bit 7
  return ~(sign | (exponent << 4) | ((x >> (exponent + 3)) & 0x0f)) & 0xff;
}

const FORMATS = {
  mulaw: { tag: 7, bytes: 1 },
  pcm16: { tag: 1, bytes: 2 },
};

function header(view, samples, { tag, bytes }) {
  const fmt = tag === 1 ? 16 : 18; // a compressed format carries cbSize, and a fact chunk
  const fact = tag === 1 ? 0 : 12;
  const words = [
    ['RIFF'], [4 + 8 + fmt + fact + 8 + samples * bytes, 4], ['WAVE'],
    ['fmt '], [fmt, 4], [tag, 2], [1, 2], [RATE, 4], [RATE * bytes, 4], [bytes, 2], [bytes * 8, 2],
    ...(tag === 1 ? [] : [[0, 2], ['fact'], [4, 4], [samples, 4]]),
    ['data'], [samples * bytes, 4],
  ];
  let at = 0;
  for (const [value, size] of words) {
    if (typeof value === 'string') {
      for (const char of value) view.setUint8(at++, char.charCodeAt(0));
    } else {
      if (size === 4) view.setUint32(at, value, true);
      else view.setUint16(at, value, true);
      at += size;
    }
  }
  return at;
}

function write(view, at, value, format) {
  if (format === 'mulaw') view.setUint8(at, mulaw(value));
  else view.setInt16(at, Math.round(Math.max(-1, Math.min(1, value)) * 32767), true);
}

// The bell's bytes, made once for every track: most bells are copied, not encoded again.
const encoded = new WeakMap();

function encodedBell(bell, format) {
  const kept = encoded.get(bell) ?? {};
  if (!kept[format]) {
    const size = FORMATS[format].bytes;
    const view = new DataView(new ArrayBuffer(bell.length * size));
    bell.forEach((value, i) => write(view, i * size, value, format));
    kept[format] = new Uint8Array(view.buffer);
    encoded.set(bell, kept);
  }
  return kept[format];
}

/**
 * The chunk as a WAV file (mono, RATE): silence with `bell` (samples at RATE) at each bell.
 * `format` is 'mulaw' (8 bits a sample, played by every current browser) or 'pcm16'.
 */
export function renderWav(bell, chunk, format = 'mulaw') {
  const spec = FORMATS[format];
  const size = spec.bytes;
  const samples = Math.round(((chunk.to - chunk.from) * RATE) / 1000);
  const bytes = new Uint8Array(60 + samples * size);
  const view = new DataView(bytes.buffer);
  const start = header(view, samples, spec);
  const starts = chunk.bells.map((at) => Math.round(((at - chunk.from) * RATE) / 1000));
  const one = encodedBell(bell, format);
  if (format === 'mulaw') bytes.fill(mulaw(0), start);
  for (const first of starts) {
    const from = Math.max(0, first);
    const to = Math.min(samples, first + bell.length);
    // Bells closer together than one bell's length (short steps) sound over each other.
    const near = starts.filter((other) => Math.abs(other - first) < bell.length);
    if (near.length === 1) {
      bytes.set(one.subarray((from - first) * size, (to - first) * size), start + from * size);
      continue;
    }
    for (let i = from; i < to; i += 1) {
      let value = 0;
      for (const other of near) {
        const k = i - other;
        if (k >= 0 && k < bell.length) value += bell[k];
      }
      write(view, start + i * size, value, format);
    }
  }
  return bytes.subarray(0, start + samples * size);
}
