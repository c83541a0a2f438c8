// `airlock user add|passwd|unlock|remove|list --data DIR`: the people who sign in to the console.
// A password comes from standard input (--password-stdin), or is generated and shown once. A
// running server sees every change within a second; removing a user or changing their role or
// password ends their sessions.

import { base32crockford } from '@scure/base';
import { isRole, ROLE_SUMMARY, type Role, ROLES } from '../../appliance/roles.ts';
import { listUsers, openUserBook } from '../../appliance/users.ts';
import { AirlockError } from '../../core/errors.ts';
import { MAX_PASSWORD_LENGTH } from '../../node/password.ts';
import { DATA_OPTION } from '../appliance-session.ts';
import type { Command, CommandGroup } from '../command.ts';
import type { CliContext } from '../context.ts';
import { outcome, plural, when } from '../output.ts';
import { table } from '../table.ts';

const PASSWORD_STDIN = {
  'password-stdin': {
    type: 'boolean',
    help: 'read the password from standard input (one line) instead of generating one',
  },
} as const;

/** 100 random bits as five groups of four, easy to read aloud and type: "k7qm-2z9d-…". */
export function generatePassword(random: (n: number) => Uint8Array): string {
  const text = base32crockford.encode(random(15)).toLowerCase().slice(0, 20);
  return text.match(/.{4}/g)!.join('-');
}

/** The password to set: one line of standard input, or a new one to show once. */
async function passwordFor(
  fromStdin: boolean,
  ctx: CliContext,
): Promise<{ password: string; generated: boolean }> {
  if (!fromStdin) return { password: generatePassword(ctx.random), generated: true };
  const bytes = await ctx.readStdin(MAX_PASSWORD_LENGTH * 4 + 2, 'password');
  const password = new TextDecoder('utf-8', { fatal: true }).decode(bytes).split(/\r?\n/)[0] ?? '';
  return { password, generated: false };
}

function shown(password: string, generated: boolean): string[] {
  return generated ? ['', `  password: ${password}`, '', 'It is shown only now.'] : [];
}

function roleOf(text: string): Role {
  if (!isRole(text)) throw new AirlockError('USAGE', `--role must be one of ${ROLES.join(', ')}.`);
  return text;
}

/** The first admin of a new data directory, with a generated password (printed once). */
export async function createFirstAdmin(
  dir: string,
  ctx: CliContext,
): Promise<{ name: string; password: string }> {
  const password = generatePassword(ctx.random);
  const book = await openUserBook(dir);
  await book.add({ name: 'admin', role: 'admin', password, now: ctx.now() });
  return { name: 'admin', password };
}

const add: Command = {
  group: 'user',
  name: 'add',
  summary: 'add a user of the console',
  usage: 'NAME --role admin|operator|auditor --data DIR [--password-stdin]',
  help: [
    'Roles:',
    ...ROLES.map((r) => `  ${r.padEnd(9)} ${ROLE_SUMMARY[r]}`),
    'Without --password-stdin a password is generated and shown once.',
  ].join('\n'),
  options: {
    ...DATA_OPTION,
    role: { type: 'string', value: 'ROLE', help: ROLES.join(', ') },
    ...PASSWORD_STDIN,
  },
  required: ['data', 'role'],
  positionals: ['NAME'],
  async run(args, ctx) {
    const role = roleOf(args.required('role'));
    const { password, generated } = await passwordFor(args.flag('password-stdin'), ctx);
    const book = await openUserBook(args.required('data'));
    const user = await book.add({ name: args.positionals[0]!, role, password, now: ctx.now() });
    return outcome({ ...user, ...(generated ? { password } : {}) }, [
      `Added ${role} ${user.name}.`,
      ...shown(password, generated),
    ]);
  },
};

const passwd: Command = {
  group: 'user',
  name: 'passwd',
  summary: "set a user's password (ends their sessions and lock-out)",
  usage: 'NAME --data DIR [--password-stdin]',
  help: 'Without --password-stdin a password is generated and shown once.',
  options: { ...DATA_OPTION, ...PASSWORD_STDIN },
  required: ['data'],
  positionals: ['NAME'],
  async run(args, ctx) {
    const { password, generated } = await passwordFor(args.flag('password-stdin'), ctx);
    const book = await openUserBook(args.required('data'));
    const user = await book.setPassword(args.positionals[0]!, password, ctx.now());
    return outcome({ ...user, ...(generated ? { password } : {}) }, [
      `New password for ${user.name}; their console sessions end.`,
      ...shown(password, generated),
    ]);
  },
};

const unlock: Command = {
  group: 'user',
  name: 'unlock',
  summary: 'clear a lock-out after failed sign-ins',
  usage: 'NAME --data DIR',
  help: 'Five failed sign-ins in a row lock an account for 15 minutes; this ends it now.',
  options: DATA_OPTION,
  required: ['data'],
  positionals: ['NAME'],
  async run(args) {
    const user = await (await openUserBook(args.required('data'))).unlock(args.positionals[0]!);
    return outcome(user, [`${user.name} may sign in again.`]);
  },
};

const remove: Command = {
  group: 'user',
  name: 'remove',
  summary: 'remove a user (their sessions end)',
  usage: 'NAME --data DIR',
  help: 'The last admin cannot be removed.',
  options: DATA_OPTION,
  required: ['data'],
  positionals: ['NAME'],
  async run(args) {
    const name = args.positionals[0]!;
    await (await openUserBook(args.required('data'))).remove(name);
    return outcome({ outcome: 'removed', name }, [`Removed ${name}.`]);
  },
};

const list: Command = {
  group: 'user',
  name: 'list',
  summary: 'list the users of the console',
  usage: '--data DIR',
  help: 'One line per user: name, role, when the password was set, any lock-out.',
  options: DATA_OPTION,
  required: ['data'],
  async run(args, ctx) {
    const users = await listUsers(args.required('data'));
    const now = ctx.now();
    return outcome({ users }, [
      `${plural(users.length, 'user')}${users.length > 0 ? ':' : '.'}`,
      ...table(
        ['user', 'role', 'password set', ''],
        users.map((u) => [
          u.name,
          u.role,
          when(u.passwordChangedAt),
          u.lockedUntil !== null && u.lockedUntil > now
            ? ctx.paint('yellow', `LOCKED until ${when(u.lockedUntil)}`)
            : '',
        ]),
        ctx.paint,
      ),
    ]);
  },
};

export const userCommands: CommandGroup = {
  name: 'user',
  title: 'Site administrators: users of the console',
  commands: [add, passwd, unlock, remove, list],
};
