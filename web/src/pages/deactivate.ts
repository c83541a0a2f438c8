// Deactivate: a retired machine's deactivation code in (camera, photo or typed); the code proves
// the machine gave its activation up, and the appliance frees the seat.

import { decodeDeactivation } from '../../../src/core/formats/deactivation.ts';
import { formatActivationId } from '../../../src/core/ids.ts';
import type { DeactivationAnswer } from '../../../src/sdk/online.ts';
import { getJson, postJson } from '../api.ts';
import { createCodeEntry } from '../code-entry.ts';
import { alertBox, facts, h, replace } from '../dom.ts';
import { describeError } from '../errors.ts';
import { dateTime, seatsText } from '../format.ts';
import type { Page } from './page.ts';

interface LicenseSeats {
  readonly product: string;
  readonly seats: number;
  readonly seatsUsed: number;
}

export const deactivatePage: Page = {
  title: 'Deactivate a machine',
  access: 'operator',
  render(main) {
    const result = h('div', { 'aria-live': 'polite' });
    const entry = createCodeEntry({
      kind: 'deactivation',
      what: 'deactivation code',
      groups: 6,
      submitLabel: 'Free the seat',
      async onCode(text) {
        replace(result);
        let code;
        try {
          code = decodeDeactivation(text);
        } catch (error) {
          replace(result, alertBox('error', describeError(error)));
          return;
        }
        replace(result, h('p', { class: 'muted' }, 'Asking the appliance…'));
        try {
          const answer = await postJson<DeactivationAnswer>('/offline/deactivate', { code: text });
          const license = await getJson<LicenseSeats>(
            `/licenses/${encodeURIComponent(answer.licenseId)}`,
          ).catch(() => undefined);
          replace(
            result,
            h(
              'section',
              { class: 'panel' },
              h('h2', {}, 'Deactivation'),
              alertBox(
                'ok',
                answer.outcome === 'freed'
                  ? 'The seat is free: another machine may use it now.'
                  : 'This machine was already deactivated; its seat had been freed before.',
              ),
              facts([
                ['Activation', answer.activationId],
                [
                  'License',
                  license ? `${license.product} (${answer.licenseId})` : answer.licenseId,
                ],
                ['Seats now', license ? seatsText(license.seats, license.seatsUsed) : false],
                ['Reason given', code.reason],
                ["Machine's clock", dateTime(code.clientTime)],
              ]),
              h(
                'button',
                { type: 'button', class: 'secondary', onclick: entry.reset },
                'Next machine',
              ),
            ),
          );
        } catch (error) {
          replace(
            result,
            alertBox('error', describeError(error)),
            facts([['Activation', formatActivationId(code.activationId)]]),
          );
        }
      },
    });
    replace(
      main,
      h('h1', {}, 'Deactivate a machine'),
      h(
        'p',
        { class: 'muted' },
        'On the machine being retired, deactivate the license (its software shows a deactivation code). Scan, upload or type that code here to free the seat.',
      ),
      h('div', { class: 'split' }, entry.element, result),
    );
    return () => entry.stop();
  },
};
