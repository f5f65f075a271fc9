// The app's entry: reads who is signed in (and how one may sign in), routes /, /host,
// /join/{code} and /view/{code} to their pages, wires the language button and registers the
// service worker.

import './style.css';
import { adoptLanguageHint, apply, lang, onLang, setLang, t } from './i18n';
import { auth, loadSession } from './auth';
import { hostPage } from './host';
import { joinPage } from './join';
import { viewPage } from './view';
import { renderAccount, signInCard } from './signin';
import { exerciseDemo } from './demo';
import { h, loadCatalogue, offlineCard, setRetry } from './ui';

/**
 * The start page: join by code; host (signed in, or as a dev guest); the "Sign in with …"
 * buttons when providers are configured and nobody is signed in, or when the page was opened
 * with an invitation (`?invite=TOKEN`).
 */
function home(main: HTMLElement): void {
  const { providers, devGuest, me } = auth();
  const invite = new URLSearchParams(location.search).get('invite');
  const code = h('input', { id: 'home-code', name: 'code', required: true, autocomplete: 'off', autocapitalize: 'characters', placeholder: 'ABCD-EFGH' });
  const form = h(
    'form',
    { class: 'card setup' },
    h('label', { for: 'home-code', i18n: 'code' }),
    code,
    h('button', { type: 'submit', class: 'primary', i18n: 'home_join' }),
  );
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const c = code.value.trim().toUpperCase();
    if (c) location.assign(`/join/${encodeURIComponent(c)}`);
  });
  const configured = providers ?? [];
  const signIn = configured.length > 0 && (!me || invite) ? signInCard(configured, invite ? 'invited' : 'sign_in_intro') : null;
  // Hosting: a signed-in user who may host, or anyone where dev guest tokens are handed out.
  const canHost = me ? me.can_host : devGuest;
  const noWay = !me && !devGuest && configured.length === 0;
  main.replaceChildren(
    h(
      'div',
      { class: 'home' },
      h('h1', { i18n: 'home_title' }),
      h('p', { class: 'intro', i18n: 'home_intro' }),
      signIn,
      form,
      canHost ? h('p', {}, h('a', { href: '/host', class: 'button', 'data-testid': 'home-host', i18n: 'home_host' })) : null,
      me && !me.can_host ? h('p', { class: 'muted', i18n: 'cannot_host' }) : null,
      !me && devGuest && configured.length > 0 ? h('p', { class: 'muted', i18n: 'dev_guest' }) : null,
      noWay ? h('p', { class: 'error', role: 'alert', i18n: 'no_sign_in' }) : null,
      exerciseGallery(),
    ),
  );
}

/**
 * The exercises, on demand: a disclosure that, opened, shows every exercise of the catalogue
 * with its looping demonstration (stopped again when closed).
 */
function exerciseGallery(): HTMLElement {
  const grid = h('div', { class: 'demo-grid', 'data-testid': 'demo-grid' });
  const details = h('details', { class: 'card exercises', 'data-testid': 'exercises' }, h('summary', { i18n: 'exercises_title' }), grid);
  let stops: (() => void)[] = [];
  details.addEventListener('toggle', async () => {
    for (const stop of stops) stop();
    stops = [];
    grid.replaceChildren();
    if (!details.open) return;
    const catalogue = await loadCatalogue();
    for (const id of catalogue.keys()) {
      const demo = exerciseDemo(id);
      stops.push(demo.stop);
      grid.append(demo.el);
    }
  });
  return details;
}

async function route(): Promise<void> {
  const main = document.getElementById('main')!;
  const path = location.pathname.replace(/\/+$/, '') || '/';
  const [, page, code] = path.split('/');
  const label = document.getElementById('room-label');
  if (label && code) label.textContent = decodeURIComponent(code);
  const { me, reachable } = await loadSession();
  if (!reachable) {
    // The server is out of reach (down, or no network): say so plainly, and try again.
    main.replaceChildren(offlineCard());
    apply();
    return;
  }
  adoptLanguageHint(me?.language);
  const account = document.getElementById('account');
  if (account) renderAccount(account);
  try {
    if (page === 'host') await hostPage(main);
    else if (page === 'join') await joinPage(main, code ? decodeURIComponent(code) : undefined);
    else if (page === 'view' && code) await viewPage(main, decodeURIComponent(code));
    else home(main);
  } catch (e) {
    main.append(h('p', { class: 'error', role: 'alert' }, e instanceof Error ? e.message : String(e)));
  }
  apply();
}
setRetry(() => void route());

/**
 * Keeps keyboard focus when a view replaces another (after "Create room", "Join"): when the
 * focused element was in `main` and went away, the new view's heading takes the focus. And
 * every view has an h1: one a view lacks is added for screen readers (`.sr-only`).
 */
function keepFocus(main: HTMLElement): void {
  let lastFocused: Element | null = null;
  main.addEventListener('focusin', (e) => (lastFocused = e.target instanceof Element ? e.target : null));
  new MutationObserver(() => {
    if (!main.querySelector('h1') && main.childElementCount > 0) {
      main.prepend(h('h1', { class: 'sr-only', 'data-testid': 'page-title', i18n: 'app_title' }));
    }
    const active = document.activeElement;
    if (lastFocused && !lastFocused.isConnected && (!active || active === document.body)) {
      const gone = lastFocused;
      lastFocused = null;
      // A list drawn again (people, scoreboard) has the same control for the same person:
      // it keeps the focus. Otherwise the new view's heading takes it.
      const testid = gone instanceof HTMLElement ? gone.dataset.testid : undefined;
      const p = gone.closest<HTMLElement>('[data-p]')?.dataset.p;
      const same = testid
        ? [...main.querySelectorAll<HTMLElement>(`[data-testid="${CSS.escape(testid)}"]`)].find((e) => e.closest<HTMLElement>('[data-p]')?.dataset.p === p)
        : undefined;
      if (same) {
        same.focus();
        return;
      }
      const heading = main.querySelector<HTMLElement>('h1, h2');
      const target = heading ?? main;
      if (!target.hasAttribute('tabindex')) target.setAttribute('tabindex', '-1');
      target.focus();
    }
  }).observe(main, { childList: true, subtree: true });
}
keepFocus(document.getElementById('main')!);

const langBtn = document.getElementById('lang') as HTMLButtonElement | null;
if (langBtn) {
  langBtn.addEventListener('click', () => setLang(lang() === 'sv' ? 'en' : 'sv'));
  onLang(() => {
    // The button names the language it switches to, in that language; its accessible name is
    // its text (no separate label to disagree with it).
    langBtn.textContent = t('langButton');
    langBtn.lang = lang() === 'sv' ? 'en' : 'sv';
    const skip = document.querySelector('.skip');
    if (skip) skip.textContent = t('skip');
  });
}

if ('serviceWorker' in navigator && new URLSearchParams(location.search).get('sw') !== '0') {
  window.addEventListener('load', () => {
    // `updateViaCache: 'none'`: the browser always asks the server for sw.js, so a new build's
    // worker (and its new shell) is found at the next page load, never a cached old one.
    navigator.serviceWorker
      .register('/sw.js', { updateViaCache: 'none' })
      .then((reg) => reg.update())
      .catch((e) => console.warn('no service worker', e));
  });
}

void route();
