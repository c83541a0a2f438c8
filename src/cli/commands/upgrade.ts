// `airlock upgrade --data DIR`: migrates a data directory to this airlock's data format, after a
// backup, and says what it changed. Idempotent; never a downgrade. docs/OPERATIONS.md.

import { DATA_FORMAT } from '../../appliance/data-format.ts';
import { parseServeConfig } from '../../http/config.ts';
import { airlockVersion } from '../../node/build-info.ts';
import { type Step } from '../../ops/migrations.ts';
import { upgradeDataDir } from '../../ops/upgrade.ts';
import { DATA_OPTION } from '../appliance-session.ts';
import type { Command, CommandGroup } from '../command.ts';
import { CONFIG_OPTION, configSources } from '../config-file.ts';
import { outcome } from '../output.ts';

function stepText(step: Step): string {
  switch (step.kind) {
    case 'chmod':
      return `chmod ${step.mode.toString(8)} ${step.path === '' ? '.' : step.path}: ${step.why}`;
    case 'remove':
      return `removed ${step.path}: ${step.why}`;
    case 'rename':
      return `moved ${step.from} to ${step.to}: ${step.why}`;
    case 'publish-certificate':
      return `added the appliance certificate to trust.json: ${step.why}`;
    case 'tls-certificate':
      return `made tls/cert.pem and tls/key.pem: ${step.why}`;
    case 'settings':
      return `wrote appliance.json: ${step.why}`;
  }
}

const stepJson = (step: Step) =>
  step.kind === 'settings' ? { kind: step.kind, why: step.why } : { ...step };

const upgrade: Command = {
  group: 'upgrade',
  name: '',
  summary: 'migrate a data directory to this airlock’s data format (after a backup)',
  usage: '--data DIR [--backup FILE.tar | --no-backup] [--config FILE]',
  help: [
    `Brings a data directory written by an earlier airlock to data format ${DATA_FORMAT}, which this`,
    'airlock reads and writes; until then every other command refuses it (DATA_FORMAT_OLDER).',
    'It takes the ledger’s lock (stop `airlock serve` first), writes a backup beside the data',
    'directory (DIR-before-upgrade-TIME.tar, or --backup FILE; --no-backup skips it), applies',
    'each migration and records the upgrade in the audit trail. Each migration ends by writing',
    'the new format into appliance.json in one atomic step: interrupted, the directory is still',
    'of the old format, and running the command again finishes the work.',
    '',
    'With a ledger in PostgreSQL (the `ledger` setting) no journal is locked or copied: the',
    'backup names the database, the upgrade is audited there, and the database’s own schema is',
    'migrated by the nodes themselves when they open it.',
    '',
    'A directory already of this format is left as it is. One of a newer format is refused',
    '(DATA_FORMAT_NEWER): an airlock never downgrades a data directory.',
    'docs/OPERATIONS.md lists what each migration does.',
  ].join('\n'),
  options: {
    ...DATA_OPTION,
    ...CONFIG_OPTION,
    backup: { type: 'string', value: 'FILE.tar', help: 'where the backup goes (must not exist)' },
    'no-backup': { type: 'boolean', help: 'do not take a backup first' },
  },
  required: ['data'],
  async run(args, ctx) {
    const dir = args.required('data');
    // The serving settings decide the TLS certificate a migration may make (tls_hosts).
    const config = parseServeConfig(await configSources(dir, args.string('config'), {}, ctx));
    const result = await upgradeDataDir(dir, {
      now: ctx.now(),
      airlockVersion: airlockVersion(),
      backup: args.flag('no-backup') ? null : (args.string('backup') ?? undefined),
      tlsConfigured: config.tlsCert !== undefined,
      tlsHosts: config.tlsHosts,
      ledger: config.ledger,
    });
    const data = {
      dataDir: dir,
      from: result.from,
      to: result.to,
      changed: result.steps.length > 0,
      backup: result.backup,
      steps: result.steps.map(stepJson),
    };
    if (result.steps.length === 0) {
      return outcome(data, [`${dir} is already in data format ${result.to}: nothing to do.`]);
    }
    return outcome(data, [
      `Upgraded ${dir} from data format ${result.from} to ${result.to}.`,
      result.backup === null
        ? 'No backup was taken (--no-backup).'
        : `Backup of the old format: ${result.backup}`,
      ...result.steps.map((step) => `  ${stepText(step)}`),
    ]);
  },
};

export const upgradeCommands: CommandGroup = {
  name: 'upgrade',
  title: 'Site administrators: data format upgrades',
  commands: [upgrade],
};
