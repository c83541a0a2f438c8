// What the `airlock client …` commands share: the --store and --trust options and the Node client
// they open with them.

import { createNodeClient, type NodeClient } from '../../sdk/node/client.ts';
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
/** Deactivation needs no trust anchors: it only reveals this machine's own secret. */
const NO_TRUST: TrustAnchors = { roots: [], certificates: [] };

export async function openClient(
  args: ParsedArgs,
  ctx: CliContext,
  needsTrust = true,
): Promise<NodeClient> {
  const trust = needsTrust ? await readTrustFile(args.required('trust')) : NO_TRUST;
  return createNodeClient({
    storeDir: args.required('store'),
    trust,
    env: ctx.env,
    clock: ctx.now,
  });
}

export function storeHint(args: ParsedArgs): string {
  return `--store ${args.required('store')} --trust ${args.string('trust') ?? 'FILE|DIR'}`;
}
