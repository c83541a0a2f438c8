// Revoking, in two steps: a "Revoke…" button opens a reason field and a confirmation, so nothing
// is revoked by one stray click. Used for licenses and for single activations.

import { alertBox, h, replace } from './dom.ts';
import { describeError } from './errors.ts';

export interface RevokeControlOptions {
  /** What is being revoked, for labels: "license lic_…", "activation act_…". */
  readonly what: string;
  /** Sends the revocation with the reason given; returns the sentence to show. */
  readonly revoke: (reason: string) => Promise<string>;
  /** Called after a successful revocation (to redraw the page). */
  readonly done: () => void;
}

export function revokeControl(options: RevokeControlOptions): HTMLElement {
  const box = h('div', { class: 'revoke' });
  const open = h('button', { type: 'button', class: 'danger' }, 'Revoke…');
  open.setAttribute('aria-label', `Revoke ${options.what}`);
  const closed = () => replace(box, open);

  open.addEventListener('click', () => {
    const reason = h('input', {
      type: 'text',
      maxlength: 200,
      required: true,
      'aria-label': `Reason for revoking ${options.what}`,
      placeholder: 'Reason (kept in the ledger)',
    });
    const confirm = h('button', { type: 'submit', class: 'danger' }, 'Confirm revoke');
    const message = h('div', { 'aria-live': 'polite' });
    const form = h(
      'form',
      { class: 'row' },
      reason,
      confirm,
      h('button', { type: 'button', class: 'secondary', onclick: closed }, 'Cancel'),
    );
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const text = reason.value.trim();
      if (text === '') return;
      confirm.disabled = true;
      options
        .revoke(text)
        .then((sentence) => {
          replace(box, alertBox('ok', sentence));
          options.done();
        })
        .catch((error: unknown) => {
          confirm.disabled = false;
          replace(message, alertBox('error', describeError(error)));
        });
    });
    replace(box, form, message);
    reason.focus();
  });
  closed();
  return box;
}
