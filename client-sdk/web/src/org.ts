// The host page's organization panels: the organization's live rooms and recent sessions, and the
// guest links of the hosted room (make, list, revoke). Only for a signed-in user (the cookie).

import {
  type GuestLink,
  type OrgRoom,
  type OrgSession,
  guestLinks,
  makeGuestLink,
  orgRooms,
  orgSessions,
  revokeGuestLink,
  serverTime,
} from './auth';
import { lang, onLang, t } from './i18n';
import { errorBox, h, showError } from './ui';

/** How often the live-room list refreshes by itself. */
const ROOMS_REFRESH_MS = 15_000;

function when(v: number | string | null | undefined): string {
  const d = serverTime(v);
  return d ? d.toLocaleString(lang() === 'sv' ? 'sv-SE' : 'en-GB', { dateStyle: 'short', timeStyle: 'short' }) : '';
}

/** "1 person", "3 people". */
function count(n: number): string {
  return `${n} ${n === 1 ? t('person') : t('people')}`;
}

/**
 * "Live rooms" and "Recent sessions" of the user's organization. Returns the panel and a
 * `refresh()` (called once now, then every 15 s for the rooms).
 */
export function orgPanel(): { el: HTMLElement; refresh: () => Promise<void> } {
  const error = errorBox();
  const roomList = h('ul', { class: 'org-list', 'data-testid': 'org-rooms' });
  const sessionList = h('ul', { class: 'org-list', 'data-testid': 'org-sessions' });
  let rooms: OrgRoom[] = [];
  let sessions: OrgSession[] = [];
  let loaded = false;

  const render = () => {
    roomList.dataset.loaded = String(loaded);
    roomList.replaceChildren(
      ...(rooms.length === 0
        ? [h('li', { class: 'muted', i18n: 'org_rooms_none' })]
        : rooms.map((r) =>
            h(
              'li',
              { 'data-testid': 'org-room', 'data-code': r.code, 'data-mine': String(r.mine === true), class: r.mine ? 'mine' : undefined },
              h('span', { class: 'code-small' }, r.code),
              h('span', { class: 'who' }, r.program ?? ''),
              h('span', { class: 'muted' }, `${count(r.members ?? 0)}${r.mine ? ` · ${t('mine')}` : ''}`),
              h('a', { href: `/join/${encodeURIComponent(r.code)}`, class: 'button small' }, t('join')),
              h('a', { href: `/view/${encodeURIComponent(r.code)}`, class: 'button small', target: '_blank', rel: 'noopener' }, t('viewer_link')),
            ),
          )),
    );
    sessionList.replaceChildren(
      ...(sessions.length === 0
        ? [h('li', { class: 'muted', i18n: 'org_sessions_none' })]
        : sessions.map((s) => {
            const people = Array.isArray(s.participants) ? s.participants.length : (s.participants ?? 0);
            return h(
              'li',
              { 'data-testid': 'org-session', 'data-session': s.session, 'data-room': s.room },
              h('span', { class: 'who' }, s.program ?? ''),
              h('span', { class: 'code-small' }, s.room ?? ''),
              h('span', { class: 'muted' }, `${when(s.started_at)}${s.ended_at ? '' : ` · ${t('ongoing')}`} · ${count(people)}`),
            );
          })),
    );
  };

  const refresh = async () => {
    error.hidden = true;
    try {
      [rooms, sessions] = await Promise.all([orgRooms(), orgSessions(20)]);
      loaded = true;
    } catch (e) {
      showError(error, e);
    }
    render();
  };
  onLang(render);
  const refreshBtn = h('button', { type: 'button', class: 'small', 'data-testid': 'org-refresh', i18n: 'refresh', onclick: () => void refresh() });
  setInterval(() => {
    if (document.visibilityState === 'visible') void refresh();
  }, ROOMS_REFRESH_MS);
  void refresh();

  const el = h(
    'section',
    { class: 'card org', 'data-testid': 'org', 'aria-labelledby': 'org-rooms-h' },
    h('div', { class: 'row spread' }, h('h2', { id: 'org-rooms-h', i18n: 'org_rooms' }), refreshBtn),
    roomList,
    h('h3', { i18n: 'org_sessions' }),
    sessionList,
    error,
  );
  return { el, refresh };
}

