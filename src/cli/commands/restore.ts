// `airlock restore --from FILE.tar --data NEWDIR`: a backup back into a new data directory, every
// file checked against the manifest and the ledger verified before it appears (a ledger kept in
// PostgreSQL is not in the backup: the output says what to do about it). docs/OPERATIONS.md.

import { formatActivationId } from '../../core/ids.ts';
import { airlockVersion } from '../../node/build-info.ts';
import { isDatabaseLedger } from '../../ops/backup-manifest.ts';
import { restoreBackup } from '../../ops/restore.ts';
import type { Command, CommandGroup } from '../command.ts';
import { ledgerSetting } from '../config-file.ts';
import { bytesText, outcome, plural, when } from '../output.ts';

const restore: Command = {
  group: 'restore',
  name: '',
  summary: 'bring a backup back into a new data directory',
  usage: '--from FILE.tar --data NEWDIR',
  help: [
    'Reads a backup made by `airlock backup` into NEWDIR, which must not exist yet or be empty',
    '(and no process may hold its ledger). Before writing anything it bounds and checks the',
    'archive: regular files only, no absolute paths, no `..`, no links, sizes and the number of',
    'entries within limits, a manifest that lists exactly the files it holds. Each file is then',
    'checked against its SHA-256 and the ledger against its hash chain and the head the manifest',
    'names. It all happens in a temp directory beside NEWDIR that is renamed into place at the',
    'end: a refused restore leaves nothing behind. Secrets are restored 0600, folders 0700.',
    '',
    'The appliance the backup replaces went on after it: the restore appends a record to the',
    'ledger that moves activation IDs and site bundle sequences past what that one can have',
    'issued since (more, the older the backup), so no machine gets an ID twice and isolated',
    'machines accept the next site bundle. The vendor’s next report check shows the rollback.',
    '',
    'A node whose ledger is in PostgreSQL has none in its backup: the restored node uses the',
    'database named in the manifest as it is. If the database itself was put back from an older',
    'dump, `airlock ledger mark-restored --data NEWDIR` moves its counters on (docs/OPERATIONS.md).',
    '',
    'A backup of an older data format is restored as it is; run `airlock upgrade` on it next.',
    'One of a newer format is refused (DATA_FORMAT_NEWER).',
  ].join('\n'),
  options: {
    from: { type: 'string', value: 'FILE.tar', help: 'the backup to restore' },
    data: { type: 'string', value: 'NEWDIR', help: 'the data directory to create' },
  },
  required: ['from', 'data'],
  async run(args, ctx) {
    const target = args.required('data');
    const progress = ctx.progress('restoring', bytesText);
    const result = await restoreBackup(args.required('from'), target, {
      now: ctx.now(),
      airlockVersion: airlockVersion(),
      onProgress: (done, total) => progress.update(done, total),
    }).finally(() => progress.finish());
    const { manifest, recorded } = result;
    const start = result.needsUpgrade
      ? `It is in data format ${manifest.dataFormat}: run \`airlock upgrade --data ${target}\` before serving it.`
      : `Start it with: airlock serve --data ${target}`;
    const common = {
      dataDir: target,
      files: manifest.files.length,
      dataFormat: manifest.dataFormat,
      airlockVersion: manifest.airlockVersion,
      createdAt: manifest.createdAt,
      ledger: manifest.ledger,
      needsUpgrade: result.needsUpgrade,
    };
    const restored = `Restored ${plural(manifest.files.length, 'file')} into ${target} from the backup taken ${when(manifest.createdAt)} by airlock ${manifest.airlockVersion}.`;
    if (recorded === null || isDatabaseLedger(manifest.ledger)) {
      const database = result.database!;
      const setting = await ledgerSetting(target, ctx);
      return outcome(
        { ...common, database, ledgerSetting: setting !== undefined, recorded: null },
        [
          restored,
          `The ledger is in PostgreSQL at ${database}, not in this backup: the restored node uses that database as it is.`,
          ...(setting === undefined
            ? [
                `Its ledger setting is not in the restored directory: set ledger = "postgres://…" in ${target}/airlock.toml (or AIRLOCK_LEDGER) before serving, or it would start an empty ledger of its own.`,
              ]
            : []),
          `If the database was put back from an older dump, run \`airlock ledger mark-restored --data ${target}\` once, before any node serves (docs/OPERATIONS.md).`,
          start,
        ],
      );
    }
    const was = (last: number, shown: string) => (last === 0 ? 'none before' : `was ${shown}`);
    const copied = manifest.ledger;
    return outcome(
      {
        ...common,
        recorded: {
          ledger: recorded.head,
          elapsed: recorded.elapsed,
          lastActivationId: {
            from: formatActivationId(recorded.lastActivationId.from),
            to: formatActivationId(recorded.lastActivationId.to),
          },
          siteSequence: recorded.siteSequence,
        },
      },
      [
        restored,
        `Ledger verified: ${plural(copied.records, 'record')}${copied.seq > 0 ? `, ending at record ${copied.seq} (hash ${copied.hash})` : ''}.`,
        `Restore recorded as ledger record ${recorded.head.seq}: activation IDs go on after ${formatActivationId(recorded.lastActivationId.to)} (${was(recorded.lastActivationId.from, formatActivationId(recorded.lastActivationId.from))}), site bundles after ${recorded.siteSequence.to} (${was(recorded.siteSequence.from, String(recorded.siteSequence.from))}): past what the appliance it replaces can have issued since the backup.`,
        start,
      ],
    );
  },
};

export const restoreCommands: CommandGroup = {
  name: 'restore',
  title: 'Site administrators: restore a data directory',
  commands: [restore],
};
