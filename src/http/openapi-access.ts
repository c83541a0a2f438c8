// The OpenAPI entries of access control: signing in to the console (sessions), the console's users
// and the API tokens, with their schemas.

import { ROLES } from '../appliance/roles.ts';
import { ok, operation, query } from './openapi-operation.ts';
import { jsonContent, nullable, object, ref, str } from './openapi-schemas.ts';

const ROLE = { enum: [...ROLES] };
const PASSWORD = str('At least 12 characters, without the user name.', { maxLength: 256 });

const pathParameter = (name: string, description: string) => ({
  name,
  in: 'path',
  required: true,
  description,
  schema: { type: 'string' },
});
const USER_NAME = pathParameter('name', 'The user’s name.');

export const ACCESS_SCHEMAS = {
  AuditEntry: object(
    {
      seq: { type: 'integer', description: 'The ledger record holding it.' },
      at: { type: 'integer', description: 'Unix seconds.' },
      action: str('"METHOD /path", or "alert:KIND".'),
      result: { enum: ['ok', 'refused', 'alert'] },
      actor: str('"user:NAME", "token:tok_…" or "anonymous".'),
      status: { type: 'integer' },
      code: str('The refusal’s error code.'),
      detail: str('The name a sign-in tried, an alert’s sentence, or refusals counted.'),
      ip: str('The client address.'),
    },
    ['seq', 'at', 'action', 'result'],
  ),
  Alert: object({
    kind: { enum: ['many-machines', 'many-refusals', 'out-of-scope'] },
    at: { type: 'integer', description: 'Unix seconds.' },
    subject: str('The license (lic_…) or the client address it is about.'),
    message: str('What was seen and what to check.'),
  }),
  SignedIn: object({
    user: str('The user’s name.'),
    role: ROLE,
    csrfToken: str('Send it as the X-CSRF-Token header with every request that changes something.'),
    idleSeconds: { type: 'integer', description: 'The session ends after this long unused.' },
    endsAt: { type: 'integer', description: 'Unix seconds: the session ends then, however used.' },
  }),
  User: object({
    name: str('1 to 32 lower-case letters, digits, dots, dashes, underscores.'),
    role: ROLE,
    createdAt: { type: 'integer' },
    passwordChangedAt: { type: 'integer' },
    failures: { type: 'integer', description: 'Failed sign-ins since the last success.' },
    lockedUntil: { ...nullable('integer'), description: 'Unix seconds; null: not locked.' },
  }),
  Token: object({
    id: str('tok_ and 8 hex digits.'),
    role: ROLE,
    label: str('What the token is for.'),
    createdAt: { type: 'integer' },
    expiresAt: { ...nullable('integer'), description: 'Unix seconds; null: does not expire.' },
  }),
};

const SIGNED_OUT = object({
  outcome: { const: 'signed-out' },
  sessions: { type: 'integer', description: 'Sessions ended.' },
});

