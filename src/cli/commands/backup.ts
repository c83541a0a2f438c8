// `airlock backup --data DIR --out FILE.tar`: a consistent copy of the data directory in one tar
// file (mode 0600), taken whether or not `airlock serve` runs on it; a ledger in PostgreSQL is
// named, not copied. docs/OPERATIONS.md.

import { createBackup } from '../../ops/backup.ts';
import { isDatabaseLedger } from '../../ops/backup-manifest.ts';
import { airlockVersion } from '../../node/build-info.ts';
import { DATA_OPTION } from '../appliance-session.ts';
import type { Command, CommandGroup } from '../command.ts';
import { CONFIG_OPTION, configSources } from '../config-file.ts';
import { readSetting } from '../../http/config.ts';
import { bytesText, list, outcome, plural } from '../output.ts';

const backup: Command = {
  group: 'backup',
  name: '',
  summary: 'copy a data directory into one tar file, while it serves or not',
  usage: '--data DIR --out FILE.tar [--config FILE]',
  help: [
    'Copies everything needed to bring the appliance back: its keys (sealed or not), certificates,',
    'trust file, settings, users and tokens, TLS files, revocation data, DATA/airlock.toml, and the',
    'ledger up to its last whole record (checked against the hash chain as it is read). Works while',
    '`airlock serve` runs on DIR: it needs no lock, and a record being written as the copy ends is',
    'left out (it was not acknowledged yet). Other files must not change while they are copied;',
    'if they do (a key rotation, a new token) the copy starts again, three times at most.',
    '',
    'The archive is a POSIX tar (`tar -tvf FILE` lists it) ending with airlock-backup.json, its',
    'manifest: the airlock version and data format, the ledger head copied and the SHA-256 of',
    'every file. It is written 0600 (it holds the private keys) and appears only when whole; an',
    'existing file is never replaced. Restore it with `airlock restore --from FILE --data NEWDIR`.',
    '',
    'A node whose ledger is in PostgreSQL (the `ledger` setting) is backed up without it: the',
    'manifest names the database (host:port/name), which is backed up with PostgreSQL’s own',
    'tools (pg_dump). docs/OPERATIONS.md says how the two go together.',
  ].join('\n'),
  options: {
    ...DATA_OPTION,
    ...CONFIG_OPTION,
    out: { type: 'string', value: 'FILE.tar', help: 'the archive to write (must not exist)' },
  },
  required: ['data', 'out'],
  async run(args, ctx) {
    const dir = args.required('data');
    const progress = ctx.progress('backing up', bytesText);
    // The journal here, or a database: the ledger setting as serve reads it.
    const ledger = readSetting('ledger', await configSources(dir, args.string('config'), {}, ctx));
    const result = await createBackup(dir, {
      out: args.required('out'),
      now: ctx.now(),
      airlockVersion: airlockVersion(),
      ledger,
      onProgress: (done, total) => progress.update(done, total),
    }).finally(() => progress.finish());
    const { manifest } = result;
    const copied = manifest.ledger;
    return outcome(
      {
        out: result.out,
        bytes: result.bytes,
        files: manifest.files.length,
        dataFormat: manifest.dataFormat,
        airlockVersion: manifest.airlockVersion,
        ledger: manifest.ledger,
        leftOut: result.leftOut,
        attempts: result.attempts,
      },
      [
        `Backed up ${dir} to ${result.out}: ${plural(manifest.files.length, 'file')}, ${bytesText(result.bytes)}.`,
        isDatabaseLedger(copied)
          ? `Ledger: not in this backup: ${copied.note}. Data format ${manifest.dataFormat}.`
          : `Ledger: ${plural(copied.records, 'record')}${copied.seq > 0 ? `, ending at record ${copied.seq} (hash ${copied.hash})` : ''}. Data format ${manifest.dataFormat}.`,
        ...(result.leftOut.length > 0
          ? [`Left out (not files the appliance makes): ${list(result.leftOut)}.`]
          : []),
        `Restore it with: airlock restore --from ${result.out} --data NEWDIR`,
      ],
    );
  },
};

export const backupCommands: CommandGroup = {
  name: 'backup',
  title: 'Site administrators: back up a data directory',
  commands: [backup],
};
