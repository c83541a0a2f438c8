// `airlock vendor seal-key | rotate-key | retire-key`: the custody of the vendor's root keys
// (docs/KEYS.md): sealing them, rotating to a new root with a hand-over, retiring an old one.

import { vendorKeyFiles } from '../../vendor/vendor-dir.ts';
import type { Command } from '../command.ts';
import { sealKeyCommand, warnWhenUnsealed } from './seal-key.ts';

export const sealKey = sealKeyCommand({
  group: 'vendor',
  dirOption: 'vendor',
  what: 'vendor directory',
  keyFiles: vendorKeyFiles,
});

/** `vendor init`, warning when it wrote the root key unsealed. */
export function warnedInit(init: Command): Command {
  return warnWhenUnsealed(
    init,
    (args) => `airlock vendor seal-key --vendor ${args.required('dir')}`,
  );
}

export const vendorKeyCommands: readonly Command[] = [sealKey];
