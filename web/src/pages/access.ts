// Access (admins): the console's users — add, set a password, clear a lock-out, remove — and the
// API tokens for automation — create (shown once), revoke. Also, for everyone, their own account:
// change the password, sign out on every browser.

import { getJson, postJson } from '../api.ts';
import { runAction } from '../action.ts';
import { alertBox, codeText, h, replace, table } from '../dom.ts';
import { describeError } from '../errors.ts';
import { dateTime } from '../format.ts';
import { type Role, session } from '../session.ts';
import type { Page } from './page.ts';

interface User {
  readonly name: string;
  readonly role: Role;
  readonly passwordChangedAt: number;
  readonly failures: number;
  readonly lockedUntil: number | null;
}

interface Token {
  readonly id: string;
  readonly role: Role;
  readonly label: string;
  readonly createdAt: number;
  readonly expiresAt: number | null;
}

const ROLES: readonly Role[] = ['operator', 'auditor', 'admin'];

const roleSelect = (id: string) =>
  h(
    'select',
    { id },
    ROLES.map((r) => h('option', { value: r }, r)),
  );

/** A small form that runs one request and reports in its own message area. */
function actionForm(
  label: string,
  fields: HTMLElement[],
  submit: (message: HTMLElement) => Promise<void>,
): HTMLElement {
  const button = h('button', { type: 'submit' }, label);
  const message = h('div', { 'aria-live': 'polite' });
  const form = h('form', { class: 'row' }, fields, button);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    runAction(button, message, () => submit(message));
  });
  return h('div', {}, form, message);
}

const labelled = (text: string, control: HTMLElement) =>
  h('div', {}, h('label', { for: control.id }, text), control);

export const accessPage: Page = {
  title: 'Access',
  access: 'admin',
  render(main) {
    const users = h('div', { 'aria-live': 'polite' });
    const tokens = h('div', { 'aria-live': 'polite' });

    async function loadUsers(): Promise<void> {
      const { users: list } = await getJson<{ users: User[] }>('/users');
      const now = Date.now() / 1000;
      replace(
        users,
        table(
          'Users of the console',
          ['User', 'Role', 'Password set', 'Sign-in', ''],
          list.map((u) => {
            const locked = u.lockedUntil !== null && u.lockedUntil > now;
            const unlock = h('button', { type: 'button', class: 'secondary' }, 'Unlock');
            unlock.setAttribute('aria-label', `Unlock ${u.name}`);
            unlock.addEventListener('click', () =>
              runAction(unlock, users, async () => {
                await postJson(`/users/${encodeURIComponent(u.name)}/unlock`, {});
                await loadUsers();
              }),
            );
            const remove = h('button', { type: 'button', class: 'danger' }, 'Remove');
            remove.setAttribute('aria-label', `Remove ${u.name}`);
            remove.addEventListener('click', () =>
              runAction(remove, users, async () => {
                await postJson(`/users/${encodeURIComponent(u.name)}/remove`, {});
                await loadUsers();
              }),
            );
            return [
              h('span', { class: 'mono' }, u.name),
              u.role,
              dateTime(u.passwordChangedAt),
              locked
                ? h('span', { class: 'badge revoked' }, `locked until ${dateTime(u.lockedUntil)}`)
                : u.failures > 0
                  ? `${u.failures} failed`
                  : 'ok',
              h(
                'div',
                { class: 'row' },
                locked ? unlock : null,
                u.name === session.info()?.user ? null : remove,
              ),
            ];
          }),
        ),
      );
    }

    async function loadTokens(): Promise<void> {
      const { tokens: list } = await getJson<{ tokens: Token[] }>('/tokens');
      replace(
        tokens,
        list.length === 0
          ? h('p', { class: 'muted' }, 'No API tokens.')
          : table(
              'API tokens',
              ['Token', 'Role', 'Label', 'Created', 'Expires', ''],
              list.map((t) => {
                const revoke = h('button', { type: 'button', class: 'danger' }, 'Revoke');
                revoke.setAttribute('aria-label', `Revoke token ${t.id}`);
                revoke.addEventListener('click', () =>
                  runAction(revoke, tokens, async () => {
                    await postJson(`/tokens/${t.id}/revoke`, {});
                    await loadTokens();
                  }),
                );
                return [
                  h('span', { class: 'mono' }, t.id),
                  t.role,
                  t.label,
                  dateTime(t.createdAt),
                  t.expiresAt === null ? 'never' : dateTime(t.expiresAt),
                  revoke,
                ];
              }),
            ),
      );
    }

    const newName = h('input', {
      id: 'new-user',
      type: 'text',
      maxlength: 32,
      autocomplete: 'off',
    });
    const newRole = roleSelect('new-user-role');
    const newPassword = h('input', {
      id: 'new-user-password',
      type: 'password',
      maxlength: 256,
      autocomplete: 'new-password',
    });
    const addUser = actionForm(
      'Add user',
      [
        labelled('Name', newName),
        labelled('Role', newRole),
        labelled('Password (12+ characters)', newPassword),
      ],
      async (message) => {
        await postJson('/users', {
          name: newName.value.trim(),
          role: newRole.value,
          password: newPassword.value,
        });
        replace(message, alertBox('ok', `Added ${newName.value.trim()}.`));
        newName.value = '';
        newPassword.value = '';
        await loadUsers();
      },
    );

    const resetName = h('input', {
      id: 'reset-user',
      type: 'text',
      maxlength: 32,
      autocomplete: 'off',
    });
    const resetPassword = h('input', {
      id: 'reset-password',
      type: 'password',
      maxlength: 256,
      autocomplete: 'new-password',
    });
    const reset = actionForm(
      'Set password',
      [labelled('User', resetName), labelled('New password', resetPassword)],
      async (message) => {
        await postJson(`/users/${encodeURIComponent(resetName.value.trim())}/password`, {
          password: resetPassword.value,
        });
        replace(
          message,
          alertBox('ok', `New password set; ${resetName.value.trim()}'s sessions have ended.`),
        );
        resetPassword.value = '';
        await loadUsers();
      },
    );

    const tokenLabel = h('input', { id: 'token-label', type: 'text', maxlength: 100 });
    const tokenRole = roleSelect('token-role');
    const tokenDays = h('input', {
      id: 'token-days',
      type: 'number',
      min: 1,
      max: 3650,
      placeholder: 'never',
    });
    const createToken = actionForm(
      'Create token',
      [
        labelled('Label', tokenLabel),
        labelled('Role', tokenRole),
        labelled('Expires in days', tokenDays),
      ],
      async (message) => {
        const made = await postJson<{ token: string; info: Token }>('/tokens', {
          role: tokenRole.value,
          label: tokenLabel.value.trim() || tokenRole.value,
          ...(tokenDays.value === '' ? {} : { expiresInDays: tokenDays.value }),
        });
        replace(
          message,
          alertBox('warn', `Token ${made.info.id} created. Copy it now: it is shown only once.`),
          codeText(made.token),
        );
        tokenLabel.value = '';
        await loadTokens();
      },
    );

    replace(
      main,
      h('h1', {}, 'Access'),
      h('h2', {}, 'Users of the console'),
      users,
      h('section', { class: 'panel' }, h('h2', {}, 'Add a user'), addUser),
      h('section', { class: 'panel' }, h('h2', {}, "Set a user's password"), reset),
      h('h2', {}, 'API tokens (automation)'),
      tokens,
      h('section', { class: 'panel' }, h('h2', {}, 'Create an API token'), createToken),
    );
    void loadUsers().catch((error: unknown) =>
      replace(users, alertBox('error', describeError(error))),
    );
    void loadTokens().catch((error: unknown) =>
      replace(tokens, alertBox('error', describeError(error))),
    );
  },
};

