// Sign-in: an API token pasted in (`airlock token create`, or the admin token printed when the
// appliance was first set up). The API says which role it has; the console shows that role's pages.

import { ApiError, getJson } from '../api.ts';
import { alertBox, h, replace } from '../dom.ts';
import { describeError } from '../errors.ts';
import { session, type SessionInfo } from '../session.ts';

/** Checks a token against the API; on success the session starts with it. */
export async function signIn(token: string): Promise<SessionInfo> {
  session.remember(token);
  try {
    const info = await getJson<SessionInfo>('/session');
    session.start(token, info);
    return info;
  } catch (error) {
    session.end();
    throw error;
  }
}

export function renderSignIn(
  main: HTMLElement,
  notice: string | undefined,
  done: (info: SessionInfo) => void,
): void {
  const input = h('input', {
    id: 'token',
    type: 'password',
    autocomplete: 'off',
    spellcheck: 'false',
    required: true,
    size: 52,
    'aria-describedby': 'token-hint',
  });
  const message = h('div', { 'aria-live': 'polite' });
  const button = h('button', { type: 'submit' }, 'Sign in');
  const form = h(
    'form',
    { class: 'panel' },
    h('label', { for: 'token' }, 'API token'),
    h(
      'p',
      { class: 'hint', id: 'token-hint' },
      'An admin or operator token (alt_…). An admin creates one with `airlock token create --role operator`.',
    ),
    input,
    h('p', {}, button),
    message,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const token = input.value.trim();
    if (token === '') return;
    button.disabled = true;
    signIn(token)
      .then(done)
      .catch((error: unknown) => {
        const text =
          error instanceof ApiError && error.status === 401
            ? 'That token is unknown, revoked or expired. Check it, or ask an admin for a new one.'
            : describeError(error);
        replace(message, alertBox('error', text));
        input.select();
      })
      .finally(() => {
        button.disabled = false;
      });
  });
  replace(
    main,
    h(
      'div',
      { class: 'signin' },
      h('h1', {}, 'Sign in to the Airlock console'),
      notice === undefined ? null : alertBox('warn', notice),
      form,
    ),
  );
  input.focus();
}
