// The shared screen, /view/{CODE}: everyone's skeletons, the cue, the exercise, the timer and
// the scoreboard, large. It joins as a viewer: it sends nothing. Signed in, it connects as the
// user (the cookie); otherwise as a dev guest, or asks to sign in.

import { onLang } from './i18n';
import { renderPeers } from './peers';
import {
  CueDisplay,
  NoTokens,
  Room,
  connect,
  errorBox,
  followConnection,
  h,
  loadCatalogue,
  markReady,
  pageCredential,
  params,
  phaseDisplay,
  renderScoreboard,
  setStatus,
  showError,
} from './ui';
import { t } from './i18n';
import { auth } from './auth';
import { signInCard } from './signin';

export async function viewPage(main: HTMLElement, code: string): Promise<void> {
  const { me, providers, devGuest } = auth();
  if (!me && !devGuest) {
    const configured = providers ?? [];
    main.replaceChildren(configured.length > 0 ? signInCard(configured, 'sign_in_to_join') : h('p', { class: 'error', role: 'alert', i18n: 'no_sign_in' }));
    return;
  }
  await loadCatalogue();
  const error = errorBox();
  const status = h('p', { class: 'status', 'data-testid': 'status', role: 'status' });
  setStatus(status, 'connecting');
  const cueEl = h('p', { class: 'cue huge', 'data-testid': 'cue', 'aria-live': 'assertive', 'aria-atomic': 'true' });
  const phaseEl = h('p', { class: 'phase', 'data-testid': 'phase' });
  const exerciseEl = h('p', { class: 'exercise', 'data-testid': 'exercise' });
  const timerEl = h('p', { class: 'timer', 'data-testid': 'timer', 'aria-hidden': 'true' });
  const howEl = h('p', { class: 'how', 'data-testid': 'how-to' });
  const board = h('ol', { class: 'scoreboard', 'data-testid': 'scoreboard' });
  const peers = h('div', { class: 'peers large', 'data-testid': 'peers' });
  main.replaceChildren(
    h(
      'div',
      { class: 'viewer' },
      h('section', { class: 'now' }, status, h('p', { class: 'code' }, code), phaseEl, cueEl, exerciseEl, howEl, timerEl, error),
      h('section', { class: 'stage-all' }, peers),
      h('section', { class: 'board' }, h('h2', { i18n: 'scoreboard' }), board),
    ),
  );
  let client;
  try {
    ({ client } = await connect(params().get('name')?.trim() || t('screen'), 'viewer', pageCredential()));
  } catch (e) {
    setStatus(status, 'error');
    showError(error, e instanceof NoTokens ? e.message : e);
    return;
  }
  const room = new Room(client);
  followConnection(client, status);
  new CueDisplay(client, cueEl);
  phaseDisplay(room, phaseEl, exerciseEl, timerEl, howEl);
  renderPeers(client, room, peers);
  const render = () => renderScoreboard(board, room);
  room.on(render);
  onLang(render);
  setStatus(status, 'joining');
  try {
    await client.join(code, { role: 'viewer', sharing: 'nobody' });
  } catch (e) {
    setStatus(status, 'error');
    showError(error, e);
    return;
  }
  setStatus(status, 'joined');
  markReady();
}
