// The end of a session: the host's table of everyone (fits a 360 px screen: the details sit
// under each name, no empty column) and a participant's own summary.

import { type Key, t, tf } from './i18n';
import { type SessionSummary, exerciseName, h } from './ui';

/** "1 rep", "3 reps" (and the Swedish "1 rep.", "3 rep."). */
export function repsText(n: number): string {
  return `${n} ${t(n === 1 ? 'rep_one' : 'reps')}`;
}

/** "1 pt", "12 pts". */
export function pointsText(n: number): string {
  return `${n} ${t(n === 1 ? 'point_one' : 'points')}`;
}

type Participant = SessionSummary['participants'][number];

function totals(p: Participant): { reps: number; points: number; verified: boolean; flagged: boolean } {
  const reps = p.results.reduce((a, r) => a + (r.reps ?? 0), 0);
  const points = p.results.reduce((a, r) => a + (r.points ?? 0), 0);
  const verified = p.results.length > 0 && p.results.every((r) => r.verified === true);
  return { reps, points, verified, flagged: (p.flags ?? []).length > 0 };
}

/** The host's summary: one row per participant, in `section` (shown). */
export function renderSummary(section: HTMLElement, s: SessionSummary): void {
  const rows = s.participants.map((p) => {
    const { reps, points, verified, flagged } = totals(p);
    return h(
      'tr',
      { 'data-testid': 'summary-row', 'data-name': p.name, 'data-p': p.p, 'data-reps': reps, 'data-points': points, 'data-verified': String(verified), 'data-flagged': String(flagged) },
      h(
        'th',
        { scope: 'row' },
        p.name,
        h(
          'span',
          { class: 'sub' },
          p.results.map((r) => `${exerciseName(r.exercise)} ${r.reps}${r.verified ? '' : ' *'}`).join(', '),
        ),
        h('span', { class: `sub ${verified ? 'ok' : 'warn'}` }, verified ? `✓ ${t('verified')}` : t('unverified'), flagged ? h('span', { class: 'flag' }, ` ⚑ ${t('flagged')}`) : null),
      ),
      h('td', { class: 'num' }, String(reps)),
      h('td', { class: 'num' }, String(points)),
    );
  });
  const note = s.participants.some((p) => p.results.some((r) => !r.verified)) ? h('p', { class: 'muted small-print', i18n: 'unverified_note' }) : '';
  section.replaceChildren(
    h('h2', { id: 'summary-h', i18n: 'summary' }),
    h('p', { class: 'muted' }, `${s.program ?? ''} · ${t(`end_${s.end}` as Key) ?? s.end ?? ''}`),
    h(
      'table',
      { class: 'summary-table' },
      h('thead', {}, h('tr', {}, h('th', { scope: 'col', i18n: 'who' }), h('th', { scope: 'col', class: 'num', i18n: 'reps_col' }), h('th', { scope: 'col', class: 'num', i18n: 'points_col' }))),
      h('tbody', {}, ...rows),
    ),
    note,
  );
  section.hidden = false;
}

/**
 * A participant's own summary (`[data-testid=personal-summary]`): their reps and points, each
 * exercise, whether the server verified them, any flag explained, and their place. `you` is
 * the participant id the room gave this page (`Room.you`). Null when `you` took no part.
 */
export function personalSummary(summary: SessionSummary, you: number): HTMLElement | null {
  const me = summary.participants.find((p) => p.p === you);
  if (!me) return null;
  const { reps, points, verified } = totals(me);
  const ranked = [...summary.participants].map((p) => ({ p: p.p, points: totals(p).points })).sort((a, b) => b.points - a.points);
  const place = ranked.findIndex((r) => r.points === points) + 1;
  return h(
    'section',
    { class: 'card personal-summary', 'data-testid': 'personal-summary', 'data-reps': reps, 'data-points': points, 'data-verified': String(verified), 'aria-labelledby': 'personal-summary-h' },
    h('h2', { id: 'personal-summary-h', i18n: 'your_summary' }),
    h('p', { class: 'big-number' }, repsText(reps), h('span', { class: 'muted' }, ` · ${pointsText(points)}`)),
    summary.participants.length > 1 ? h('p', {}, tf('your_place', { n: String(place), total: String(summary.participants.length) })) : null,
    h(
      'ul',
      { class: 'results' },
      ...me.results.map((r) =>
        h('li', { 'data-exercise': r.exercise }, `${exerciseName(r.exercise)}: ${repsText(r.reps)}`, h('span', { class: r.verified ? 'ok' : 'warn' }, ` ${r.verified ? '✓ ' + t('verified') : t('unverified')}`)),
      ),
    ),
    ...(me.flags ?? []).map((f) => h('p', { class: 'flag-note' }, `⚑ ${exerciseName(f.exercise)}: ${flagExplanation(f.reason)}`)),
    verified ? null : h('p', { class: 'muted small-print', i18n: 'unverified_note' }),
  );
}

/** A short explanation of why a report was flagged. */
export function flagExplanation(reason: string): string {
  const key = `flag_${reason}_long` as Key;
  const text = t(key);
  return text && text !== key ? text : reason.replace(/_/g, ' ');
}
