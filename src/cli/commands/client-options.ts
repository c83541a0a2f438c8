// What the `airlock client …` commands share: the --store and --trust options (and --online with
// its token) and the Node client they open with them.

import { AirlockError } from '../../core/errors.ts';
import { createNodeClient, type NodeClient, type OnlineOptions } from '../../sdk/node/client.ts';
import { createApplianceClient } from '../../sdk/online.ts';
import type { TrustAnchors } from '../../sdk/trust.ts';
import { readTrustFile } from '../../vendor/trust-file.ts';
import type { ParsedArgs } from '../args.ts';
import type { CliContext } from '../context.ts';

export const STORE = {
  type: 'string',
  value: 'DIR',
  help: "this machine's activation store (encrypted)",
} as const;
export const TRUST = {
  type: 'string',
  value: 'FILE|DIR',
  help: "the vendor's trust file (DIR means DIR/trust.json; a vendor directory works)",
} as const;
export const ONLINE = {
  type: 'string',
  value: 'URL',
  help: "the appliance's address, e.g. https://airlock.example:8443",
} as const;
export const TOKEN = {
  type: 'string',
  value: 'TOKEN',
  help: 'an operator API token (better: set AIRLOCK_TOKEN, which other users cannot see)',
} as const;
/** Deactivation needs no trust anchors: it only reveals this machine's own secret. */
const NO_TRUST: TrustAnchors = { roots: [], certificates: [] };

export interface OpenClientOptions {
  /** false for deactivation, which needs no trust anchors (default true). */
  readonly needsTrust?: boolean;
  readonly online?: OnlineOptions;
  readonly renewWithinSeconds?: number;
}

export async function openClient(
  args: ParsedArgs,
  ctx: CliContext,
  options: OpenClientOptions = {},
): Promise<NodeClient> {
  const { needsTrust = true, online, renewWithinSeconds } = options;
  const trust = needsTrust ? await readTrustFile(args.required('trust')) : NO_TRUST;
  return createNodeClient({
    storeDir: args.required('store'),
    trust,
    env: ctx.env,
    clock: ctx.now,
    ...(online === undefined ? {} : { online }),
    ...(renewWithinSeconds === undefined ? {} : { renewWithinSeconds }),
  });
}

/** --online URL with --token or AIRLOCK_TOKEN, checked before anything is done. */
export function onlineOptions(args: ParsedArgs, ctx: CliContext, command: string): OnlineOptions {
  const url = args.required('online');
  const token = args.string('token') ?? ctx.env['AIRLOCK_TOKEN'];
  if (token === undefined || token === '') {
    throw new AirlockError(
      'USAGE',
      `\`${command}\` needs an API token: set AIRLOCK_TOKEN or give --token TOKEN (\`airlock token create\` on the appliance makes one).`,
    );
  }
  try {
    createApplianceClient({ url, token });
  } catch (error) {
    if (!(error instanceof TypeError)) throw error;
    const problem = error.message.replace(/^online\.(url|token)/, (_, name: string) =>
      name === 'url' ? '--online' : 'the token',
    );
    throw new AirlockError('USAGE', `${problem}. See \`${command} --help\`.`);
  }
  return { url, token };
}

export function storeHint(args: ParsedArgs): string {
  return `--store ${args.required('store')} --trust ${args.string('trust') ?? 'FILE|DIR'}`;
}
