// A short looping demonstration of an exercise: an animated skeleton drawn from keypoints made
// in code, with the exercise's instruction. (Stub: the instruction only, for now.)

import { howTo } from './exercises';

/** A demonstration of `exercise`, to mount anywhere; `stop()` ends its animation. */
export function exerciseDemo(exercise: string): { el: HTMLElement; stop(): void } {
  const el = document.createElement('figure');
  el.className = 'demo';
  el.dataset.testid = 'demo';
  el.dataset.exercise = exercise;
  const caption = document.createElement('figcaption');
  caption.textContent = howTo(exercise);
  el.append(caption);
  return { el, stop: () => {} };
}
