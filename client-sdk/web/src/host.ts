// The facilitator's page, /host?name=Fia: create a room from a preset program, share its code
// and link, run the session, watch presence, the live scoreboard with flagged reports, and the
// summary at the end. Signed in (the cookie), the name is the user's, the room belongs to their
// organization, and the page lists the organization's live rooms and recent sessions and makes
// guest links for the room; otherwise it runs on dev guest tokens (`--dev`, loopback), or asks to
// sign in.

import { createRoom } from './sdk';
import { onLang, t, tf } from './i18n';
import { confirmAction } from './confirm';
import { qrCode } from './qr';
import { flagExplanation, renderSummary } from './summary';
import { demoSlot, timeline } from './timeline';
import { auth, createRoomAsMe } from './auth';
import { guestPanel, orgPanel } from './org';
import { signInCard } from './signin';
import {
  type Client,
  CueDisplay,
  NoTokens,
  Room,
  connect,
  errorBox,
  exerciseName,
  followConnection,
  h,
  httpBase,
  loadCatalogue,
  markReady,
  params,
  phaseDisplay,
  renderScoreboard,
  setStatus,
  showError,
  type Program,
} from './ui';
import { renderPeers } from './peers';

interface Preset {
  id: string;
  name: string;
  steps: [string, number, number][]; // exercise, seconds, rest seconds
}

const PRESETS: Preset[] = [
  { id: 'quick', name: 'Quick squats', steps: [['squats', 20, 5], ['arm_raises', 20, 0]] },
  { id: 'test', name: 'Test', steps: [['squats', 8, 2], ['arm_raises', 6, 0]] },
  {
    id: 'desk',
    name: 'Desk break',
    steps: [['shoulder_rolls', 30, 10], ['side_bends', 30, 10], ['neck_stretch', 20, 10], ['calf_raises', 30, 0]],
  },
  {
    id: 'energy',
    name: 'Energy boost',
    steps: [['jumping_jacks', 30, 10], ['squats', 30, 10], ['march_in_place', 30, 10], ['arm_raises', 30, 0]],
  },
  {
    id: 'games',
    name: 'Reach and "ha!"',
    steps: [['reach', 30, 10], ['ha', 20, 10], ['arm_raises', 20, 0]],
  },
  {
    id: 'legs',
    name: 'Legs',
    steps: [['squats', 30, 10], ['lunges', 30, 10], ['calf_raises', 30, 10], ['wall_sit', 30, 0]],
  },
];

function program(p: Preset): Program {
  return {
    name: p.name,
    steps: p.steps.map(([exercise, s, rest]) => ({ exercise, duration_ms: s * 1000, rest_ms: rest * 1000 })),
  };
}

