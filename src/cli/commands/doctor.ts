// `airlock doctor --data DIR`: checks an installation (permissions, certificates and their expiry,
// revocation data, disk space, the clock, the ledger's lock and chain, the configuration) and says
// what to fix. Exit code 7 when a check fails; warnings alone exit 0. docs/OPERATIONS.md.

import { AirlockError } from '../../core/errors.ts';
import { parseServeConfig } from '../../http/config.ts';
import { buildInfo } from '../../node/build-info.ts';
import { diagnose, type Finding } from '../../ops/doctor.ts';
import { gatherFacts, type GatherOptions } from '../../ops/doctor-gather.ts';
import { DATA_OPTION } from '../appliance-session.ts';
import type { Command, CommandGroup } from '../command.ts';
import { CONFIG_OPTION, configSources } from '../config-file.ts';
import type { CliContext } from '../context.ts';
import { outcome, plural } from '../output.ts';

/** A build from the sources has no build time: it cannot predate the code of this check. */
const EARLIEST_BUILD = Date.UTC(2026, 11, 1) / 1000;
/** The exit code when a check fails: the family of local files and environment. */
const EXIT_FAILED = 7;

async function configOf(
  dir: string,
  named: string | undefined,
  ctx: CliContext,
): Promise<GatherOptions['config']> {
  try {
    const sources = await configSources(dir, named, {}, ctx);
    const serve = parseServeConfig(sources);
    return sources.file === undefined
      ? { kind: 'none', serve }
      : { kind: 'valid', path: sources.file.path, serve };
  } catch (error) {
    if (error instanceof AirlockError && error.code === 'CONFIG_INVALID') {
      return { kind: 'invalid', problem: error.message };
    }
    throw error;
  }
}

function builtAt(): number {
  const built = buildInfo().builtAt;
  const seconds = built === undefined ? Number.NaN : Math.floor(Date.parse(built) / 1000);
  return Number.isFinite(seconds) ? seconds : EARLIEST_BUILD;
}

function lines(findings: readonly Finding[]): string[] {
  const width = Math.max(...findings.map((f) => f.check.length));
  return findings.flatMap((f) => [
    `  ${f.status.padEnd(4)}  ${f.check.padEnd(width)}  ${f.message}`,
    ...(f.fix === undefined ? [] : [`  ${' '.repeat(4 + 2 + width)}  fix: ${f.fix}`]),
  ]);
}

const doctor: Command = {
  group: 'doctor',
  name: '',
  summary: 'check an installation and say what to fix',
  usage: '--data DIR [--config FILE] [--full]',
  help: [
    'Checks, without changing anything and beside a running `airlock serve`: the data format;',
    'file permissions (private files 0600, no folder writable by others, everything owned by the',
    'user running airlock); the TLS certificate and the appliance certificate and their expiry',
    '(warns 30 days ahead, fails once expired); how current the vendor’s revocation bundle is;',
    'free disk space (warns under 1 GiB or 5 %); the clock (not before the build, nor before the',
    'ledger’s last record); the ledger’s lock (a live holder, or one left by a crash); the',
    'configuration file; the ledger’s chain (its segment boundaries and last segment; --full',
    'verifies every record); unsealed private keys.',
    '',
    'Each check is ok, warn or fail, with a sentence and the fix. Exit code 7 when one fails.',
  ].join('\n'),
  options: {
    ...DATA_OPTION,
    ...CONFIG_OPTION,
    full: { type: 'boolean', help: 'verify every record of the ledger' },
  },
  required: ['data'],
  async run(args, ctx) {
    const dir = args.required('data');
    const findings = diagnose(
      await gatherFacts(dir, {
        now: ctx.now(),
        builtAt: builtAt(),
        config: await configOf(dir, args.string('config'), ctx),
        full: args.flag('full'),
      }),
    );
    const count = (status: Finding['status']) => findings.filter((f) => f.status === status).length;
    const failed = count('fail');
    const warned = count('warn');
    const summary =
      failed === 0 && warned === 0
        ? 'Everything checked is in order.'
        : `${plural(failed, 'check')} failed, ${plural(warned, 'warning')}${failed > 0 ? ': fix the failures first.' : '.'}`;
    return {
      ...outcome({ dataDir: dir, ok: failed === 0, failed, warnings: warned, findings }, [
        `airlock doctor: ${dir}`,
        ...lines(findings),
        summary,
      ]),
      ...(failed > 0 ? { exitCode: EXIT_FAILED } : {}),
    };
  },
};

export const doctorCommands: CommandGroup = {
  name: 'doctor',
  title: 'Site administrators: check an installation',
  commands: [doctor],
};
