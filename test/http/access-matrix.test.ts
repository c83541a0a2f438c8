// The access matrix: every route the OpenAPI document lists, called with no credentials, an
// expired token, each role's API token and each role's console session (changes with no, a wrong,
// another session's and the right CSRF token), each answer checked against the route's
// `x-airlock-role` and ACCESS_ROLES. The routes come from the served document, so a new route is
// covered without editing this file. Refused requests must change nothing: not the appliance's
// state, not the users or tokens files, and the ledger gains only the audit trail's record of the
// refusal.

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import test from 'ava';
import { type Role, ROLES } from '../../src/appliance/roles.ts';
import { createToken, TOKENS_FILE } from '../../src/appliance/tokens.ts';
import { USERS_FILE } from '../../src/appliance/users.ts';
import { ACCESS_ROLES, type Access } from '../../src/http/route.ts';
import { createChallenge, emptyState } from '../../src/sdk/index.ts';
import { NOW, setup, type Setup, USER_PASSWORDS } from './helpers.ts';

interface Operation {
  readonly method: string;
  /** As documented, with {parameters}. */
  readonly path: string;
  readonly access: Access;
  /** Whether the document offers API tokens (bearer) for it, or only console sessions. */
  readonly bearer: boolean;
}

interface Session {
  readonly cookie: string;
  readonly csrf: string;
}

type Credential =
  | { readonly kind: 'none' }
  | { readonly kind: 'expired' }
  | { readonly kind: 'token'; readonly role: Role }
  | {
      readonly kind: 'session';
      readonly role: Role;
      readonly csrf: 'none' | 'wrong' | 'other' | 'right';
    };

/** What a row expects: a refusal with this status and code, or anything but 401 and 403. */
type Expected = { readonly status: 401 | 403; readonly code: string } | 'admitted';

interface Row {
  readonly route: string;
  readonly credential: string;
  readonly expected: string;
  readonly status: number;
  readonly code: string;
  readonly pass: boolean;
  readonly stateKept: boolean | undefined;
}

const SAFE = new Set(['GET', 'HEAD']);

function credentialName(c: Credential): string {
  if (c.kind === 'none') return 'no credentials';
  if (c.kind === 'expired') return 'expired token';
  if (c.kind === 'token') return `${c.role} token`;
  return `${c.role} session, ${c.csrf === 'none' ? 'no' : c.csrf} CSRF`;
}

/** Every documented operation, with its access level and security schemes. */
function operationsOf(doc: any): Operation[] {
  return Object.entries(doc.paths as Record<string, Record<string, any>>).flatMap(([path, ops]) =>
    Object.entries(ops).map(([method, op]) => ({
      method: method.toUpperCase(),
      path,
      access: op['x-airlock-role'] as Access,
      bearer: (op.security as object[]).some((scheme) => Object.hasOwn(scheme, 'bearer')),
    })),
  );
}

/** The credentials each route is called with, in order. */
function credentialsFor(op: Operation): Credential[] {
  const csrfs = SAFE.has(op.method)
    ? (['none'] as const)
    : (['none', 'wrong', 'other', 'right'] as const);
  return [
    { kind: 'none' },
    { kind: 'expired' },
    ...ROLES.map((role) => ({ kind: 'token', role }) as const),
    ...ROLES.flatMap((role) => csrfs.map((csrf) => ({ kind: 'session', role, csrf }) as const)),
  ];
}

function expectation(op: Operation, c: Credential): Expected {
  if (op.access === 'public') return 'admitted';
  const unauthorized = { status: 401, code: 'UNAUTHORIZED' } as const;
  const forbidden = { status: 403, code: 'FORBIDDEN' } as const;
  if (c.kind === 'none' || c.kind === 'expired') return unauthorized;
  // A session's CSRF token is checked before its role: a change without it is refused either way.
  if (c.kind === 'session' && !SAFE.has(op.method) && c.csrf !== 'right') {
    return { status: 403, code: 'CSRF_INVALID' };
  }
  if (c.kind === 'token' && !op.bearer) return forbidden;
  return ACCESS_ROLES[op.access].includes(c.role) ? 'admitted' : forbidden;
}

