// Activate: a machine's challenge in (camera, photo or typed), the appliance's signed response out
// as a large QR code and grouped text, with what was granted: the license, the machine, the seats.

import { decodeChallenge } from '../../../src/core/formats/challenge.ts';
import { formatId } from '../../../src/core/ids.ts';
import type { OnlineActivationAnswer } from '../../../src/sdk/online.ts';
import { postJson } from '../api.ts';
import { createCodeEntry } from '../code-entry.ts';
import { alertBox, codeText, facts, h, replace } from '../dom.ts';
import { describeError } from '../errors.ts';
import { dateTime, duration, seatsText } from '../format.ts';
import { copyText, qrImage } from '../qr-image.ts';
import type { Page } from './page.ts';

/** The answer of POST /offline/respond: what the online API gives the SDK too. */
type Responded = OnlineActivationAnswer;

/** A machine clock more than this far from the console's is worth a word to the operator. */
const CLOCK_NOTE_SECONDS = 15 * 60;

export const activatePage: Page = {
  title: 'Activate a machine',
  access: 'operator',
  render(main) {
    const result = h('div', { class: 'print-only-area', 'aria-live': 'polite' });
    const entry = createCodeEntry({
      kind: 'challenge',
      what: 'challenge',
      groups: 9,
      submitLabel: 'Answer the challenge',
      async onCode(text) {
        replace(result);
        let challenge;
        try {
          challenge = decodeChallenge(text);
        } catch (error) {
          replace(result, alertBox('error', describeError(error)));
          return;
        }
        const machine = formatId('fingerprint', challenge.fingerprint);
        replace(result, h('p', { class: 'muted' }, 'Asking the appliance…'));
        try {
          const answer = await postJson<Responded>('/offline/respond', { challenge: text });
          replace(result, await answerPanel(answer, machine, challenge.clientTime, entry.reset));
          result.querySelector('h2')?.focus();
        } catch (error) {
          replace(
            result,
            alertBox('error', describeError(error)),
            facts([
              ['License', formatId('license', challenge.licenseId)],
              ['Machine', machine],
            ]),
          );
        }
      },
    });
    replace(
      main,
      h('h1', {}, 'Activate a machine'),
      h(
        'p',
        { class: 'muted no-print' },
        'The machine shows a challenge. Scan it, upload a photo of it, or type it; the appliance answers with a response for the machine to scan or type.',
      ),
      h('div', { class: 'split' }, entry.element, result),
    );
    return () => entry.stop();
  },
};

async function answerPanel(
  r: Responded,
  machine: string,
  clientTime: number,
  next: () => void,
): Promise<HTMLElement> {
  const text = codeText(r.response, { id: 'response-text' });
  const copied = h('span', { class: 'muted', 'aria-live': 'polite' });
  const skew = clientTime - Date.now() / 1000;
  return h(
    'section',
    { class: 'panel', 'aria-labelledby': 'response-title' },
    h('h2', { id: 'response-title', tabindex: -1 }, 'Response'),
    alertBox(
      'ok',
      r.renewal
        ? 'This machine already held a seat: its activation was renewed, and no new seat was taken.'
        : 'Activation granted. Show this response to the machine.',
    ),
    await qrImage(r.qr, 'QR code of the response: let the machine scan it'),
    h('p', { class: 'hint' }, 'Or type this on the machine:'),
    text,
    h(
      'div',
      { class: 'row no-print' },
      h(
        'button',
        {
          type: 'button',
          onclick: () =>
            void copyText(r.response, text).then((ok) => {
              copied.textContent = ok ? 'Copied.' : 'Selected: press Ctrl+C to copy.';
            }),
        },
        'Copy response',
      ),
      h('button', { type: 'button', class: 'secondary', onclick: () => window.print() }, 'Print'),
      h('button', { type: 'button', class: 'secondary', onclick: next }, 'Next machine'),
      copied,
    ),
    facts([
      ['License', `${r.product} (${r.licenseId})`],
      ['Machine', machine],
      ['Activation', r.activationId],
      ['Seats', seatsText(r.seats, r.seatsUsed)],
      [
        'Lease ends',
        r.leaseEndsAt === null ? 'never (permanent activation)' : dateTime(r.leaseEndsAt),
      ],
      ['Features', r.features.length === 0 ? 'none' : r.features.join(', ')],
      [
        "Machine's clock",
        Math.abs(skew) > CLOCK_NOTE_SECONDS
          ? `${dateTime(clientTime)}: ${duration(skew)} ${skew > 0 ? 'ahead of' : 'behind'} this computer's clock; check it`
          : false,
      ],
    ]),
  );
}
