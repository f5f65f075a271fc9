// English and Swedish. The language follows `?lang=`, then the choice kept from the language
// button, then `navigator.language`.

export type Lang = 'en' | 'sv';

const en = {
  skip: 'Skip to content',
  langButton: 'Svenska',
  home_title: 'Move together',
  home_intro: 'Short movement breaks with colleagues, each in front of their own camera. Your video never leaves your device: only the skeleton your browser computes is shared.',
  home_host: 'Host a break',
  home_join: 'Join',
  code: 'Room code',
  name: 'Your name',
  who: 'Name',
  join: 'Join',
  create_room: 'Create room',
  program: 'Program',
  capacity: 'Most participants',
  host_setup: 'Set up a break',
  steps: 'Steps',
  seconds: 's',
  rest: 'rest',
  share_link: 'Join link',
  copy: 'Copy link',
  copied: 'Copied',
  viewer_link: 'Shared screen',
  start: 'Start',
  pause: 'Pause',
  resume: 'Resume',
  skip_step: 'Skip',
  end: 'End',
  lock: 'Lock room',
  unlock: 'Unlock room',
  make_cohost: 'Make co-host',
  remove: 'Remove',
  cohost: 'co-host',
  controls: 'Session',
  participants: 'Participants',
  nobody_yet: 'Nobody has joined yet.',
  present: 'present',
  reconnecting: 'reconnecting',
  scoreboard: 'Scoreboard',
  reps: 'reps',
  points: 'pts',
  verified: 'verified',
  unverified: 'unverified',
  flagged: 'flagged',
  flags: 'Flagged reports',
  flag_too_fast: 'faster than plausible',
  flag_wrong_exercise: 'wrong exercise',
  flag_mismatch: 'more than the camera saw',
  summary: 'Summary',
  total: 'Total',
  status_connecting: 'Connecting…',
  status_joining: 'Joining…',
  status_joined: 'Joined',
  status_reconnecting: 'Reconnecting…',
  status_closed: 'Disconnected',
  status_error: 'Could not join',
  status_ended: 'Session over',
  no_dev_tokens: 'This server does not hand out guest tokens to the app (POST /v1/dev/token is missing: start it with --dev, on this computer), and no sign-in is configured.',
  enable_camera: 'Turn on camera',
  camera_off: 'Camera off: you can follow along, your score is marked unverified.',
  camera_starting: 'Starting camera and pose detection…',
  camera_on: 'Camera on. The video stays on this device.',
  camera_error: 'No camera: you can still follow along (unverified).',
  sharing: 'Show my skeleton to',
  sharing_room: 'everyone in the room',
  sharing_facilitators: 'facilitators only',
  sharing_nobody: 'nobody',
  sharing_next: 'Applies the next time you join.',
  my_reps: 'My reps',
  phase_lobby: 'Waiting for the host to start',
  phase_countdown: 'Get ready',
  phase_exercise: 'Go',
  phase_rest: 'Rest',
  phase_results: 'Results',
  phase_closed: 'Closed',
  paused: 'Paused',
  cue_go: 'Go!',
  cue_halfway: 'Halfway!',
  cue_rest: 'Rest',
  cue_next_up: 'Next up',
  cue_done: 'Done! Well moved.',
  waiting: 'Waiting…',
  others: 'Everyone',
  you: 'you',
  react: 'React',
  end_completed: 'completed',
  end_facilitator: 'ended by the host',
  end_room_closed: 'room closed',
  end_shutdown: 'server shut down',
  kicked: 'You were removed from the room.',
  room_gone: 'The room has closed.',
  screen: 'Screen',
  // Sign-in, the organization, guest links.
  sign_in: 'Sign in',
  sign_in_with: 'Sign in with {provider}',
  sign_in_intro: 'Sign in with the account your workplace already has. Breakroom stores no password.',
  sign_in_to_host: 'Sign in to host a break.',
  sign_in_to_join: 'Sign in to join this break, or ask the host for a guest link.',
  signed_in_as: 'Signed in as {name} ({org})',
  sign_out: 'Sign out',
  dev_guest: 'Developer mode: on this computer you can also host and join as a guest, without signing in.',
  invited: 'You have been invited to an organization. Sign in to accept.',
  cannot_host: 'In your organization only facilitators host breaks. An admin can make you one.',
  no_sign_in: 'This server has no sign-in configured for the app. Ask its administrator.',
  org_rooms: 'Live rooms',
  org_rooms_none: 'No live rooms.',
  org_sessions: 'Recent sessions',
  org_sessions_none: 'No sessions yet.',
  mine: 'yours',
  person: 'person',
  people: 'people',
  ongoing: 'ongoing',
  refresh: 'Refresh',
  guest_links: 'Guest links',
  guest_links_intro: 'For people outside your organization: a guest link lets them join this room only, under a name they choose.',
  guest_ttl: 'Valid for',
  ttl_1h: '1 hour',
  ttl_1d: '1 day',
  ttl_7d: '7 days',
  make_guest_link: 'Make guest link',
  guest_link_new: 'New guest link (copy it now: it is shown only once)',
  guest_links_none: 'No active guest links.',
  expires: 'expires',
  revoke: 'Revoke',
  revoked: 'revoked',
  guest_join: 'Join as a guest',
  guest_gone: 'This guest link has expired or was revoked. Ask the host for a new one.',
  closed_signed_out: 'You signed out.',
  closed_token_expired: 'Your access expired: reload the page.',
  closed_revoked: 'Your access was revoked.',
  // Issue 17: demonstrations, timeline, summaries, confirmations, offline, big screen.
  app_title: 'Breakroom',
  up_first: 'Up first',
  how_to: 'How to do it',
  show_how: 'Show how',
  hide: 'Hide',
  step_of: 'Step {n} of {total}',
  program_now: 'Program',
  rep_one: 'rep',
  point_one: 'pt',
  reps_col: 'Reps',
  points_col: 'Points',
  unverified_note: '* unverified: no camera checked these reps.',
  your_summary: 'Your break',
  your_place: 'Place {n} of {total}',
  flag_too_fast_long: 'more reps than anyone can do in that time',
  flag_wrong_exercise_long: 'the camera saw a different movement',
  flag_mismatch_long: 'more reps reported than the camera saw',
  cancel: 'Cancel',
  confirm_end: 'End the session for everyone?',
  confirm_remove: 'Remove {name} from the room?',
  phase_lobby_host: 'Ready: press Start when everyone is here',
  scan_to_join: 'Scan to join',
  or_go_to: 'or open',
  qr_label: 'QR code of the join link',
  offline_title: 'Cannot reach the server',
  offline_body: 'The Breakroom server does not answer. This page tries again by itself.',
  offline_network: 'This device is offline. The page tries again when the network is back.',
  retry: 'Try again',
  reload: 'Reload',
  status_offline: 'Offline: waiting for the network…',
  status_lost_retrying: 'Connection lost: still trying…',
  status_lost: 'Connection lost.',
  reaction_clap: 'Clap',
  reaction_cheer: 'Cheer',
  reaction_strong: 'Strong',
  reaction_heart: 'Heart',
  reaction_laugh: 'Laugh',
  reaction_thumbs_up: 'Thumbs up',
  reaction_wave: 'Wave',
  reaction_fire: 'Fire',
  exercises_title: 'See how the exercises go',
  demo: 'Demonstration',
  everyone_moving: 'Everyone',
  nobody_moving: 'Skeletons show here when people turn their camera on.',
};

