// What the device does besides the screen: vibration, spoken guidance and keeping the screen
// awake. Each is silently absent where the browser lacks it.

export function vibrate() {
  if (typeof navigator.vibrate === 'function') navigator.vibrate([120, 80, 120]);
}

/** Read `text` aloud in the page's language, cutting off whatever was still being read. */
export function speak(text, locale) {
  if (!('speechSynthesis' in globalThis)) return;
  speechSynthesis.cancel();
  const utterance = new SpeechSynthesisUtterance(text);
  utterance.lang = locale === 'nl' ? 'nl-NL' : 'en-GB';
  utterance.rate = 0.9;
  speechSynthesis.speak(utterance);
}

export function stopSpeaking() {
  if ('speechSynthesis' in globalThis) speechSynthesis.cancel();
}

/** Holds the Screen Wake Lock while a run is going, and takes it back when the page returns;
 * nothing when the person chose to let the screen go off (`enabled` false). */
export class WakeLock {
  constructor(enabled = true) {
    this.enabled = enabled;
    this.sentinel = null;
    this.wanted = false;
  }

  async hold() {
    if (!this.enabled) return;
    this.wanted = true;
    if (this.sentinel || !navigator.wakeLock || document.visibilityState !== 'visible') return;
    try {
      this.sentinel = await navigator.wakeLock.request('screen');
      this.sentinel.addEventListener('release', () => { this.sentinel = null; });
    } catch {
      this.sentinel = null; // refused (battery saver, no permission): the run goes on anyway
    }
  }

  async release() {
    this.wanted = false;
    const sentinel = this.sentinel;
    this.sentinel = null;
    if (sentinel) await sentinel.release().catch(() => {});
  }

  /** The browser drops the lock when the page is hidden; take it again on return. */
  async restore() {
    if (this.wanted) await this.hold();
  }
}