export async function hostPage(main: HTMLElement): Promise<void> {
  const q = params();
  const { me, providers, devGuest } = auth();
  if (!me && !devGuest) {
    const configured = providers ?? [];
    main.replaceChildren(configured.length > 0 ? signInCard(configured, 'sign_in_to_host') : h('p', { class: 'error', role: 'alert', i18n: 'no_sign_in' }));
    return;
  }
  if (me && !me.can_host) {
    main.replaceChildren(h('p', { class: 'card muted', 'data-testid': 'cannot-host', i18n: 'cannot_host' }));
    return;
  }
  const cred = me ? ({ kind: 'cookie' } as const) : ({ kind: 'dev' } as const);
  const org = me ? orgPanel() : null;
  const catalogue = await loadCatalogue();
  const presets = PRESETS.filter((p) => catalogue.size === 0 || p.steps.every(([e]) => catalogue.has(e)));

  const error = errorBox();
  const nameInput = h('input', { id: 'host-name', name: 'name', required: true, maxlength: 64, autocomplete: 'nickname', value: q.get('name') ?? '' });
  const select = h(
    'select',
    { id: 'program', 'data-testid': 'program' },
    ...presets.map((p) => h('option', { value: p.id }, p.name)),
  );
  if (q.get('program')) select.value = q.get('program')!;
  const steps = h('ol', { class: 'steps' });
  const renderSteps = () => {
    const p = presets.find((x) => x.id === select.value) ?? presets[0];
    steps.replaceChildren(
      ...p.steps.map(([e, s, r]) => h('li', {}, `${exerciseName(e)} ${s} ${t('seconds')}`, r ? ` + ${t('rest')} ${r} ${t('seconds')}` : '')),
    );
  };
  select.addEventListener('change', renderSteps);
  onLang(renderSteps);
  const capacity = h('input', { id: 'capacity', type: 'number', min: 1, max: 1000, value: q.get('capacity') ?? '50', inputmode: 'numeric' });
  const createBtn = h('button', { type: 'submit', 'data-testid': 'create-room', class: 'primary', i18n: 'create_room' });

  const form = h(
    'form',
    { class: 'card setup' },
    h('h1', { i18n: 'host_setup' }),
    // Signed in, the name is the account's (the header shows it).
    me ? null : h('label', { for: 'host-name', i18n: 'name' }),
    me ? null : nameInput,
    h('label', { for: 'program', i18n: 'program' }),
    select,
    h('p', { class: 'muted', i18n: 'steps' }),
    steps,
    h('label', { for: 'capacity', i18n: 'capacity' }),
    capacity,
    createBtn,
    error,
  );
  // Dev guest, with providers configured: signing in is offered too.
  const configured = providers ?? [];
  const offer = !me && configured.length > 0 ? [signInCard(configured, 'sign_in_to_host'), h('p', { class: 'muted', i18n: 'dev_guest' })] : [];
  main.replaceChildren(...offer, org ? h('div', { class: 'host' }, form, org.el) : form);

  // Connect as soon as the name is known, so that creating the room is quick (and the page
  // says it is ready).
  let conn: { name: string; ready: Promise<{ client: Client; token: string }> } | null = null;
  const connectAs = (name: string) => {
    if (!conn || conn.name !== name) {
      conn?.ready.then(({ client }) => client.close()).catch(() => {});
      conn = { name, ready: connect(name, 'facilitator', cred) };
    }
    return conn.ready;
  };
  if (me) nameInput.value = me.name;
  const initial = nameInput.value.trim();
  if (initial) {
    try {
      await connectAs(initial);
      markReady();
    } catch (e) {
      conn = null;
      showError(error, e instanceof NoTokens ? e.message : e);
    }
  }

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    error.hidden = true;
    const name = nameInput.value.trim();
    if (!name) return nameInput.focus();
    createBtn.disabled = true;
    try {
      const preset = presets.find((x) => x.id === select.value) ?? presets[0];
      const { client, token } = await connectAs(name);
      const cap = Number(capacity.value);
      const capacityOrNone = Number.isFinite(cap) && cap > 0 ? cap : undefined;
      // With the cookie, no bearer token: the browser sends the cookie (and its Origin).
      const created: { code: string; join_url: string } = me
        ? await createRoomAsMe(program(preset), capacityOrNone)
        : await createRoom(httpBase(), token, program(preset), capacityOrNone);
      await running(main, client, created, org);
    } catch (e) {
      conn = null;
      createBtn.disabled = false;
      showError(error, e instanceof NoTokens ? e.message : e);
    }
  });
}