const TTLS: [string, number][] = [
  ['ttl_1h', 3600],
  ['ttl_1d', 86_400],
  ['ttl_7d', 604_800],
];

/** The guest links of room `code`: make one (its URL shown once, with a copy button), list, revoke. */
export function guestPanel(code: string): HTMLElement {
  const error = errorBox();
  const ttl = h('select', { id: 'guest-ttl', 'data-testid': 'guest-ttl' });
  const renderTtl = () => {
    const keep = ttl.value || '86400';
    ttl.replaceChildren(...TTLS.map(([key, s]) => h('option', { value: s }, t(key as Parameters<typeof t>[0]))));
    ttl.value = keep;
  };
  onLang(renderTtl);
  const makeBtn = h('button', { type: 'button', class: 'primary', 'data-testid': 'make-guest-link', i18n: 'make_guest_link' });
  const fresh = h('div', { class: 'guest-new', hidden: true });
  const list = h('ul', { class: 'org-list', 'data-testid': 'guest-links' });
  let links: GuestLink[] = [];

  const render = () => {
    list.replaceChildren(
      ...(links.length === 0
        ? [h('li', { class: 'muted', i18n: 'guest_links_none' })]
        : links.map((l) =>
            h(
              'li',
              { 'data-testid': 'guest-link', 'data-id': l.id, 'data-revoked': String(l.revoked === true) },
              h('span', { class: 'who' }, `${t('expires')} ${when(l.expires_at)}`),
              l.revoked
                ? h('span', { class: 'warn' }, t('revoked'))
                : h('button', {
                    type: 'button',
                    class: 'danger small',
                    'data-testid': 'revoke-guest-link',
                    onclick: () => void revoke(l.id),
                  }, t('revoke')),
            ),
          )),
    );
  };
  const load = async () => {
    try {
      links = await guestLinks(code);
    } catch (e) {
      showError(error, e);
    }
    render();
  };
  const revoke = async (id: string) => {
    error.hidden = true;
    try {
      await revokeGuestLink(id);
      if (fresh.dataset.id === id) fresh.hidden = true;
    } catch (e) {
      showError(error, e);
    }
    await load();
  };
  makeBtn.addEventListener('click', async () => {
    error.hidden = true;
    makeBtn.disabled = true;
    try {
      const link = await makeGuestLink(code, Number(ttl.value));
      const url = link.url ?? '';
      const copy = h('button', { type: 'button', class: 'small', i18n: 'copy' });
      copy.addEventListener('click', async () => {
        try {
          await navigator.clipboard.writeText(url);
          copy.textContent = t('copied');
        } catch (e) {
          showError(error, e);
        }
      });
      fresh.dataset.id = link.id;
      fresh.replaceChildren(
        h('p', { class: 'label', i18n: 'guest_link_new' }),
        h('p', {}, h('a', { href: url, class: 'link', 'data-testid': 'guest-link-url' }, url)),
        h('div', { class: 'row' }, copy),
      );
      fresh.hidden = false;
    } catch (e) {
      showError(error, e);
    }
    makeBtn.disabled = false;
    await load();
  });
  onLang(render);
  void load();

  return h(
    'section',
    { class: 'card guests', 'data-testid': 'guest-panel', 'aria-labelledby': 'guests-h' },
    h('h2', { id: 'guests-h', i18n: 'guest_links' }),
    h('p', { class: 'muted', i18n: 'guest_links_intro' }),
    h('div', { class: 'row' }, h('label', { for: 'guest-ttl', i18n: 'guest_ttl' }), ttl, makeBtn),
    fresh,
    list,
    error,
  );
}
