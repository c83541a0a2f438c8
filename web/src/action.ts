// What every button that asks the appliance something does: it is disabled until the answer comes,
// and a refusal is shown as the API's sentence in the area the button reports to.

import { alertBox, replace } from './dom.ts';
import { describeError } from './errors.ts';

export function runAction(
  button: HTMLButtonElement,
  area: HTMLElement,
  action: () => Promise<void>,
): void {
  button.disabled = true;
  action()
    .catch((error: unknown) => replace(area, alertBox('error', describeError(error))))
    .finally(() => {
      button.disabled = false;
    });
}
