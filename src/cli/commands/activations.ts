// `airlock activations list --data DIR`: the activations an appliance recorded, filtered by license
// and status.

import type { ActivationSummary } from '../../appliance/appliance.ts';
import type { ActivationStatus } from '../../appliance/state.ts';
import { toHex } from '../../core/bytes.ts';
import { AirlockError } from '../../core/errors.ts';
import { parseId } from '../../core/ids.ts';
import { DATA_OPTION, withAppliance } from '../appliance-session.ts';
import type { Command, CommandGroup } from '../command.ts';
import { outcome, plural, when } from '../output.ts';
import { table } from '../table.ts';
import type { Colour, Paint } from '../terminal.ts';

const STATUSES: readonly ActivationStatus[] = ['active', 'deactivated', 'revoked'];
const STATUS_COLOURS: Readonly<Record<ActivationStatus, Colour>> = {
  active: 'green',
  deactivated: 'dim',
  revoked: 'red',
};

/** Activations as a table: ID, license (unless all are of one), status, machine, since, lease. */
export function activationTable(
  activations: readonly ActivationSummary[],
  paint: Paint,
  withLicense = true,
): string[] {
  return table(
    [
      'activation',
      ...(withLicense ? ['license'] : []),
      'status',
      'machine',
      'since',
      'lease until',
    ],
    activations.map((a) => [
      a.activationId,
      ...(withLicense ? [a.licenseId] : []),
      paint(STATUS_COLOURS[a.status], a.status),
      a.fingerprint,
      when(a.activatedAt),
      a.leaseEndsAt === null ? 'no lease' : when(a.leaseEndsAt),
    ]),
    paint,
  );
}

const list: Command = {
  group: 'activations',
  name: 'list',
  summary: 'list activations, by license and status',
  usage: '--data DIR [--license lic_…] [--status active|deactivated|revoked]',
  help: 'One line per activation: ID, license, status, machine fingerprint, since, lease end.',
  options: {
    ...DATA_OPTION,
    license: { type: 'string', value: 'lic_…', help: 'only this license’s activations' },
    status: { type: 'string', value: 'STATUS', help: 'active, deactivated or revoked' },
  },
  required: ['data'],
  async run(args, ctx) {
    const licenseText = args.string('license');
    const statusText = args.string('status');
    const status = STATUSES.find((s) => s === statusText);
    if (statusText !== undefined && status === undefined) {
      throw new AirlockError('USAGE', `--status must be one of ${STATUSES.join(', ')}.`);
    }
    const filter = {
      ...(licenseText === undefined ? {} : { licenseId: toHex(parseId('license', licenseText)) }),
      ...(status === undefined ? {} : { status }),
    };
    return withAppliance(args, ctx, 'airlock activations list', async ({ appliance }) => {
      const activations = appliance.activations(filter);
      return outcome({ activations }, [
        `${plural(activations.length, 'activation')}${activations.length > 0 ? ':' : '.'}`,
        ...activationTable(activations, ctx.paint),
      ]);
    });
  },
};

export const activationCommands: CommandGroup = {
  name: 'activations',
  title: 'Site administrators: activations',
  commands: [list],
};
