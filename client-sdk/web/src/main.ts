// The app's entry: routes /, /host, /join/{code} and /view/{code} to their pages, wires the
// language button and registers the service worker.

import './style.css';
import { apply, lang, onLang, setLang, t } from './i18n';
import { hostPage } from './host';
import { joinPage } from './join';
import { viewPage } from './view';
import { h } from './ui';

function home(main: HTMLElement): void {
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
  main.replaceChildren(
    h(
      'div',
      { class: 'home' },
      h('h1', { i18n: 'home_title' }),
      h('p', { class: 'intro', i18n: 'home_intro' }),
      form,
      h('p', {}, h('a', { href: '/host', class: 'button', i18n: 'home_host' })),
    ),
  );
}

async function route(): Promise<void> {
  const main = document.getElementById('main')!;
  const path = location.pathname.replace(/\/+$/, '') || '/';
  const [, page, code] = path.split('/');
  const label = document.getElementById('room-label');
  if (label && code) label.textContent = decodeURIComponent(code);
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
