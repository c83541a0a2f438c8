// Commands that work on an appliance's data directory open it (identity, ledger, use cases), run,
// and close it (pending writes durable, lock released) whatever happens. A running server holds
// the ledger's lock: those commands then refuse with LEDGER_LOCKED, naming it.

import { type OpenAppliance, openAppliance } from '../appliance/service.ts';
import type { ParsedArgs } from './args.ts';
import { ledgerSetting } from './config-file.ts';
import type { CliContext } from './context.ts';

export const DATA_OPTION = {
  data: { type: 'string', value: 'DIR', help: 'the appliance data directory' },
} as const;

export async function withAppliance<T>(
  args: ParsedArgs,
  ctx: CliContext,
  purpose: string,
  run: (open: OpenAppliance) => Promise<T>,
): Promise<T> {
  const dir = args.required('data');
  const open = await openAppliance(dir, {
    ledger: await ledgerSetting(dir, ctx),
    passphrase: ctx.passphrase,
    clock: ctx.now,
    random: ctx.random,
    purpose,
  });
  try {
    return await run(open);
  } finally {
    await open.close();
  }
}
