// The player's screen: built here, not sent in every exercise page, because it only exists
// when this script runs (and the pages stay small for the offline bundle).
//
// During a run the page gives the player the whole screen above the way-out bar: where it
// stands and Stop at the top, the step's text in an area that scrolls by itself, the step's
// own part (a ring, the big button, a rating), and Back, Pause and Next at the bottom. Nothing
// a person needs is ever pushed off the screen by a long text (app.css, "The run").

import { element } from './dom.js';
import { t } from './i18n.js';

function button(id, text, className = 'button') {
  return element('button', { type: 'button', class: className, id }, text);
}

/** Build the player and its end panel after `anchor`, with the end panel's two links. */
export function buildPlayerScreen(anchor, { home, history }) {
  const player = element('section', { id: 'player', class: 'player', hidden: true,
    'aria-labelledby': 'player-title' });
  const top = element('div', { class: 'player-top' });
  const progress = element('p', { class: 'player-progress' });
  progress.append(element('span', { id: 'player-step' }), ' ', element('span', { id: 'player-round' }));
  top.append(progress, button('player-stop', t('stop')));
  const lastTime = element('div', { id: 'player-last-time', class: 'notice player-last-time', hidden: true });
  lastTime.append(element('h3', {}, t('note_last_time')), element('dl', { id: 'player-last-time-list' }));
  const scroll = element('div', { class: 'player-scroll', id: 'player-scroll' });
  scroll.append(lastTime, element('p', { id: 'player-text', class: 'player-text' }));
  const controls = element('div', { class: 'player-controls' });
  controls.append(
    button('player-back', t('back')),
    button('player-pause', t('pause')),
    button('player-next', t('next'), 'button primary'),
    element('p', { id: 'player-next-soon', class: 'player-next-soon', hidden: true }, t('next_soon')),
  );
  player.append(
    top,
    element('h2', { id: 'player-title', class: 'player-title', tabindex: '-1' }),
    scroll,
    element('div', { id: 'player-body', class: 'player-body' }),
    element('p', { id: 'player-time', class: 'player-time' }),
    element('p', { id: 'player-paused', class: 'player-paused', role: 'status', hidden: true }, t('paused')),
    controls,
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
    element('div', { id: 'player-end-offer', hidden: true }),
    links,
  );
  anchor.after(player, end);
  return player;
}
