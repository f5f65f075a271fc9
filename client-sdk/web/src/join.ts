// The participant's page, /join/{CODE}?name=Ada: joins the room, runs the camera (once the
// player turns it on: never on page load; off again when they say, when the tab is hidden and
// when the session ends) and MediaPipe Pose on this device (the video never leaves the page),
// draws the own skeleton over a dimmed preview and the others' from the relay, shows the cues
// at the same instant as every other screen and sounds them (audio.ts), counts the own reps
// with the SDK's tracker, plays the reach game (stage.ts) and counts the sound exercise with
// the microphone (mic.ts), and shows the scoreboard.
//
// Who joins: the signed-in user (the cookie; the name is the account's); a guest, with
// `?guest=TOKEN` from a guest link (asks for a name and trades both for an access token to this
// room, `POST /v1/guest/token`); or, in dev mode, a dev guest. Otherwise it asks to sign in.

import type { ReactionKind, Tracker } from './sdk';
import { onLang, t } from './i18n';
import { PoseCamera } from './camera';
import { renderPeers } from './peers';
import { type Landmark, drawSkeleton, fitCanvas } from './skeleton';
import { movementText } from './exercises';
import { type Credential, auth, guestToken, statusOf } from './auth';
import { signInCard } from './signin';
import { CueAudio } from './audio';
import { bindText, st } from './stage-i18n';
import { ReachStage, SoundStage, coverBox, exerciseInput } from './stage';
import { demoSlot, timeline } from './timeline';
import { personalSummary } from './summary';
import './stage.css';
import {
  type Client,
  CueDisplay,
  NoTokens,
  Room,
  connect,
  errorBox,
  followConnection,
  h,
  loadCatalogue,
  markReady,
  params,
  phaseDisplay,
  renderScoreboard,
  setStatus,
  showError,
} from './ui';

type Sharing = 'room' | 'facilitators' | 'nobody';
const REACTIONS: [ReactionKind, string][] = [
  ['clap', '👏'],
  ['cheer', '🎉'],
  ['strong', '💪'],
  ['heart', '❤️'],
];

function keptSharing(): Sharing {
  const q = params().get('sharing');
  if (q === 'room' || q === 'facilitators' || q === 'nobody') return q;
  try {
    const k = localStorage.getItem('breakroom.sharing');
    if (k === 'room' || k === 'facilitators' || k === 'nobody') return k;
  } catch {
    // default
  }
  return 'room';
}

function sharingSelect(): HTMLSelectElement {
  const sel = h('select', { id: 'sharing', 'data-testid': 'sharing' });
  const render = () =>
    sel.replaceChildren(
      ...(['room', 'facilitators', 'nobody'] as Sharing[]).map((s) =>
        h('option', { value: s, selected: s === sel.dataset.value }, t(`sharing_${s}`)),
      ),
    );
  sel.dataset.value = keptSharing();
  sel.addEventListener('change', () => {
    sel.dataset.value = sel.value;
    try {
      localStorage.setItem('breakroom.sharing', sel.value);
    } catch {
      // not kept
    }
  });
  onLang(() => {
    render();
    sel.value = sel.dataset.value!;
  });
  return sel;
}

export async function joinPage(main: HTMLElement, code: string | undefined): Promise<void> {
  const q = params();
  const { me, providers, devGuest } = auth();
  const guest = q.get('guest');
  void loadCatalogue();
  // A guest link wins over a session: it names this room, and the guest chose to use it.
  if (!guest && !me && !devGuest) {
    const configured = providers ?? [];
    main.replaceChildren(configured.length > 0 ? signInCard(configured, 'sign_in_to_join') : h('p', { class: 'error', role: 'alert', i18n: 'no_sign_in' }));
    return;
  }
  // Sound cues: the join click (a user gesture) unlocks audio, as the autoplay rules ask.
  const audio = new CueAudio();
  const askName = guest !== null || !me;
  const name = askName ? q.get('name')?.trim() : me!.name;
  const start = async (c: string, n: string) => {
    if (!guest) return participant(main, c, n, me ? { kind: 'cookie' } : { kind: 'dev' }, audio);
    let token: string;
    try {
      ({ token } = await guestToken(guest, n));
    } catch (e) {
      const box = errorBox();
      showError(box, statusOf(e) === 404 ? t('guest_gone') : e);
      main.replaceChildren(box);
      box.dataset.reason = statusOf(e) === 404 ? 'guest-gone' : 'error';
      return;
    }
    return participant(main, c, n, { kind: 'token', token }, audio);
  };
  if (code && name) return start(code, name);

  // Ask for what is missing: the code (when opened as /join) and the name (unless signed in).
  const codeInput = h('input', { id: 'code', name: 'code', required: true, autocomplete: 'off', autocapitalize: 'characters', value: code ?? '', placeholder: 'ABCD-EFGH' });
  const nameInput = h('input', { id: 'name', name: 'name', required: true, maxlength: 64, autocomplete: 'nickname', value: name ?? '' });
  const sharing = sharingSelect();
  const form = h(
    'form',
    { class: 'card setup', 'data-testid': 'name-form' },
    h('h1', { i18n: guest ? 'guest_join' : 'home_join' }),
    h('label', { for: 'code', i18n: 'code' }),
    codeInput,
    askName ? h('label', { for: 'name', i18n: 'name' }) : null,
    askName ? nameInput : null,
    h('label', { for: 'sharing', i18n: 'sharing' }),
    sharing,
    h('button', { type: 'submit', class: 'primary', 'data-testid': 'join', i18n: 'join' }),
  );
  main.replaceChildren(form);
  (code && askName ? nameInput : codeInput).focus();
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const c = codeInput.value.trim().toUpperCase();
    const n = askName ? nameInput.value.trim() : me!.name;
    if (!c || !n) return;
    void audio.unlock();
    const next = new URLSearchParams(location.search);
    if (askName) next.set('name', n);
    next.set('sharing', sharing.value);
    history.replaceState(null, '', `/join/${encodeURIComponent(c)}?${next}`);
    void start(c, n);
  });
}

