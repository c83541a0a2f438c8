// `airlock appliance seal-key | rotate-key | retire-key`: the custody of the appliance's keys
// (docs/KEYS.md): sealing them, replacing the appliance key, and removing replaced ones.

import { applianceKeyFiles } from '../../appliance/data-dir.ts';
import type { Command } from '../command.ts';
import { sealKeyCommand, warnWhenUnsealed } from './seal-key.ts';

export const sealKey = sealKeyCommand({
  group: 'appliance',
  dirOption: 'data',
  what: 'data directory',
  keyFiles: applianceKeyFiles,
});

/** `appliance init`, warning when it wrote the keys unsealed. */
export function warnedInit(init: Command): Command {
  return warnWhenUnsealed(
    init,
    (args) => `airlock appliance seal-key --data ${args.required('data')}`,
  );
}

export const applianceKeyCommands: readonly Command[] = [sealKey];