export const accessPaths = {
  '/audit': {
    get: operation({
      id: 'auditTrail',
      summary:
        'The audit trail, newest first: admin actions and refusals (who, what, from where, result) and alerts, from the ledger’s hash chain.',
      tag: 'access',
      access: 'audit',
      parameters: [
        query('limit', 'Entries in the page.', { type: 'integer', minimum: 1, maximum: 500 }),
        query('before', 'nextBefore of the page before.', { type: 'integer', minimum: 1 }),
      ],
      ok: ok(
        object({
          entries: { type: 'array', items: ref('AuditEntry') },
          nextBefore: { ...nullable('integer'), description: 'null: no older entries.' },
        }),
      ),
      errors: [501],
    }),
  },
  '/alerts': {
    get: operation({
      id: 'alerts',
      summary: 'Alerts raised since the server started (older ones are in the audit trail).',
      tag: 'access',
      access: 'audit',
      ok: ok(object({ alerts: { type: 'array', items: ref('Alert') } })),
    }),
  },
  '/auth/sign-in': {
    post: operation({
      id: 'signIn',
      summary:
        'Sign in to the console: a session cookie (HttpOnly, SameSite=Strict, Secure over TLS) and its CSRF token. Five failures lock the account for 15 minutes; 20 from one address in 15 minutes are refused (429).',
      tag: 'access',
      access: 'public',
      body: jsonContent(object({ name: str('The user’s name.'), password: PASSWORD })),
      ok: ok(ref('SignedIn')),
      errors: [401, 403, 429],
    }),
  },
  '/auth/sign-out': {
    post: operation({
      id: 'signOut',
      summary: 'End this console session.',
      tag: 'access',
      access: 'read',
      sessionOnly: true,
      ok: ok(SIGNED_OUT),
    }),
  },
  '/auth/sign-out-everywhere': {
    post: operation({
      id: 'signOutEverywhere',
      summary: 'End every console session of the signed-in user, on every browser.',
      tag: 'access',
      access: 'read',
      sessionOnly: true,
      ok: ok(SIGNED_OUT),
    }),
  },
  '/auth/password': {
    post: operation({
      id: 'changeOwnPassword',
      summary:
        'The signed-in user changes their password; their other sessions end, this one is renewed.',
      tag: 'access',
      access: 'read',
      sessionOnly: true,
      body: jsonContent(object({ current: PASSWORD, password: PASSWORD })),
      ok: ok(ref('SignedIn')),
    }),
  },
  '/users': {
    get: operation({
      id: 'listUsers',
      summary: 'The console’s users, their roles and lock-outs.',
      tag: 'access',
      access: 'admin',
      ok: ok(object({ users: { type: 'array', items: ref('User') } })),
    }),
    post: operation({
      id: 'addUser',
      summary: 'Add a user of the console.',
      tag: 'access',
      access: 'admin',
      body: jsonContent(
        object({ name: str('The new user’s name.'), role: ROLE, password: PASSWORD }),
      ),
      ok: ok(object({ user: ref('User') }), 'Added.', '201'),
      errors: [409],
    }),
  },
  '/users/{name}/password': {
    post: operation({
      id: 'setUserPassword',
      summary: 'Set a user’s password (ends their sessions and any lock-out).',
      tag: 'access',
      access: 'admin',
      parameters: [USER_NAME],
      body: jsonContent(object({ password: PASSWORD })),
      ok: ok(object({ user: ref('User') })),
      errors: [404],
    }),
  },
  '/users/{name}/unlock': {
    post: operation({
      id: 'unlockUser',
      summary: 'Clear a user’s lock-out after failed sign-ins.',
      tag: 'access',
      access: 'admin',
      parameters: [USER_NAME],
      ok: ok(object({ user: ref('User') })),
      errors: [404],
    }),
  },
  '/users/{name}/remove': {
    post: operation({
      id: 'removeUser',
      summary: 'Remove a user (their sessions end); the last admin cannot be removed.',
      tag: 'access',
      access: 'admin',
      parameters: [USER_NAME],
      ok: ok(object({ outcome: { const: 'removed' }, name: { type: 'string' } })),
      errors: [404, 409],
    }),
  },
  '/tokens': {
    get: operation({
      id: 'listTokens',
      summary: 'The API tokens (never their secret text).',
      tag: 'access',
      access: 'admin',
      ok: ok(object({ tokens: { type: 'array', items: ref('Token') } })),
    }),
    post: operation({
      id: 'createToken',
      summary: 'Create an API token for automation; its text is in this answer only.',
      tag: 'access',
      access: 'admin',
      body: jsonContent(
        object(
          {
            role: ROLE,
            label: str('What it is for.', { maxLength: 100 }),
            expiresInDays: str('Whole days, 1 to 3650; without it the token does not expire.'),
          },
          ['role', 'label'],
        ),
      ),
      ok: ok(
        object({ token: str('alt_…: shown once, stored only hashed.'), info: ref('Token') }),
        'Created.',
        '201',
      ),
    }),
  },
  '/tokens/{id}/revoke': {
    post: operation({
      id: 'revokeToken',
      summary: 'Revoke an API token at once.',
      tag: 'access',
      access: 'admin',
      parameters: [pathParameter('id', 'tok_ and 8 hex digits.')],
      ok: ok(object({ outcome: { const: 'revoked' }, id: { type: 'string' } })),
    }),
  },
};
