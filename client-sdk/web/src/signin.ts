// Signing in and out: the "Sign in with …" buttons (one per configured provider) and the
// header's "Signed in as … (org)" with its sign-out button.

import { type AuthState, type Provider, auth, currentPath, loginUrl, signOut } from './auth';
import { onLang, t, tf } from './i18n';
import { h } from './ui';

/**
 * A card of "Sign in with <provider>" links, each to `/auth/login/{id}?return_to=<this page>`
 * (plus `&invite=TOKEN` when the page was opened with `?invite=TOKEN`). `why` is the line above
 * the buttons.
 */
export function signInCard(providers: Provider[], why: 'sign_in_intro' | 'sign_in_to_host' | 'sign_in_to_join' | 'invited'): HTMLElement {
  const invite = new URLSearchParams(location.search).get('invite');
  const returnTo = currentPath();
  const buttons = providers.map((p) => {
    const a = h('a', {
      class: `button signin signin-${p.kind}`,
      href: loginUrl(p, returnTo, invite),
      'data-testid': 'sign-in',
      'data-provider': p.id,
      'data-kind': p.kind,
    });
    onLang(() => (a.textContent = tf('sign_in_with', { provider: p.name })));
    return a;
  });
  return h(
    'section',
    { class: 'card signin-card', 'data-testid': 'sign-in-card', 'aria-labelledby': 'signin-h' },
    h('h2', { id: 'signin-h', i18n: 'sign_in' }),
    h('p', { class: 'muted', i18n: why }),
    h('div', { class: 'signin-buttons' }, ...buttons),
  );
}

/** Fills the header's account area: "Signed in as Ada (Contoso)" and "Sign out", or nothing. */
export function renderAccount(bar: HTMLElement, state: AuthState = auth()): void {
  const me = state.me;
  if (!me) {
    bar.replaceChildren();
    return;
  }
  const who = h('span', { class: 'account-who', 'data-testid': 'signed-in', 'data-user': me.user, 'data-org': me.org.id, 'data-role': me.role });
  onLang(() => (who.textContent = tf('signed_in_as', { name: me.name, org: me.org.name })));
  const out = h('button', { type: 'button', class: 'sign-out', 'data-testid': 'sign-out', i18n: 'sign_out' });
  out.addEventListener('click', () => {
    out.disabled = true;
    void signOut();
  });
  bar.replaceChildren(who, out);
}
