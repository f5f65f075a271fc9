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
import { h } from './ui';

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
    ),
  );
}

async function route(): Promise<void> {
  const main = document.getElementById('main')!;
  const path = location.pathname.replace(/\/+$/, '') || '/';
  const [, page, code] = path.split('/');
  const label = document.getElementById('room-label');
  if (label && code) label.textContent = decodeURIComponent(code);
  const { me } = await loadSession();
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

const langBtn = document.getElementById('lang') as HTMLButtonElement | null;
if (langBtn) {
  langBtn.addEventListener('click', () => setLang(lang() === 'sv' ? 'en' : 'sv'));
  onLang(() => {
    langBtn.textContent = t('langButton');
    const skip = document.querySelector('.skip');
    if (skip) skip.textContent = t('skip');
  });
}

if ('serviceWorker' in navigator && new URLSearchParams(location.search).get('sw') !== '0') {
  window.addEventListener('load', () => {
    navigator.serviceWorker.register('/sw.js').catch((e) => console.warn('no service worker', e));
  });
}

void route();