export type Key = keyof typeof en;

const sv: Record<Key, string> = {
  skip: 'Hoppa till innehållet',
  langButton: 'English',
  home_title: 'Rör på er tillsammans',
  home_intro: 'Korta rörelsepauser med kollegor, var och en framför sin egen kamera. Din video lämnar aldrig din enhet: bara skelettet som webbläsaren räknar fram delas.',
  home_host: 'Led en paus',
  home_join: 'Gå med',
  code: 'Rumskod',
  name: 'Ditt namn',
  who: 'Namn',
  join: 'Gå med',
  create_room: 'Skapa rum',
  program: 'Program',
  capacity: 'Max antal deltagare',
  host_setup: 'Förbered en paus',
  steps: 'Steg',
  seconds: 's',
  rest: 'vila',
  share_link: 'Länk för att gå med',
  copy: 'Kopiera länk',
  copied: 'Kopierad',
  viewer_link: 'Delad skärm',
  start: 'Starta',
  pause: 'Pausa',
  resume: 'Fortsätt',
  skip_step: 'Hoppa över',
  end: 'Avsluta',
  lock: 'Lås rummet',
  unlock: 'Lås upp rummet',
  make_cohost: 'Gör till medvärd',
  remove: 'Ta bort',
  cohost: 'medvärd',
  controls: 'Passet',
  participants: 'Deltagare',
  nobody_yet: 'Ingen har gått med än.',
  present: 'här',
  reconnecting: 'återansluter',
  scoreboard: 'Resultattavla',
  reps: 'rep.',
  points: 'p',
  verified: 'verifierad',
  unverified: 'overifierad',
  flagged: 'flaggad',
  flags: 'Flaggade rapporter',
  flag_too_fast: 'snabbare än rimligt',
  flag_wrong_exercise: 'fel övning',
  flag_mismatch: 'fler än kameran såg',
  summary: 'Sammanfattning',
  total: 'Totalt',
  status_connecting: 'Ansluter…',
  status_joining: 'Går med…',
  status_joined: 'Med i rummet',
  status_reconnecting: 'Återansluter…',
  status_closed: 'Frånkopplad',
  status_error: 'Kunde inte gå med',
  status_ended: 'Passet är slut',
  no_dev_tokens: 'Servern delar inte ut gästnycklar till appen (POST /v1/dev/token saknas: starta den med --dev, på den här datorn), och ingen inloggning är inställd.',
  enable_camera: 'Slå på kameran',
  camera_off: 'Kameran är av: du kan följa med, ditt resultat markeras som overifierat.',
  camera_starting: 'Startar kameran och rörelseigenkänningen…',
  camera_on: 'Kameran är på. Videon stannar på den här enheten.',
  camera_error: 'Ingen kamera: du kan ändå följa med (overifierat).',
  sharing: 'Visa mitt skelett för',
  sharing_room: 'alla i rummet',
  sharing_facilitators: 'bara ledarna',
  sharing_nobody: 'ingen',
  sharing_next: 'Gäller nästa gång du går med.',
  my_reps: 'Mina rep.',
  phase_lobby: 'Väntar på att ledaren startar',
  phase_countdown: 'Gör dig redo',
  phase_exercise: 'Kör',
  phase_rest: 'Vila',
  phase_results: 'Resultat',
  phase_closed: 'Stängt',
  paused: 'Pausat',
  cue_go: 'Kör!',
  cue_halfway: 'Halvvägs!',
  cue_rest: 'Vila',
  cue_next_up: 'Nästa',
  cue_done: 'Klart! Bra rört.',
  waiting: 'Väntar…',
  others: 'Alla',
  you: 'du',
  react: 'Reagera',
  end_completed: 'genomfört',
  end_facilitator: 'avslutat av ledaren',
  end_room_closed: 'rummet stängdes',
  end_shutdown: 'servern stängdes av',
  kicked: 'Du har tagits bort från rummet.',
  room_gone: 'Rummet har stängts.',
  screen: 'Skärm',
  sign_in: 'Logga in',
  sign_in_with: 'Logga in med {provider}',
  sign_in_intro: 'Logga in med kontot du redan har på jobbet. Breakroom sparar inga lösenord.',
  sign_in_to_host: 'Logga in för att leda en paus.',
  sign_in_to_join: 'Logga in för att gå med i pausen, eller be ledaren om en gästlänk.',
  signed_in_as: 'Inloggad som {name} ({org})',
  sign_out: 'Logga ut',
  dev_guest: 'Utvecklarläge: på den här datorn kan du också leda och gå med som gäst, utan att logga in.',
  invited: 'Du har bjudits in till en organisation. Logga in för att tacka ja.',
  cannot_host: 'I din organisation är det bara ledare som leder pauser. En administratör kan göra dig till ledare.',
  no_sign_in: 'Servern har ingen inloggning inställd för appen. Fråga dess administratör.',
  org_rooms: 'Pågående rum',
  org_rooms_none: 'Inga pågående rum.',
  org_sessions: 'Senaste passen',
  org_sessions_none: 'Inga pass än.',
  mine: 'ditt',
  person: 'person',
  people: 'personer',
  ongoing: 'pågår',
  refresh: 'Uppdatera',
  guest_links: 'Gästlänkar',
  guest_links_intro: 'För personer utanför er organisation: med en gästlänk går de bara med i det här rummet, under ett namn de själva väljer.',
  guest_ttl: 'Giltig i',
  ttl_1h: '1 timme',
  ttl_1d: '1 dygn',
  ttl_7d: '7 dygn',
  make_guest_link: 'Skapa gästlänk',
  guest_link_new: 'Ny gästlänk (kopiera den nu: den visas bara en gång)',
  guest_links_none: 'Inga aktiva gästlänkar.',
  expires: 'går ut',
  revoke: 'Återkalla',
  revoked: 'återkallad',
  guest_join: 'Gå med som gäst',
  guest_gone: 'Gästlänken har gått ut eller återkallats. Be ledaren om en ny.',
  closed_signed_out: 'Du loggade ut.',
  closed_token_expired: 'Din åtkomst har gått ut: ladda om sidan.',
  closed_revoked: 'Din åtkomst har återkallats.',
  app_title: 'Breakroom',
  up_first: 'Först ut',
  how_to: 'Så gör du',
  show_how: 'Visa hur',
  hide: 'Dölj',
  step_of: 'Steg {n} av {total}',
  program_now: 'Program',
  rep_one: 'rep.',
  point_one: 'p',
  reps_col: 'Rep.',
  points_col: 'Poäng',
  unverified_note: '* overifierat: ingen kamera kontrollerade repetitionerna.',
  your_summary: 'Din paus',
  your_place: 'Plats {n} av {total}',
  flag_too_fast_long: 'fler repetitioner än någon hinner på den tiden',
  flag_wrong_exercise_long: 'kameran såg en annan rörelse',
  flag_mismatch_long: 'fler repetitioner rapporterade än kameran såg',
  cancel: 'Avbryt',
  confirm_end: 'Avsluta passet för alla?',
  confirm_remove: 'Ta bort {name} från rummet?',
  phase_lobby_host: 'Redo: tryck Starta när alla är här',
  scan_to_join: 'Skanna för att gå med',
  or_go_to: 'eller öppna',
  qr_label: 'QR-kod med länken för att gå med',
  offline_title: 'Når inte servern',
  offline_body: 'Breakroom-servern svarar inte. Sidan försöker igen av sig själv.',
  offline_network: 'Enheten är offline. Sidan försöker igen när nätverket är tillbaka.',
  retry: 'Försök igen',
  reload: 'Ladda om',
  status_offline: 'Offline: väntar på nätverket…',
  status_lost_retrying: 'Anslutningen bröts: försöker fortfarande…',
  status_lost: 'Anslutningen bröts.',
  reaction_clap: 'Applåd',
  reaction_cheer: 'Jubel',
  reaction_strong: 'Stark',
  reaction_heart: 'Hjärta',
  reaction_laugh: 'Skratt',
  reaction_thumbs_up: 'Tummen upp',
  reaction_wave: 'Vinka',
  reaction_fire: 'Eld',
  exercises_title: 'Se hur övningarna går till',
  demo: 'Demonstration',
  everyone_moving: 'Alla',
  nobody_moving: 'Skeletten syns här när deltagarna slår på kameran.',
};

