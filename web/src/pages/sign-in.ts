// Sign-in: a user name and password (`airlock user add`; the first admin's password is printed when
// the appliance is set up). The appliance answers with a session cookie; the page then learns the
// role and shows that role's pages.

import { ApiError, getJson, postJson } from '../api.ts';
import { alertBox, h, replace } from '../dom.ts';
import { describeError } from '../errors.ts';
import { session, type SessionInfo } from '../session.ts';

/** Signs in; on success the session is started with what /session says about it. */
export async function signIn(name: string, password: string): Promise<SessionInfo> {
  await postJson('/auth/sign-in', { name, password });
  const info = await getJson<SessionInfo>('/session');
  session.start(info);
  return info;
}

export function renderSignIn(
  main: HTMLElement,
  notice: string | undefined,
  done: (info: SessionInfo) => void,
): void {
  const name = h('input', {
    id: 'user-name',
    type: 'text',
    autocomplete: 'username',
    autocapitalize: 'none',
    spellcheck: 'false',
    required: true,
    maxlength: 32,
  });
  const password = h('input', {
    id: 'password',
    type: 'password',
    autocomplete: 'current-password',
    required: true,
    maxlength: 256,
  });
  const message = h('div', { 'aria-live': 'polite' });
  const button = h('button', { type: 'submit' }, 'Sign in');
  const form = h(
    'form',
    { class: 'panel' },
    h('label', { for: name.id }, 'User name'),
    name,
    h('label', { for: password.id }, 'Password'),
    password,
    h('p', {}, button),
    h(
      'p',
      { class: 'hint' },
      'No account? An admin adds one with `airlock user add NAME --role operator`.',
    ),
    message,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    button.disabled = true;
    signIn(name.value.trim(), password.value)
      .then(done)
      .catch((error: unknown) => {
        password.value = '';
        replace(
          message,
          alertBox(
            'error',
            error instanceof ApiError && error.code === 'UNAUTHORIZED'
              ? 'The browser did not keep the session cookie; allow cookies for this page.'
              : describeError(error),
          ),
        );
        password.focus();
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
  name.focus();
}
