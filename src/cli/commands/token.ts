// `airlock token create|list|revoke --data DIR`: bearer tokens for the appliance's HTTP API. A
// token is shown once, when it is made; the data directory keeps only its hash. A running server
// sees changes within a second.

import { createToken, listTokens, revokeToken, TOKEN_ROLES } from '../../appliance/tokens.ts';
import { AirlockError } from '../../core/errors.ts';
import { DATA_OPTION } from '../appliance-session.ts';
import type { Command, CommandGroup } from '../command.ts';
import { outcome, plural, when } from '../output.ts';
import { parseExpiry } from '../time.ts';
import { table } from '../table.ts';

const create: Command = {
  group: 'token',
  name: 'create',
  summary: 'create an API token (shown once)',
  usage: '--data DIR --role admin|operator|auditor [--label TEXT] [--expires DATE|+30d]',
  help: [
    'Creates a bearer token for the HTTP API (automation; people sign in to the console with',
    '`airlock user`): operators activate, deactivate and look up; auditors read the ledger and',
    'the audit trail; admins do everything. The token is printed once and stored only as a hash.',
  ].join('\n'),
  options: {
    ...DATA_OPTION,
    role: { type: 'string', value: 'ROLE', help: 'admin, operator or auditor' },
    label: { type: 'string', value: 'TEXT', help: 'what the token is for (e.g. "front desk")' },
    expires: { type: 'string', value: 'DATE|+30d', help: 'when it stops working (default never)' },
  },
  required: ['data', 'role'],
  async run(args, ctx) {
    const role = TOKEN_ROLES.find((r) => r === args.required('role'));
    if (role === undefined) {
      throw new AirlockError('USAGE', `--role must be one of ${TOKEN_ROLES.join(', ')}.`);
    }
    const now = ctx.now();
    const expires = args.string('expires');
    const made = await createToken(args.required('data'), {
      role,
      label: args.string('label') ?? role,
      now,
      expiresAt: expires === undefined ? null : parseExpiry(expires, now),
    });
    return outcome({ token: made.token, ...made.info }, [
      `Created ${role} token ${made.info.id}${made.info.expiresAt === null ? '' : `, valid until ${when(made.info.expiresAt)}`}:`,
      '',
      `  ${made.token}`,
      '',
      'It is shown only now. Send it as "Authorization: Bearer TOKEN".',
    ]);
  },
};

const list: Command = {
  group: 'token',
  name: 'list',
  summary: 'list API tokens (never the tokens themselves)',
  usage: '--data DIR',
  help: 'One line per token: ID, role, label, created, expiry.',
  options: DATA_OPTION,
  required: ['data'],
  async run(args, ctx) {
    const tokens = await listTokens(args.required('data'));
    return outcome({ tokens }, [
      `${plural(tokens.length, 'token')}${tokens.length > 0 ? ':' : '.'}`,
      ...table(
        ['token', 'role', 'label', 'created', 'expires'],
        tokens.map((t) => [t.id, t.role, t.label, when(t.createdAt), when(t.expiresAt)]),
        ctx.paint,
      ),
    ]);
  },
};

const revoke: Command = {
  group: 'token',
  name: 'revoke',
  summary: 'revoke an API token',
  usage: 'TOKEN_ID --data DIR',
  help: 'The token stops working at once (a running server notices within a second).',
  options: DATA_OPTION,
  required: ['data'],
  positionals: ['TOKEN_ID'],
  async run(args) {
    const id = args.positionals[0]!;
    const { outcome: result } = await revokeToken(args.required('data'), id);
    if (result === 'unknown') {
      throw new AirlockError('FILE_NOT_FOUND', `There is no token ${id.slice(0, 40)}.`);
    }
    return outcome({ outcome: result, id }, [`Revoked token ${id}.`]);
  },
};

export const tokenCommands: CommandGroup = {
  name: 'token',
  title: 'Site administrators: API tokens',
  commands: [create, list, revoke],
};