async function running(
  main: HTMLElement,
  client: Client,
  created: { code: string; join_url: string },
  org: ReturnType<typeof orgPanel> | null,
): Promise<void> {
  const room = new Room(client);
  const error = errorBox();
  const status = h('p', { class: 'status', 'data-testid': 'status', role: 'status' });
  setStatus(status, 'joining');
  followConnection(client, status);

  const joinUrl = created.join_url || `${location.origin}/join/${created.code}`;
  const copyBtn = h('button', { type: 'button', i18n: 'copy' });
  copyBtn.addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(joinUrl);
      copyBtn.textContent = t('copied');
      setTimeout(() => (copyBtn.textContent = t('copy')), 2000);
    } catch (e) {
      showError(error, e);
    }
  });

  type Action = 'start' | 'pause' | 'resume' | 'skip' | 'end' | 'lock' | 'unlock';
  type OnSomeone = 'kick' | 'makeCohost';
  // `p`: whom `kick` and `makeCohost` act on.
  const control = (action: Action | OnSomeone, p = -1) => () => {
    error.hidden = true;
    try {
      if (action === 'kick' || action === 'makeCohost') client[action](p);
      else client[action]();
    } catch (e) {
      showError(error, e);
    }
  };
  const btn = (id: string, key: Parameters<typeof t>[0], action: Action, cls = '') =>
    h('button', { type: 'button', 'data-testid': id, class: cls || undefined, i18n: key, onclick: control(action) });
  // Ending cannot be undone: asked first.
  const endBtn = h('button', {
    type: 'button',
    'data-testid': 'end',
    class: 'danger',
    i18n: 'end',
    onclick: async () => {
      if (await confirmAction(t('confirm_end'), t('end'))) control('end')();
    },
  });
  // The button shows the room's state as the server last said (the snapshot, then each `lock`
  // message), not what was clicked: a refused or another host's control shows as it is.
  const lockBtn = h('button', { type: 'button', 'data-testid': 'lock' });
  const renderLock = () => {
    lockBtn.textContent = room.locked ? t('unlock') : t('lock');
    lockBtn.setAttribute('aria-pressed', String(room.locked));
  };
  lockBtn.addEventListener('click', () => control(room.locked ? 'unlock' : 'lock')());

  const phaseEl = h('p', { class: 'phase', 'data-testid': 'phase' });
  const exerciseEl = h('p', { class: 'exercise', 'data-testid': 'exercise' });
  const timerEl = h('p', { class: 'timer', 'data-testid': 'timer', 'aria-hidden': 'true' });
  const cueEl = h('p', { class: 'cue small', 'data-testid': 'cue' });
  const peoples = h('ul', { class: 'people', 'data-testid': 'participants' });
  const screens = h('p', { class: 'muted' });
  const board = h('ol', { class: 'scoreboard', 'data-testid': 'scoreboard' });
  const flagList = h('ul', { class: 'flags', 'data-testid': 'flags' });
  const peers = h('div', { class: 'peers small', 'data-testid': 'peers' });
  const summary = h('section', { class: 'card summary', 'data-testid': 'summary', hidden: true, 'aria-labelledby': 'summary-h' });
  const demo = demoSlot(room);
  const steps = timeline(room, (exercise) => {
    demo.show(exercise);
    demo.el.scrollIntoView({ block: 'nearest' });
  });
  const flagsHeading = h('h3', { i18n: 'flags', hidden: true });

  main.replaceChildren(
    h(
      'div',
      { class: 'host running' },
      // First on a phone: the room's code, where the session is, and Start.
      h(
        'section',
        { class: 'card controls', 'aria-labelledby': 'controls-h' },
        h('h1', { id: 'controls-h', class: 'room-title' }, h('span', { class: 'label', i18n: 'code' }), ' ', h('span', { class: 'code', 'data-testid': 'room-code' }, created.code)),
        status,
        h('div', { class: 'now-row' }, h('div', {}, phaseEl, exerciseEl), timerEl),
        cueEl,
        h(
          'div',
          { class: 'row buttons' },
          btn('start', 'start', 'start', 'primary'),
          btn('pause', 'pause', 'pause'),
          btn('resume', 'resume', 'resume'),
          btn('skip', 'skip_step', 'skip'),
          endBtn,
          lockBtn,
        ),
        error,
      ),
      h('section', { class: 'card', 'aria-labelledby': 'people-h' }, h('h2', { id: 'people-h', i18n: 'participants' }), peoples, screens, peers),
      h(
        'section',
        { class: 'card share', 'aria-labelledby': 'share-h' },
        h('h2', { id: 'share-h', i18n: 'share_link' }),
        h(
          'div',
          { class: 'share-row' },
          qrCode(joinUrl, t('qr_label')),
          h(
            'div',
            {},
            h('p', {}, h('a', { href: joinUrl, 'data-testid': 'join-link', class: 'link' }, joinUrl)),
            h('div', { class: 'row' }, copyBtn, h('a', { href: `/view/${created.code}`, target: '_blank', rel: 'noopener', class: 'button', i18n: 'viewer_link' })),
          ),
        ),
      ),
      h('section', { class: 'card program', 'aria-labelledby': 'program-h' }, h('h2', { id: 'program-h', i18n: 'program' }), steps, demo.el),
      h('section', { class: 'card', 'aria-labelledby': 'board-h' }, h('h2', { id: 'board-h', i18n: 'scoreboard' }), board, flagsHeading, flagList),
      summary,
      org ? guestPanel(created.code) : null,
      org?.el,
    ),
  );

  // Who may do what to whom, as the server rules it (PROTOCOL.md `control`): the host makes
  // co-hosts of participants and removes anyone but itself; a co-host removes participants.
  const personControls = (p: { id: number; name: string; role: string }) => {
    const me = room.participants.get(room.you)?.role;
    const canPromote = me === 'facilitator' && p.role === 'participant';
    const canRemove = p.role !== 'facilitator' && (me === 'facilitator' || (me === 'cohost' && p.role === 'participant'));
    return [
      canPromote
        ? h('button', { type: 'button', 'data-testid': 'make-cohost', 'aria-label': `${t('make_cohost')}: ${p.name}`, onclick: control('makeCohost', p.id) }, t('make_cohost'))
        : null,
      canRemove
        ? h(
            'button',
            {
              type: 'button',
              class: 'danger',
              'data-testid': 'remove',
              'aria-label': `${t('remove')}: ${p.name}`,
              onclick: async () => {
                if (await confirmAction(tf('confirm_remove', { name: p.name }), t('remove'))) control('kick', p.id)();
              },
            },
            t('remove'),
          )
        : null,
    ];
  };
  const renderPeople = () => {
    const members = [...room.participants.values()].filter((p) => p.id !== room.you && p.role !== 'viewer');
    const viewers = [...room.participants.values()].filter((p) => p.role === 'viewer').length;
    peoples.replaceChildren(
      ...(members.length === 0
        ? [h('li', { class: 'muted', i18n: 'nobody_yet' })]
        : members.map((p) =>
            h(
              'li',
              { 'data-testid': 'participant', 'data-p': p.id, 'data-presence': p.presence, 'data-role': p.role, class: p.presence },
              h('span', { class: 'dot', 'aria-hidden': 'true' }),
              h('span', { class: 'who' }, p.name),
              h('span', { class: 'presence' }, p.presence === 'present' ? t('present') : t('reconnecting'), liveReps(p.id)),
              p.role === 'cohost' ? h('span', { class: 'muted' }, ` (${t('cohost')})`) : null,
              ...personControls(p),
            ),
          )),
    );
    screens.textContent = viewers ? `${t('viewer_link')}: ${viewers}` : '';
  };
  // Live status: the reps the scoreboard has for someone, beside their presence.
  const liveReps = (p: number) => {
    const e = room.scoreboard.ranking.find((r) => r.p === p);
    return e ? ` · ${e.reps} ${t(e.reps === 1 ? 'rep_one' : 'reps')}` : '';
  };
  // Each flag explained: what the server saw, and the figures (claimed → accepted, detected).
  const renderFlags = () => {
    flagsHeading.hidden = room.flags.length === 0;
    flagList.replaceChildren(
      ...room.flags.map((f) =>
        h(
          'li',
          { 'data-testid': 'flag', 'data-p': f.p, 'data-reason': f.reason },
          h('strong', {}, `⚑ ${room.name(f.p)}`),
          ` — ${exerciseName(f.exercise)}: ${flagExplanation(f.reason)} `,
          h('span', { class: 'muted' }, `(${f.claimed} → ${f.accepted}${f.detected !== undefined ? `, ${f.detected}` : ''})`),
        ),
      ),
    );
  };
  // Only the controls that make sense in the session's phase are enabled (the server would
  // refuse the others anyway).
  const renderControls = () => {
    const phase = room.phase?.phase ?? 'lobby';
    const paused = room.phase?.paused ?? false;
    const running = phase === 'countdown' || phase === 'exercise' || phase === 'rest';
    const enabled: Record<string, boolean> = {
      start: phase === 'lobby',
      pause: running && !paused,
      resume: running && paused,
      skip: running,
      end: phase === 'lobby' || running,
    };
    for (const [id, on] of Object.entries(enabled)) {
      const b = main.querySelector<HTMLButtonElement>(`[data-testid=${id}]`);
      if (b) b.disabled = !on;
    }
  };
  const render = () => {
    renderLock();
    renderPeople();
    renderScoreboard(board, room);
    renderFlags();
    renderControls();
  };
  room.on(render);
  onLang(render);
  phaseDisplay(room, phaseEl, exerciseEl, timerEl, undefined, { host: true });
  new CueDisplay(client, cueEl);
  renderPeers(client, room, peers);

  client.on('summary', (s) => renderSummary(summary, s));
  client.on('error', (e) => showError(error, e.message || e.code));

  await client.join(created.code, { role: 'facilitator', sharing: 'nobody' });
  setStatus(status, 'joined');
  markReady();
  // The new room among the organization's live rooms.
  void org?.refresh();
}