export const accountPage: Page = {
  title: 'Your account',
  access: 'read',
  render(main) {
    const info = session.info()!;
    const current = h('input', {
      id: 'current-password',
      type: 'password',
      maxlength: 256,
      autocomplete: 'current-password',
    });
    const next = h('input', {
      id: 'new-password',
      type: 'password',
      maxlength: 256,
      autocomplete: 'new-password',
    });
    const change = actionForm(
      'Change password',
      [labelled('Current password', current), labelled('New password (12+ characters)', next)],
      async (message) => {
        await postJson('/auth/password', { current: current.value, password: next.value });
        const fresh = await getJson<typeof info>('/session');
        session.start(fresh);
        current.value = '';
        next.value = '';
        replace(message, alertBox('ok', 'Password changed; your other sessions have ended.'));
      },
    );
    const everywhere = actionForm('Sign out everywhere', [], async () => {
      await postJson('/auth/sign-out-everywhere', {});
      session.end();
      location.hash = '#/activate';
      location.reload();
    });
    replace(
      main,
      h('h1', {}, 'Your account'),
      h(
        'p',
        {},
        `Signed in as ${info.user}, with the ${info.role} role. This session ends at ${dateTime(info.endsAt)} at the latest, or after ${Math.round(info.idleSeconds / 60)} minutes unused.`,
      ),
      h('section', { class: 'panel' }, h('h2', {}, 'Change your password'), change),
      h(
        'section',
        { class: 'panel' },
        h('h2', {}, 'Every browser'),
        h(
          'p',
          { class: 'hint' },
          'Ends every session of yours, on this browser and any other (a lost laptop, a shared desk).',
        ),
        everywhere,
      ),
    );
  },
};
