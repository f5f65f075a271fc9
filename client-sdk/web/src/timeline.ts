// The program as a timeline with the current step marked, and the demonstration of what comes
// up (the first exercise in the lobby, the next one during a rest), kept up to date by a Room.

import { type Key, onLang, t, tf } from './i18n';
import { exerciseDemo } from './demo';
import { type Room, exerciseName, h } from './ui';

/** Seconds as "20 s" or "1:30". */
export function duration(ms: number): string {
  const s = Math.round(ms / 1000);
  return s >= 60 ? `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}` : `${s} ${t('seconds')}`;
}

/**
 * An ordered list of the program's steps (`[data-testid=timeline]`): each step's exercise and
 * length, its rest, `aria-current="step"` on the one running, and `data-state` done, current,
 * next (the one coming, in a rest) or todo.
 * `onShow`, when given, adds a "Show how" button per step.
 */
export function timeline(room: Room, onShow?: (exercise: string) => void): HTMLElement {
  const list = h('ol', { class: 'timeline', 'data-testid': 'timeline' });
  const render = () => {
    const steps = room.program?.steps ?? [];
    const ph = room.phase;
    const current = ph?.step;
    const done = ph?.phase === 'results' || ph?.phase === 'closed';
    list.replaceChildren(
      ...steps.map((s, i) => {
        const resting = ph?.phase === 'rest';
        const state =
          done || (current !== undefined && (i < current || (i === current && resting)))
            ? 'done'
            : i === current
              ? 'current'
              : resting && current !== undefined && i === current + 1
                ? 'next'
                : 'todo';
        return h(
          'li',
          { 'data-testid': 'timeline-step', 'data-step': i, 'data-state': state, class: state, 'aria-current': state === 'current' ? 'step' : undefined },
          h('span', { class: 'step-name' }, exerciseName(s.exercise)),
          h('span', { class: 'step-time' }, duration(s.duration_ms), s.rest_ms ? ` + ${t('rest')} ${duration(s.rest_ms)}` : ''),
          onShow
            ? h('button', { type: 'button', class: 'small', 'data-testid': 'show-demo', 'aria-label': `${t('show_how')}: ${exerciseName(s.exercise)}`, onclick: () => onShow(s.exercise) }, t('show_how'))
            : null,
        );
      }),
    );
  };
  room.on(render);
  onLang(render);
  return list;
}

/** What to demonstrate now: the first step in the lobby, the coming one in a countdown or rest. */
export function upcoming(room: Room): { exercise: string; label: Key } | null {
  const steps = room.program?.steps ?? [];
  const ph = room.phase;
  if (steps.length === 0) return null;
  if (!ph || ph.phase === 'lobby') return { exercise: steps[0].exercise, label: 'up_first' };
  if (ph.step === undefined) return null;
  if (ph.phase === 'countdown') return steps[ph.step] ? { exercise: steps[ph.step].exercise, label: 'up_first' } : null;
  if (ph.phase === 'rest') return steps[ph.step + 1] ? { exercise: steps[ph.step + 1].exercise, label: 'cue_next_up' } : null;
  return null;
}

/**
 * A slot (`[data-testid=demo-slot]`) showing the demonstration of what comes up, or of what
 * `show(exercise)` asked for (until `show(null)` or the phase changes); empty otherwise.
 */
export function demoSlot(room: Room): { el: HTMLElement; show(exercise: string | null): void } {
  const heading = h('h2', { class: 'demo-label' });
  const body = h('div', { class: 'demo-body' });
  const el = h('section', { class: 'demo-slot', 'data-testid': 'demo-slot', 'aria-live': 'off', hidden: true }, heading, body);
  let shown: { exercise: string; stop(): void } | null = null;
  let asked: string | null = null;
  let askedIn = '';
  const phaseKey = () => `${room.phase?.phase ?? 'lobby'}/${room.phase?.step ?? ''}`;
  let label: Key = 'up_first';
  const render = () => {
    if (asked && askedIn !== phaseKey()) asked = null;
    const next = asked ? { exercise: asked, label: 'how_to' as Key } : upcoming(room);
    if (!next) {
      shown?.stop();
      shown = null;
      body.replaceChildren();
      el.hidden = true;
      delete el.dataset.exercise;
      return;
    }
    label = next.label;
    heading.textContent = `${t(label)}: ${exerciseName(next.exercise)}`;
    el.dataset.exercise = next.exercise;
    el.hidden = false;
    if (shown?.exercise === next.exercise) return;
    shown?.stop();
    const demo = exerciseDemo(next.exercise);
    shown = { exercise: next.exercise, stop: demo.stop };
    body.replaceChildren(demo.el);
  };
  room.on(render);
  onLang(() => {
    if (el.dataset.exercise) heading.textContent = `${t(label)}: ${exerciseName(el.dataset.exercise)}`;
  });
  render();
  return {
    el,
    show: (exercise) => {
      asked = exercise;
      askedIn = phaseKey();
      render();
    },
  };
}

/** "Step 2 of 4", or '' outside the program. */
export function stepOf(room: Room): string {
  const n = room.program?.steps.length ?? 0;
  const step = room.phase?.step;
  if (!n || step === undefined) return '';
  return tf('step_of', { n: String(Math.min(step + 1, n)), total: String(n) });
}