const shown = (e: Expected) => (e === 'admitted' ? 'not 401/403' : `${e.status} ${e.code}`);

async function signIn(s: Setup, role: Role): Promise<Session | undefined> {
  const res = await s.call('POST', '/auth/sign-in', {
    body: { name: role, password: USER_PASSWORDS[role] },
  });
  if (res.status !== 200) return undefined;
  return { cookie: res.headers.get('set-cookie')!.split(';')[0]!, csrf: res.json.csrfToken };
}

interface Snapshot {
  readonly seq: number;
  /** The appliance's state, the users and the tokens, as text. */
  readonly kept: string;
}

/** What a refused request must leave as it was. */
async function snapshot(s: Setup): Promise<Snapshot> {
  const files = await Promise.all(
    [USERS_FILE, TOKENS_FILE].map((name) => readFile(join(s.dir, name), 'utf8')),
  );
  const { appliance } = s;
  const state = [appliance.licenses(), appliance.activations({}), appliance.revocationStatus()];
  return { seq: s.ledger!.head.seq, kept: JSON.stringify({ state, files }) };
}

/**
 * Whether nothing changed since `before` but the audit trail: a refusal is recorded in the ledger
 * (src/http/audit.ts) as an `audit` record, and nothing else may be appended.
 */
async function unchanged(s: Setup, before: Snapshot): Promise<boolean> {
  const after = await snapshot(s);
  if (after.kept !== before.kept) return false;
  if (after.seq === before.seq) return true;
  const { records } = await s.ledger!.recent({ limit: after.seq - before.seq });
  return records.every((r) => r.seq <= before.seq || r.type === 'audit');
}

