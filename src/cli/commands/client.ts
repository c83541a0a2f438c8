// `airlock client …`: the client SDK from the command line, on the machine being licensed, for
// applications in any language (--json) and for operators.

import type { CommandGroup } from '../command.ts';
import { activate, apply, challenge, deactivate } from './client-activation.ts';
import { fingerprint } from './client-fingerprint.ts';
import { importRevocations, status } from './client-status.ts';
import { trustHandover } from './client-trust.ts';

export const clientCommands: CommandGroup = {
  name: 'client',
  title: 'Client (on the machine being licensed)',
  commands: [
    fingerprint,
    challenge,
    apply,
    activate,
    status,
    deactivate,
    importRevocations,
    trustHandover,
  ],
};
