// The lock screen's media control while the bells play as a track (track-player.js): the
// exercise and its step, play and pause as the player's own Pause and Resume, and next where
// the player itself would offer Next. Absent where the browser has no Media Session.

export class MediaControls {
  constructor(player) {
    this.player = player;
    this.bound = false;
  }

  /** Show the step on the lock screen (and take the controls, the first time). */
  show(segment) {
    const session = navigator.mediaSession;
    if (!session || typeof MediaMetadata === 'undefined') return;
    if (!this.bound) this.bind(session);
    const icon = document.querySelector('link[rel="apple-touch-icon"]')?.href;
    session.metadata = new MediaMetadata({
      title: segment.title,
      artist: this.player.exercise.title,
      album: 'Houvast',
      artwork: icon ? [{ src: icon, sizes: '180x180', type: 'image/png' }] : [],
    });
  }

  bind(session) {
    this.bound = true;
    const player = this.player;
    const running = () => player.state.status === 'running';
    this.handlers = {
      play: () => {
        if (!running()) return;
        if (player.state.pausedAt !== null) player.togglePause();
        else player.track.follow(); // the phone paused the sound, not the person: play on
      },
      // As on screen: a step that waits for the person has nothing to pause.
      pause: () => {
        if (running() && player.state.pausedAt === null && player.segment.ms !== null) {
          player.togglePause();
        }
      },
      // As on screen: not on a rating or a note, nor before a step's minimum pause is over.
      nexttrack: () => {
        if (!running()) return;
        player.tick();
        const own = player.kinds[player.segment.kind].ownButtons;
        if (!own && player.nextDelay(Date.now()) === 0) player.next();
      },
      // Moving through the track would leave the run behind it.
      previoustrack: null,
      seekbackward: null,
      seekforward: null,
      seekto: null,
    };
    for (const [action, handler] of Object.entries(this.handlers)) this.handle(action, handler);
  }

  handle(action, handler) {
    try {
      navigator.mediaSession.setActionHandler(action, handler);
    } catch {
      // An action this browser does not know.
    }
  }

  playing(yes) {
    if (navigator.mediaSession) navigator.mediaSession.playbackState = yes ? 'playing' : 'paused';
  }

  clear() {
    const session = navigator.mediaSession;
    if (!session || !this.bound) return;
    for (const action of Object.keys(this.handlers)) this.handle(action, null);
    this.bound = false;
    session.metadata = null;
    session.playbackState = 'none';
  }
}