async function participant(main: HTMLElement, code: string, name: string, cred: Credential, audio: CueAudio): Promise<void> {
  const error = errorBox();
  const status = h('p', { class: 'status', 'data-testid': 'status', role: 'status' });
  setStatus(status, 'connecting');
  const cueEl = h('p', { class: 'cue', 'data-testid': 'cue', 'aria-live': 'assertive', 'aria-atomic': 'true' });
  const phaseEl = h('p', { class: 'phase', 'data-testid': 'phase' });
  const exerciseEl = h('p', { class: 'exercise', 'data-testid': 'exercise' });
  const timerEl = h('p', { class: 'timer', 'data-testid': 'timer', 'aria-hidden': 'true' });
  const howEl = h('p', { class: 'how muted', 'data-testid': 'how-to' });
  // What the detector sees of the movement right now ("Left leg forward"), camera on only.
  const movementEl = h('p', { class: 'movement', 'data-testid': 'movement', 'aria-live': 'off' });
  const myReps = h('output', { class: 'my-reps', 'data-testid': 'my-reps' }, '0');
  // What is counted: reps, or the reach game's hits, or the sound exercise's sounds.
  let counting: 'pose' | 'reach' | 'sound' = 'pose';
  const repsLabel = h('span', { class: 'label', 'data-testid': 'my-reps-label' });
  const renderRepsLabel = bindText(repsLabel, () => (counting === 'reach' ? st('my_hits') : counting === 'sound' ? st('my_sounds') : t('my_reps')));
  const board = h('ol', { class: 'scoreboard', 'data-testid': 'scoreboard' });
  const video = h('video', { class: 'preview', muted: true, playsinline: true, autoplay: true, 'aria-hidden': 'true' });
  const own = h('canvas', { class: 'own', role: 'img', 'aria-label': name });
  const cameraBtn = h('button', { type: 'button', 'data-testid': 'enable-camera', class: 'primary', i18n: 'enable_camera' });
  const cameraOffBtn = h('button', { type: 'button', 'data-testid': 'disable-camera', hidden: true });
  bindText(cameraOffBtn, () => st('camera_stop'));
  const cameraState = h('p', { class: 'camera-state', 'data-testid': 'camera-state', 'data-state': 'off', 'data-pose-frames': '0', role: 'status' });
  const sharing = sharingSelect();
  const sharingNote = h('p', { class: 'muted', hidden: true, i18n: 'sharing_next' });
  const peers = h('div', { class: 'peers', 'data-testid': 'peers' });
  const reactions = h('div', { class: 'row reactions', role: 'group', 'i18n-label': 'react' });
  const toast = h('p', { class: 'toast', 'aria-live': 'polite' });
  const muteBtn = soundButton(audio);

  const stage = h('div', { class: 'stage', 'data-testid': 'stage', hidden: true }, video, own);
  // What comes up, shown (the demonstration of the exercise) in the lobby and during a rest.
  const demoHolder = h('div', { class: 'demo-holder' });
  const programList = h('div', { class: 'program' });
  const personal = h('div', { class: 'personal' });

  // Phone first: the cue, the timer, the reps and the own camera view on one screen; the rest
  // (the program, the others, the scoreboard, the sharing setting) below.
  const nowCard = h(
    'section',
    { class: 'card now stage-card', 'data-testid': 'now' },
    h('div', { class: 'now-top' }, status, phaseEl),
    cueEl,
    h(
      'div',
      { class: 'now-stats' },
      h('div', { class: 'now-exercise' }, exerciseEl, movementEl),
      timerEl,
      h('p', { class: 'reps-box' }, repsLabel, myReps),
    ),
    stage,
    h('div', { class: 'row controls' }, cameraBtn, cameraOffBtn, muteBtn),
    cameraState,
    howEl,
    error,
  );
  main.replaceChildren(
    h(
      'div',
      { class: 'participant' },
      h('div', { class: 'main-col' }, personal, nowCard, demoHolder),
      h(
        'div',
        { class: 'side-col' },
        h('section', { class: 'card' }, h('h2', { i18n: 'program' }), programList),
        h('section', { class: 'card' }, h('h2', { i18n: 'scoreboard' }), board),
        h('section', { class: 'card' }, h('h2', { i18n: 'others' }), peers, reactions, toast),
        h('section', { class: 'card settings' }, h('label', { for: 'sharing', i18n: 'sharing' }), sharing, sharingNote),
      ),
    ),
  );

  // ---- camera and pose -------------------------------------------------------------------
  // The view takes the camera's own shape (portrait on a phone, landscape on a laptop), so that
  // nothing of the image, and no reach target, is cropped away; where the screen still cuts it
  // (stage.css bounds its size), the skeleton and targets follow the video's crop (coverBox).
  video.addEventListener('resize', () => {
    if (video.videoWidth > 0 && video.videoHeight > 0) stage.style.setProperty('--ar', String(video.videoWidth / video.videoHeight));
  });
  let client: Client | null = null;
  let room: Room | null = null;
  let joined = false;
  let tracker: Tracker | null = null;
  let trackerExercise: string | undefined;
  let trackerStep = -1;
  let doneReps = 0;
  let stepReps = 0;
  let reach: ReachStage | null = null;
  // The session is over: the camera stays off, and nothing offers to turn it on.
  let over = false;

  const renderCamera = () => {
    const s = camera.state;
    cameraState.dataset.state = s;
    cameraState.textContent = t(`camera_${s}`);
    cameraBtn.hidden = s === 'on' || s === 'starting' || over;
    cameraOffBtn.hidden = s !== 'on';
    // The camera view takes room only while the camera runs.
    stage.hidden = s === 'off' || s === 'error';
  };
  const showMovement = (phase: string | undefined) => {
    const text = movementText(trackerExercise, phase);
    movementEl.dataset.phase = phase ?? '';
    if (movementEl.textContent !== text) movementEl.textContent = text;
  };
  const onLandmarks = (l: Landmark[] | null) => {
    cameraState.dataset.poseFrames = String(camera.frames);
    const ctx = fitCanvas(own);
    ctx.clearRect(0, 0, own.width, own.height);
    // The skeleton and the target in the box of the whole video image, cropped as the video is
    // (object-fit: cover), so they sit on the body.
    const box = coverBox(video.videoWidth, video.videoHeight, own.width, own.height);
    if (reach?.active && l) reach.frame(l);
    reach?.draw(ctx, box, true);
    if (!l) return;
    drawSkeleton(ctx, l, box, { color: '#ffb703', mirror: true });
    if (!client || !joined) return;
    // Every frame goes to the detector; the SDK sends at most its pose rate (latest wins).
    try {
      const ph = room?.phase;
      if (tracker && ph?.phase === 'exercise' && !ph.paused) {
        const r = tracker.update(l);
        if (r && typeof r.reps === 'number') {
          stepReps = r.reps;
          myReps.textContent = String(doneReps + stepReps);
        }
        showMovement(r?.phase);
      } else {
        client.sendPose(l);
        showMovement(undefined);
      }
    } catch (e) {
      console.warn('sending a pose failed', e);
    }
  };
  const camera = new PoseCamera(video, onLandmarks, (_s, e) => {
    renderCamera();
    if (e) console.warn('camera failed', e);
  });
  onLang(renderCamera);
  // The camera runs only when the player turns it on (never on page load), and stops when they
  // turn it off, when the tab is hidden and when the session ends.
  cameraBtn.addEventListener('click', () => void camera.start());
  cameraOffBtn.addEventListener('click', () => camera.stop());
  document.addEventListener('visibilitychange', () => {
    if (document.hidden) camera.stop();
  });

  // ---- the room ----------------------------------------------------------------------------
  try {
    const connected = await connect(name, 'participant', cred);
    client = connected.client;
  } catch (e) {
    setStatus(status, 'error');
    showError(error, e instanceof NoTokens ? e.message : e);
    return;
  }
  const c = client!;
  room = new Room(c);
  const r = room;
  const sound = new SoundStage(c, (n) => {
    stepReps = n;
    myReps.textContent = String(doneReps + stepReps);
  });
  reach = new ReachStage(c, (n) => {
    stepReps = n;
    myReps.textContent = String(doneReps + stepReps);
  });
  const game = reach;
  stage.after(sound.el, game.hint);
  demoHolder.replaceChildren(demoSlot(r).el);
  programList.replaceChildren(timeline(r));
  followConnection(c, status);
  new CueDisplay(c, cueEl);
  audio.follow(c);
  // Opened with the code and name in the address (no join click): audio starts where the
  // browser allows it, else at the first touch or key.
  void audio.unlock();
  const unlock = () => void audio.unlock();
  document.addEventListener('pointerdown', unlock, { once: true });
  document.addEventListener('keydown', unlock, { once: true });
  phaseDisplay(r, phaseEl, exerciseEl, timerEl, howEl);
  renderPeers(c, r, peers, { skipSelf: true });
  const renderBoard = () => renderScoreboard(board, r);
  r.on(renderBoard);
  onLang(renderBoard);

  // A tracker per exercise step: it sends the pose, counts the reps and reports them. A sound
  // step counts with the microphone instead (opened by the player, closed when it ends).
  r.on(() => {
    const ph = r.phase;
    const inStep = ph?.phase === 'exercise' && ph.step !== undefined && r.program ? r.program.steps[ph.step]?.exercise : undefined;
    const input = exerciseInput(inStep);
    if (input && input !== counting) {
      counting = input;
      renderRepsLabel();
    }
    if (exerciseInput(inStep) === 'sound') sound.enter(inStep!);
    else sound.leave();
    if (exerciseInput(inStep) === 'reach' && ph?.step !== undefined) game.enter(inStep!, ph.step);
    else game.leave();
    if (ph?.phase !== 'exercise' || ph.step === undefined || ph.step === trackerStep || !r.program) return;
    const exercise = r.program.steps[ph.step]?.exercise;
    if (!exercise) return;
    doneReps += stepReps;
    stepReps = 0;
    trackerStep = ph.step;
    trackerExercise = exercise;
    showMovement(undefined);
    tracker = null;
    if (exerciseInput(exercise) !== 'pose') return;
    try {
      tracker = c.track(exercise);
    } catch (e) {
      console.warn('no tracker for', exercise, e);
    }
  });
  const ended = () => {
    over = true;
    sound.leave();
    game.leave();
    camera.stop();
    renderCamera();
    muteBtn.hidden = true;
  };
  c.on('summary', (summary) => {
    ended();
    // The participant's own results, first on the page.
    const mine = personalSummary(summary, r.you);
    personal.replaceChildren(...(mine ? [mine] : []));
  });
  c.on('closed', ended);

  c.on('reaction', (m) => {
    const emoji = REACTIONS.find(([k]) => k === m.reaction)?.[1] ?? '👋';
    toast.textContent = `${emoji} ${r.name(m.p)}`;
  });
  c.on('error', (e) => {
    if (e.code === 'rate_limited') return;
    showError(error, e.message || e.code);
  });
  reactions.replaceChildren(
    ...REACTIONS.map(([k, emoji]) =>
      h('button', { type: 'button', class: 'reaction', 'i18n-label': `reaction_${k}`, onclick: () => c.react(k) }, emoji),
    ),
  );
  sharing.addEventListener('change', () => {
    sharingNote.hidden = false;
  });

  setStatus(status, 'joining');
  try {
    await c.join(code, { role: 'participant', sharing: sharing.value as Sharing });
  } catch (e) {
    setStatus(status, 'error');
    showError(error, e);
    return;
  }
  joined = true;
  setStatus(status, 'joined');
  markReady();
  window.addEventListener('pagehide', () => {
    try {
      c.close();
    } catch {
      // closing anyway
    }
  });
}

/** The sound cues' toggle (`aria-pressed` = sound on, `data-muted`); the choice is kept per device. */
function soundButton(audio: CueAudio): HTMLButtonElement {
  const label = h('span', {});
  const state = h('span', { class: 'state', 'aria-hidden': 'true' });
  const btn = h('button', { type: 'button', class: 'sound', 'data-testid': 'mute' }, label, state);
  bindText(label, () => st('sound_label'));
  const render = bindText(state, () => st(audio.muted ? 'off' : 'on'));
  const mark = () => {
    btn.setAttribute('aria-pressed', String(!audio.muted));
    btn.dataset.muted = String(audio.muted);
    render();
  };
  mark();
  btn.addEventListener('click', () => {
    audio.setMuted(!audio.muted);
    mark();
  });
  return btn;
}
