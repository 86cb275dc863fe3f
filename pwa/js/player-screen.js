// The player's screen: built here, not sent in every exercise page, because it only exists
// when this script runs (and the pages stay small for the offline bundle).

import { element } from './dom.js';
import { t } from './i18n.js';

function button(id, text, className = 'button') {
  return element('button', { type: 'button', class: className, id }, text);
}

/** Build the player and its end panel after `anchor`, with the end panel's two links. */
export function buildPlayerScreen(anchor, { home, history }) {
  const player = element('section', { id: 'player', class: 'player', hidden: true,
    'aria-labelledby': 'player-title' });
  const progress = element('p', { class: 'player-progress' });
  progress.append(element('span', { id: 'player-step' }), ' ', element('span', { id: 'player-round' }));
  const lastTime = element('div', { id: 'player-last-time', class: 'notice player-last-time', hidden: true });
  lastTime.append(element('h2', {}, t('note_last_time')), element('dl', { id: 'player-last-time-list' }));
  const controls = element('div', { class: 'player-controls' });
  const pause = button('player-pause', t('pause'));
  pause.setAttribute('aria-pressed', 'false');
  controls.append(button('player-back', t('back')), pause, button('player-next', t('next'), 'button primary'),
    element('p', { id: 'player-next-soon', class: 'player-next-soon', hidden: true }, t('next_soon')));
  // "Too much?" is the way-out bar every page has at the bottom; the player adds Stop.
  const exits = element('div', { class: 'player-exits' });
  exits.append(button('player-stop', t('stop')));
  player.append(
    progress,
    lastTime,
    element('h2', { id: 'player-title', class: 'player-title', tabindex: '-1' }),
    element('p', { id: 'player-text', class: 'player-text' }),
    element('div', { id: 'player-body', class: 'player-body' }),
    element('p', { id: 'player-time', class: 'player-time' }),
    element('p', { id: 'player-paused', class: 'player-paused', hidden: true }, t('paused')),
    controls,
    exits,
    element('p', { id: 'player-announce', class: 'visually-hidden', 'aria-live': 'polite' }),
  );

  const end = element('section', { id: 'player-end', class: 'player-end', hidden: true,
    'aria-labelledby': 'player-end-title' });
  const links = element('p', { class: 'call-buttons' });
  links.append(
    element('a', { class: 'button primary', href: home }, t('to_exercises')),
    element('a', { class: 'button', href: history }, t('to_history')),
  );
  end.append(
    element('h2', { id: 'player-end-title', tabindex: '-1' }),
    element('p', { id: 'player-end-taps', hidden: true }),
    links,
  );
  anchor.after(player, end);
  return player;
}
