// A soft bell, synthesised with Web Audio: a few sine partials of a small bowl with a slow
// decay. No audio files to download or cache.

const PARTIALS = [
  { ratio: 1, gain: 1, decay: 2.6 },
  { ratio: 2.71, gain: 0.35, decay: 1.6 },
  { ratio: 5.2, gain: 0.12, decay: 0.9 },
];
const BASE_HZ = 528;

let context = null;

function audio() {
  if (context === null && typeof AudioContext !== 'undefined') context = new AudioContext();
  return context;
}

/** Let the audio start: browsers keep it suspended until the person has tapped something. */
export function unlockAudio() {
  const ctx = audio();
  if (ctx && ctx.state === 'suspended') {
    ctx.resume().catch((error) => console.warn('Houvast: the bell cannot sound yet', error));
  }
}

/** Play the bell into `ctx` at `start` (seconds on its clock), at `volume` (0–100). */
function strike(ctx, start, volume) {
  const master = ctx.createGain();
  master.gain.value = (volume / 100) * 0.5;
  master.connect(ctx.destination);
  for (const partial of PARTIALS) {
    const oscillator = ctx.createOscillator();
    const envelope = ctx.createGain();
    oscillator.type = 'sine';
    oscillator.frequency.value = BASE_HZ * partial.ratio;
    // A quick, soft attack, then an exponential fade, so it never clicks or startles.
    envelope.gain.setValueAtTime(0.0001, start);
    envelope.gain.exponentialRampToValueAtTime(partial.gain, start + 0.02);
    envelope.gain.exponentialRampToValueAtTime(0.0001, start + partial.decay);
    oscillator.connect(envelope).connect(master);
    oscillator.start(start);
    oscillator.stop(start + partial.decay + 0.05);
  }
}

/** Ring once at `volume` (0–100). */
export function ring(volume) {
  const ctx = audio();
  if (!ctx || volume <= 0) return;
  strike(ctx, ctx.currentTime + 0.01, volume);
}

/** The same bell as samples (mono, `rate` Hz, `ms` long), rendered off the page's thread for
 * the audio track (track.js); its sound starts at the first sample. */
export async function renderBell(volume, rate, ms) {
  const ctx = new OfflineAudioContext(1, Math.round((rate * ms) / 1000), rate);
  strike(ctx, 0, volume);
  return (await ctx.startRendering()).getChannelData(0);
}