function table(rows: readonly Row[]): string {
  const header = ['route', 'credential', 'expected', 'status', 'code', 'state kept'];
  const cells = rows.map((r) => [
    r.route,
    r.credential,
    r.expected,
    String(r.status),
    r.code,
    r.stateKept === undefined ? '' : r.stateKept ? 'yes' : 'NO',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: readonly string[]) => c.map((v, i) => v.padEnd(widths[i]!)).join(' | ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('-|-'), ...cells.map(line)].join(
    '\n',
  );
}

test('every route answers each credential as its access level says, and refusals change nothing', async (t) => {
  const s = await setup(t, { users: true, fileLedger: true, tokenReloadMs: 0 });
  const doc = (await s.call('GET', '/openapi.json')).json;
  const operations = operationsOf(doc);
  const documented = Object.values(doc.paths as Record<string, object>).reduce<number>(
    (n, ops) => n + Object.keys(ops).length,
    0,
  );
  t.is(operations.length, documented);
  t.true(operations.length > 0);

  // Real IDs for the path parameters: the license, an activation, a user, a spare token (revoking
  // it twice is an outcome, and the tokens in use stay valid).
  const challenge = createChallenge(emptyState(), s.key, s.machine('matrix')).text;
  const responded = await s.call('POST', '/offline/respond', {
    token: s.tokens.operator,
    body: { challenge },
  });
  t.is(responded.status, 200, responded.text);
  const spare = await createToken(s.dir, { role: 'auditor', label: 'spare', now: NOW });
  const parameters: Readonly<Record<string, string>> = {
    'licenses/{id}': s.licenseId,
    'activations/{id}': responded.json.activationId,
    'tokens/{id}': spare.info.id,
    'users/{name}': 'operator',
  };
  const urlOf = (path: string) =>
    path.replace(/([a-z-]+)\/\{\w+\}/g, (whole: string, resource: string) => {
      const value = parameters[whole];
      if (value === undefined) throw new Error(`No value for ${whole} in ${path}: add one above.`);
      return `${resource}/${encodeURIComponent(value)}`;
    });

  const tokens: Record<Role, string> = {
    admin: s.tokens.admin,
    operator: s.tokens.operator,
    auditor: s.tokens.auditor,
  };
  const sessions = {} as Record<Role, Session>;
  for (const role of ROLES) {
    const session = await signIn(s, role);
    if (session === undefined) throw new Error(`${role} could not sign in`);
    sessions[role] = session;
  }

  /**
   * After a change that was not refused: renew what it ended (a sign-out ends the session, removing
   * the user named in the path ends the user), so the next rows start with working credentials.
   */
  async function renew(): Promise<void> {
    for (const role of ROLES) {
      const token = await s.call('GET', '/session', { token: tokens[role] });
      if (token.status !== 200) {
        tokens[role] = (await createToken(s.dir, { role, label: 'renewed', now: NOW })).token;
      }
      const live = await s.call('GET', '/session', { headers: { cookie: sessions[role].cookie } });
      if (live.status === 200) continue;
      if (!s.users.users.some((u) => u.name === role)) {
        await s.users.add({ name: role, role, password: USER_PASSWORDS[role], now: NOW });
      }
      const again = await signIn(s, role);
      if (again === undefined) throw new Error(`${role} could not sign in again`);
      sessions[role] = again;
    }
  }

  const rows: Row[] = [];
  for (const op of operations) {
    const route = `${op.method} ${op.path}`;
    const url = urlOf(op.path);
    for (const c of credentialsFor(op)) {
      const headers: Record<string, string> = {};
      let token: string | undefined;
      if (c.kind === 'expired') token = s.tokens.expired;
      if (c.kind === 'token') token = tokens[c.role];
      if (c.kind === 'session') {
        const own = sessions[c.role];
        headers['cookie'] = own.cookie;
        const other = sessions[c.role === 'admin' ? 'operator' : 'admin'];
        const csrf = { none: undefined, wrong: 'x'.repeat(43), other: other.csrf, right: own.csrf };
        if (csrf[c.csrf] !== undefined) headers['x-csrf-token'] = csrf[c.csrf]!;
      }
      const before = await snapshot(s);
      // `{}` is refused by every body's validation, so admitted changes change nothing either.
      const res = await s.call(op.method, url, {
        ...(token === undefined ? {} : { token }),
        ...(SAFE.has(op.method) ? {} : { body: {} }),
        headers,
      });
      const code = String(res.json?.error?.code ?? '');
      const expected = expectation(op, c);
      const pass =
        expected === 'admitted'
          ? res.status !== 401 && res.status !== 403 && res.status < 500
          : res.status === expected.status && code === expected.code;
      const refused = res.status >= 400 && res.status < 500;
      const stateKept = refused ? await unchanged(s, before) : undefined;
      rows.push({
        route,
        credential: credentialName(c),
        expected: shown(expected),
        status: res.status,
        code,
        pass,
        stateKept,
      });
      if (!SAFE.has(op.method) && !refused) await renew();
    }
  }

  // No credentials, expired, 3 tokens, 3 sessions (4 CSRF variants each for a change).
  const reads = operations.filter((op) => SAFE.has(op.method)).length;
  t.is(rows.length, reads * 8 + (operations.length - reads) * 17);
  const failed = rows.filter((r) => !r.pass || r.stateKept === false);
  if (failed.length > 0) t.log(`\n${table(failed)}`);
  t.is(failed.length, 0, `${failed.length} of ${rows.length} rows failed (table above)`);
  // Every route was called by someone it admits, and by someone it refuses.
  for (const op of operations) {
    const mine = rows.filter((r) => r.route === `${op.method} ${op.path}`);
    t.true(
      mine.some((r) => r.status !== 401 && r.status !== 403),
      `${op.method} ${op.path} admits someone`,
    );
    if (op.access !== 'public') t.true(mine.some((r) => r.status === 401));
  }
});
