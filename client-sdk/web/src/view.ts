// The shared screen, /view/{CODE}: everyone's skeletons moving in a gallery, the cue in large
// type, the exercise and the timer, the scoreboard, and how to join (a QR code, the link and the
// code), readable across a meeting room at 1920×1080. The demonstration of what comes up shows
// in the lobby and during rests. It joins as a viewer: it sends nothing. Signed in, it connects
// as the user (the cookie); otherwise as a dev guest, or asks to sign in.

import { onLang, t } from './i18n';
import { renderPeers } from './peers';
import { qrCode } from './qr';
import { demoSlot, timeline } from './timeline';
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
  document.body.classList.add('big-screen');
  const error = errorBox();
  const status = h('p', { class: 'status', 'data-testid': 'status', role: 'status' });
  setStatus(status, 'connecting');
  const cueEl = h('p', { class: 'cue huge', 'data-testid': 'cue' });
  const phaseEl = h('p', { class: 'phase', 'data-testid': 'phase' });
  const exerciseEl = h('p', { class: 'exercise', 'data-testid': 'exercise' });
  const timerEl = h('p', { class: 'timer', 'data-testid': 'timer', 'aria-hidden': 'true' });
  const howEl = h('p', { class: 'how', 'data-testid': 'how-to' });
  const board = h('ol', { class: 'scoreboard', 'data-testid': 'scoreboard' });
  const peers = h('div', { class: 'peers large', 'data-testid': 'peers' });
  const nobody = h('p', { class: 'muted nobody', i18n: 'nobody_moving' });
  const joinUrl = `${location.origin}/join/${encodeURIComponent(code)}`;
  const joinCard = h(
    'section',
    { class: 'join-card', 'data-testid': 'join-card', 'aria-labelledby': 'join-h' },
    h('h2', { id: 'join-h', i18n: 'scan_to_join' }),
    qrCode(joinUrl, t('qr_label')),
    h('p', { class: 'join-text' }, h('span', { i18n: 'or_go_to' }), ' ', h('span', { class: 'join-url', 'data-testid': 'join-url' }, joinUrl.replace(/^https?:\/\//, ''))),
    h('p', { class: 'code', 'data-testid': 'room-code' }, code),
  );
  const stage = h('section', { class: 'stage-all', 'aria-labelledby': 'stage-h' }, h('h2', { id: 'stage-h', class: 'sr-only', i18n: 'everyone_moving' }), peers, nobody);
  const side = h('aside', { class: 'side' }, h('section', { class: 'board', 'aria-labelledby': 'board-h' }, h('h2', { id: 'board-h', i18n: 'scoreboard' }), board), joinCard);
  const now = h(
    'section',
    { class: 'now' },
    h('h1', { class: 'sr-only', i18n: 'viewer_link' }),
    h('div', { class: 'now-row' }, h('div', { class: 'now-what' }, phaseEl, exerciseEl), cueEl, timerEl),
    howEl,
    status,
    error,
  );
  main.replaceChildren(h('div', { class: 'viewer' }, now, stage, side));

  let client;
  try {
    ({ client } = await connect(params().get('name')?.trim() || t('screen'), 'viewer', pageCredential()));
  } catch (e) {
    setStatus(status, 'error');
    showError(error, e instanceof NoTokens ? e.message : e);
    return;
  }
  const room = new Room(client);
  const demo = demoSlot(room);
  stage.prepend(demo.el);
  stage.append(h('section', { class: 'program', 'aria-labelledby': 'program-h' }, h('h2', { id: 'program-h', class: 'sr-only', i18n: 'program' }), timeline(room)));
  followConnection(client, status);
  new CueDisplay(client, cueEl);
  phaseDisplay(room, phaseEl, exerciseEl, timerEl, howEl);
  renderPeers(client, room, peers);
  const render = () => {
    renderScoreboard(board, room);
    // The join card is big before the start; small while people move.
    const phase = room.phase?.phase ?? 'lobby';
    joinCard.classList.toggle('compact', phase !== 'lobby');
    nobody.hidden = peers.childElementCount > 0;
    // The demonstration carries the instruction while it shows: not said twice.
    howEl.hidden = !demo.el.hidden;
  };
  room.on(render);
  onLang(render);
  new MutationObserver(render).observe(peers, { childList: true });
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
