// Asking before something that cannot be undone ("End", "Remove"): a modal <dialog> (focus
// moves into it, Escape cancels, focus returns to the button that asked).

import { t } from './i18n';
import { h } from './ui';

/**
 * Asks `question`; resolves true when `yes` (the action's own word, "End") is chosen, false on
 * "Cancel" or Escape. The dialog is `[data-testid=confirm]`, its buttons `confirm-yes` and
 * `confirm-no`.
 */
export function confirmAction(question: string, yes: string): Promise<boolean> {
  const back = document.activeElement instanceof HTMLElement ? document.activeElement : null;
  const yesBtn = h('button', { type: 'button', class: 'danger', 'data-testid': 'confirm-yes' }, yes);
  const noBtn = h('button', { type: 'button', 'data-testid': 'confirm-no' }, t('cancel'));
  const dialog = h(
    'dialog',
    { class: 'confirm', 'data-testid': 'confirm', 'aria-labelledby': 'confirm-q' },
    h('p', { id: 'confirm-q', class: 'confirm-q' }, question),
    h('div', { class: 'row' }, noBtn, yesBtn),
  );
  document.body.append(dialog);
  return new Promise((resolve) => {
    let answered = false;
    const done = (answer: boolean) => {
      if (answered) return;
      answered = true;
      dialog.close();
      dialog.remove();
      back?.focus();
      resolve(answer);
    };
    yesBtn.addEventListener('click', () => done(true));
    noBtn.addEventListener('click', () => done(false));
    dialog.addEventListener('close', () => done(false));
    dialog.showModal();
    // The safe answer has the focus.
    noBtn.focus();
  });
}
