// `airlock restore --from FILE.tar --data NEWDIR`: a backup back into a new data directory, every
// file checked against the manifest and the ledger verified before it appears. docs/OPERATIONS.md.

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
      onProgress: (done, total) => progress.update(done, total),
    }).finally(() => progress.finish());
    const { manifest } = result;
    return outcome(
      {
        dataDir: target,
        files: manifest.files.length,
        dataFormat: manifest.dataFormat,
        airlockVersion: manifest.airlockVersion,
        createdAt: manifest.createdAt,
        ledger: manifest.ledger,
        needsUpgrade: result.needsUpgrade,
      },
      [
        `Restored ${plural(manifest.files.length, 'file')} into ${target} from the backup taken ${when(manifest.createdAt)} by airlock ${manifest.airlockVersion}.`,
        `Ledger verified: ${plural(manifest.ledger.records, 'record')}${manifest.ledger.seq > 0 ? `, ending at record ${manifest.ledger.seq} (hash ${manifest.ledger.hash})` : ''}.`,
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
