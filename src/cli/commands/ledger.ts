// `airlock ledger verify --data DIR`: checks every record of the activation ledger (checksum,
// sequence, hash chain) and names the first bad one. Read-only: it runs beside a serving appliance.

import { verifyApplianceLedger } from '../../appliance/ledger-readers.ts';
import { DATA_OPTION } from '../appliance-session.ts';
import { ledgerSetting } from '../config-file.ts';
import { migrate } from './ledger-migrate.ts';
import { markRestored } from './mark-restored.ts';
import type { Command, CommandGroup } from '../command.ts';
import { bytesText, outcome, plural } from '../output.ts';

const REASONS = {
  torn: 'it is cut short (a write that never finished; the appliance cuts it when it starts)',
  checksum: 'its checksum does not match its content (the file was changed or damaged)',
  chain: 'it does not follow the record before it (records were removed, reordered or replaced)',
  sequence: 'its sequence number is out of order',
  malformed: 'it is not a ledger record',
} as const;

/** Exit code of a ledger that does not verify: the LEDGER_CORRUPT family's. */
const EXIT_BAD = 8;

const verify: Command = {
  group: 'ledger',
  name: 'verify',
  summary: 'check the activation ledger’s checksums and hash chain',
  usage: '--data DIR',
  help: [
    'Reads the whole journal and checks each record’s checksum, its sequence number and the hash',
    'chain across files. Prints the number of records and the hash of the last one (the ledger’s',
    'checkpoint), or the first bad record with its file and line. Exit code 8 when it fails.',
  ].join('\n'),
  options: DATA_OPTION,
  required: ['data'],
  async run(args, ctx) {
    const dir = args.required('data');
    const url = await ledgerSetting(dir, ctx);
    const progress = ctx.progress('verifying', url === undefined ? bytesText : undefined);
    const result = await verifyApplianceLedger(dir, url, (done, total) =>
      progress.update(done, total),
    ).finally(() => progress.finish());
    if (result.ok) {
      return outcome({ ...result }, [
        `${ctx.paint('green', 'The ledger verifies')}: ${plural(result.records, 'record')}.`,
        `Checkpoint: record ${result.lastSeq}, hash ${result.lastHash}.`,
      ]);
    }
    const bad = result.firstBad!;
    return {
      ...outcome({ ...result }, [
        `${ctx.paint('red', 'The ledger does not verify')}: record ${bad.seq} (${bad.file}, line ${bad.line}): ${REASONS[bad.reason]}.`,
        `The ${plural(result.records, 'record')} before it are good; the last good hash is ${result.lastHash}.`,
      ]),
      exitCode: EXIT_BAD,
    };
  },
};

export const ledgerCommands: CommandGroup = {
  name: 'ledger',
  title: 'Site administrators: the activation ledger',
  commands: [verify, migrate, markRestored],
};
