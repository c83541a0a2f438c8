// `airlock restore --from FILE.tar --data NEWDIR`: a backup back into a new data directory, every
// file checked against the manifest and the ledger verified before it appears. docs/OPERATIONS.md.

import { formatActivationId } from '../../core/ids.ts';
import { airlockVersion } from '../../node/build-info.ts';
import { restoreBackup } from '../../ops/restore.ts';
import type { Command, CommandGroup } from '../command.ts';
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
    const was = (last: number, shown: string) => (last === 0 ? 'none before' : `was ${shown}`);
    return outcome(
      {
        dataDir: target,
        files: manifest.files.length,
        dataFormat: manifest.dataFormat,
        airlockVersion: manifest.airlockVersion,
        createdAt: manifest.createdAt,
        ledger: manifest.ledger,
        needsUpgrade: result.needsUpgrade,
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
        `Restored ${plural(manifest.files.length, 'file')} into ${target} from the backup taken ${when(manifest.createdAt)} by airlock ${manifest.airlockVersion}.`,
        `Ledger verified: ${plural(manifest.ledger.records, 'record')}${manifest.ledger.seq > 0 ? `, ending at record ${manifest.ledger.seq} (hash ${manifest.ledger.hash})` : ''}.`,
        `Restore recorded as ledger record ${recorded.head.seq}: activation IDs go on after ${formatActivationId(recorded.lastActivationId.to)} (${was(recorded.lastActivationId.from, formatActivationId(recorded.lastActivationId.from))}), site bundles after ${recorded.siteSequence.to} (${was(recorded.siteSequence.from, String(recorded.siteSequence.from))}): past what the appliance it replaces can have issued since the backup.`,
        result.needsUpgrade
          ? `It is in data format ${manifest.dataFormat}: run \`airlock upgrade --data ${target}\` before serving it.`
          : `Start it with: airlock serve --data ${target}`,
      ],
    );
  },
};

export const restoreCommands: CommandGroup = {
  name: 'restore',
  title: 'Site administrators: restore a data directory',
  commands: [restore],
};