const dictionaries: Record<Lang, Record<Key, string>> = { en, sv };

/** The language chosen with `?lang=` or the language button, if any. */
function chosenLang(): Lang | null {
  const param = new URLSearchParams(location.search).get('lang');
  if (param === 'en' || param === 'sv') return param;
  try {
    const kept = localStorage.getItem('breakroom.lang');
    if (kept === 'en' || kept === 'sv') return kept;
  } catch {
    // storage may be unavailable (private mode)
  }
  return null;
}

function initialLang(): Lang {
  return chosenLang() ?? ((navigator.language || 'en').toLowerCase().startsWith('sv') ? 'sv' : 'en');
}

/**
 * Follows the signed-in user's language hint (the provider's `locale`, "sv-SE") unless a language
 * was chosen on this device. Not kept: the button's choice is.
 */
export function adoptLanguageHint(hint: string | null | undefined): void {
  if (!hint || chosenLang()) return;
  const next: Lang = hint.toLowerCase().startsWith('sv') ? 'sv' : 'en';
  if (next !== current) {
    current = next;
    apply();
  }
}

let current: Lang = initialLang();
const listeners = new Set<() => void>();

export function lang(): Lang {
  return current;
}

export function t(key: Key): string {
  return dictionaries[current][key] ?? en[key];
}

/** `t(key)` with each `{name}` replaced by `vars.name` ("Sign in with {provider}"). */
export function tf(key: Key, vars: Record<string, string>): string {
  return t(key).replace(/\{(\w+)\}/g, (whole, name: string) => vars[name] ?? whole);
}

/** Switches the language and re-renders every text that listens. */
export function setLang(next: Lang): void {
  current = next;
  try {
    localStorage.setItem('breakroom.lang', next);
  } catch {
    // not kept
  }
  apply();
}

/** Calls `f` now and after every language change; the function returned stops that. */
export function onLang(f: () => void): () => void {
  listeners.add(f);
  f();
  return () => {
    listeners.delete(f);
  };
}

/** Sets every `[data-i18n]` element's text, and the document's language. */
export function apply(): void {
  document.documentElement.lang = current;
  for (const el of document.querySelectorAll<HTMLElement>('[data-i18n]')) {
    el.textContent = t(el.dataset.i18n as Key);
  }
  // `data-i18n-label`: an accessible name that follows the language (`aria-label`).
  for (const el of document.querySelectorAll<HTMLElement>('[data-i18n-label]')) {
    el.setAttribute('aria-label', t(el.dataset.i18nLabel as Key));
  }
  for (const f of listeners) f();
}
