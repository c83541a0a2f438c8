// `airlock revoke LICENSE_ID|ACTIVATION_ID --data DIR --reason TEXT`: a site revocation, for a
// stolen or dead machine that can give no deactivation code, or a license the site stops.

import { toHex } from '../../core/bytes.ts';
import { AirlockError } from '../../core/errors.ts';
import { parseActivationId, parseId } from '../../core/ids.ts';
import { DATA_OPTION, withAppliance } from '../appliance-session.ts';
import type { Command, CommandGroup } from '../command.ts';
import { outcome } from '../output.ts';

const revoke: Command = {
  group: 'revoke',
  name: '',
  summary: 'revoke a license or one machine’s activation at this site',
  usage: 'LICENSE_ID|ACTIVATION_ID --data DIR --reason TEXT',
  help: [
    'A license (lic_…): no new activations, and revalidation answers revoked. An activation',
    '(act_…): its seat is freed and that machine may not activate the license again. Either goes',
    'into the next site bundle (`airlock sync export`), which isolated machines import. --reason is',
    'lost-or-stolen, retired, key-compromise, superseded, non-payment, fraud, or your own words.',
    'How many activations of one license may be revoked in 30 days is limited (REVOCATION_LIMIT).',
  ].join('\n'),
  options: {
    ...DATA_OPTION,
    reason: { type: 'string', value: 'TEXT', help: 'why: a reason name or your own words' },
  },
  required: ['data', 'reason'],
  positionals: ['ID'],
  async run(args, ctx) {
    const id = args.positionals[0]!.trim().toLowerCase();
    const reason = args.required('reason');
    return withAppliance(args, ctx, 'airlock revoke', async ({ appliance }) => {
      if (id.startsWith('lic_')) {
        const r = await appliance.revokeLicense(toHex(parseId('license', id)), reason);
        return outcome({ ...r }, [
          r.outcome === 'revoked'
            ? `Revoked license ${r.licenseId}: it activates nothing more here. Export a site bundle for isolated machines: airlock sync export DIR --data DIR.`
            : `License ${r.licenseId} was already revoked; nothing changed.`,
        ]);
      }
      if (id.startsWith('act_')) {
        const r = await appliance.revokeActivation(parseActivationId(id), reason);
        return outcome({ ...r }, [
          r.outcome === 'revoked'
            ? `Revoked activation ${r.activationId} of license ${r.licenseId}: its seat is free, and that machine may not activate the license again.`
            : `Activation ${r.activationId} was already revoked; nothing changed.`,
        ]);
      }
      throw new AirlockError(
        'USAGE',
        `"${id.slice(0, 40)}" is neither a license ID (lic_…) nor an activation ID (act_…).`,
      );
    });
  },
};

export const revokeCommands: CommandGroup = {
  name: 'revoke',
  title: 'Site administrators: revoke',
  commands: [revoke],
};
