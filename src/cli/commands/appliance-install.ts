// `airlock appliance install | uninstall`: the standard installation on a Linux host (binary,
// settings, passphrase, data directory, systemd unit, system user), planned from what is there
// already and then applied; --dry-run shows the plan, --root lays it out below a directory.

import { isSea } from 'node:sea';
import { resolve } from 'node:path';
import { AirlockError } from '../../core/errors.ts';
import { readSetting } from '../../http/config.ts';
import { applyPlan } from '../../install/apply.ts';
import { hostFacts, installFacts } from '../../install/facts.ts';
import { STANDARD_LAYOUT } from '../../install/layout.ts';
import { planInstall, planUninstall } from '../../install/plan.ts';
import { describeStep, type Step, stepJson } from '../../install/steps.ts';
import { parseCommandArgs } from '../args.ts';
import type { Command } from '../command.ts';
import type { CliContext } from '../context.ts';
import { type Outcome, outcome, plural } from '../output.ts';
import { TLS_HOSTS_OPTION } from './appliance-tls.ts';

const layout = STANDARD_LAYOUT;
/** The bytes of a new passphrase: 256 bits, as hex text. */
const PASSPHRASE_BYTES = 32;

const ROOT_OPTION = {
  root: {
    type: 'string',
    value: 'DIR',
    help: 'lay the files out below DIR (a package’s tree): no user, owners or systemctl',
  },
} as const;
const DRY_RUN_OPTION = {
  'dry-run': { type: 'boolean', help: 'show the steps without taking them' },
} as const;

/** The single binary running this command, or undefined when airlock runs from its sources. */
function runningBinary(): string | undefined {
  return isSea() ? process.execPath : undefined;
}

const rootOf = (args: { string(name: string): string | undefined }) => {
  const root = args.string('root');
  return root === undefined ? undefined : resolve(root);
};

function where(root: string | undefined): string {
  return root === undefined ? 'this host' : root;
}

function planLines(steps: readonly Step[]): string[] {
  return steps.map((step, i) => `  ${i + 1}. ${describeStep(step)}`);
}

/** The outcome of a plan shown or applied, with what comes next. */
function planOutcome(
  verb: 'install' | 'uninstall',
  steps: readonly Step[],
  root: string | undefined,
  dryRun: boolean,
  extra: { data?: Record<string, unknown>; lines?: readonly string[]; next: readonly string[] },
): Outcome {
  const done = verb === 'install' ? 'installed as laid out' : 'not installed';
  const head =
    steps.length === 0
      ? `Airlock is ${done} on ${where(root)}: nothing to change.`
      : dryRun
        ? `airlock appliance ${verb} would take ${plural(steps.length, 'step')} on ${where(root)} (--dry-run: nothing was changed):`
        : `Took ${plural(steps.length, 'step')} on ${where(root)}:`;
  return outcome(
    {
      root: root ?? '/',
      dryRun,
      changed: !dryRun && steps.length > 0,
      steps: steps.map(stepJson),
      ...extra.data,
      next: extra.next,
    },
    [head, ...planLines(steps), ...(extra.lines ?? []), ...extra.next],
  );
}

/** The init command's own flags, for the data directory's initialisation. */
function initArgv(args: { string(name: string): string | undefined }, tlsHosts: readonly string[]) {
  const vendor = args.string('vendor');
  const trust = args.string('trust');
  return [
    ...(vendor === undefined ? [] : ['--vendor', vendor]),
    ...(trust === undefined ? [] : ['--trust', trust]),
    ...(tlsHosts.length === 0 ? [] : ['--tls-hosts', tlsHosts.join(',')]),
  ];
}

function hexOf(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

export function installCommands(init: Command): Command[] {
  const install: Command = {
    group: 'appliance',
    name: 'install',
    summary: 'install the binary as a systemd service on this Linux host',
    usage:
      '[--binary PATH] [--root DIR] [--trust FILE|DIR | --vendor DIR] [--tls-hosts NAMES] [--no-init] [--dry-run]',
    help: [
      `Lays out the standard installation: the binary at ${layout.binary}, the settings at`,
      `${layout.configFile} (written once, never overwritten), a new passphrase at`,
      `${layout.passphraseFile} (mode 0600) that seals the appliance's keys, the data directory`,
      `${layout.dataDir} (0700), initialised with \`airlock appliance init\` when empty, the`,
      `system user "${layout.user}" that owns both, and the sandboxed unit ${layout.unitFile}.`,
      'It changes only what differs: a second run changes nothing and says so. It does not start',
      'the service; it prints the command that does (systemctl enable --now airlock).',
      '',
      '--binary names the file to install; the single binary installs itself by default.',
      '--trust and --vendor choose the mode of a new data directory, as for `appliance init`.',
      '--root DIR lays the files out below DIR (for a package, or to look at them): no user is',
      'made, no owner set and systemctl is not run; --no-init leaves out the passphrase and the',
      "data directory's initialisation (a package's tree must not hold keys). Needs root",
      'otherwise. --dry-run shows the steps without taking them.',
    ].join('\n'),
    options: {
      binary: { type: 'string', value: 'PATH', help: 'the airlock binary to install' },
      ...ROOT_OPTION,
      vendor: { type: 'string', value: 'DIR', help: 'a new data directory: standalone with it' },
      trust: { type: 'string', value: 'FILE|DIR', help: 'a new data directory: delegated' },
      ...TLS_HOSTS_OPTION,
      'no-init': { type: 'boolean', help: 'no passphrase, no initialised data directory' },
      ...DRY_RUN_OPTION,
    },
    async run(args, ctx) {
      const root = rootOf(args);
      const dryRun = args.flag('dry-run');
      const source = args.string('binary') ?? runningBinary();
      if (source === undefined) {
        throw new AirlockError(
          'USAGE',
          'This airlock runs from its sources, not as the single binary: give the binary to install with --binary PATH (npm run build:binary makes dist/airlock).',
        );
      }
      const given = args.string('tls-hosts');
      const flagged =
        given === undefined
          ? undefined
          : readSetting('tls_hosts', { flags: { tls_hosts: given }, env: {} });
      const facts = await installFacts(layout, root, resolve(source));
      const tlsHosts = flagged ?? facts.settings?.tlsHosts ?? [];
      const steps = planInstall(facts, {
        layout,
        init: !args.flag('no-init'),
        tlsHosts,
        newPassphrase: hexOf(ctx.random(PASSPHRASE_BYTES)),
      });
      const initCommand = (dir: string, passphrase: string) =>
        runInit(init, ['--data', dir, ...initArgv(args, tlsHosts)], { ...ctx, passphrase });
      const initialised = dryRun
        ? undefined
        : await applyPlan(steps, { root, initData: initCommand });
      const changedUnit = steps.some((s) => s.kind === 'write-file' && s.path === layout.unitFile);
      const changedBinary = steps.some((s) => s.kind === 'copy-binary');
      const next =
        root !== undefined
          ? steps.length === 0
            ? []
            : ['Below --root no system user is made, no owner is set and systemctl is not run.']
          : [
              ...(facts.serviceActive && (changedUnit || changedBinary) && !dryRun
                ? ['Restart the service to run what changed: systemctl restart airlock']
                : []),
              ...(!facts.serviceActive
                ? [
                    facts.systemd
                      ? 'Start the service, now and at every boot: systemctl enable --now airlock'
                      : `This host does not run systemd: start \`${layout.binary} serve --data ${layout.dataDir} --config ${layout.configFile}\` as the user ${layout.user} another way.`,
                  ]
                : []),
              `Check it: airlock health --data ${layout.dataDir} --config ${layout.configFile}`,
            ];
      return planOutcome('install', steps, root, dryRun, {
        data: { init: initialised?.data ?? null },
        lines:
          initialised === undefined
            ? []
            : ['The data directory was initialised:', ...indent(initialised.text)],
        next,
      });
    },
  };

  const uninstall: Command = {
    group: 'appliance',
    name: 'uninstall',
    summary: 'remove the installed binary and unit (with --purge --yes, the data too)',
    usage: '[--root DIR] [--purge --yes] [--dry-run]',
    help: [
      `Removes ${layout.binary} and ${layout.unitFile}, and keeps the settings`,
      `(${layout.configDir}) and the data directory (${layout.dataDir}) for a later install.`,
      '--purge removes them too, which destroys the appliance keys and its ledger of activations:',
      'it needs --yes as well. The system user is kept (userdel airlock removes it). The service',
      'must be stopped first: systemctl disable --now airlock. --root and --dry-run as for',
      'install.',
    ].join('\n'),
    options: {
      ...ROOT_OPTION,
      purge: { type: 'boolean', help: 'remove the settings and the data directory too' },
      yes: { type: 'boolean', help: 'with --purge: yes, destroy the keys and the ledger' },
      ...DRY_RUN_OPTION,
    },
    async run(args) {
      const root = rootOf(args);
      const dryRun = args.flag('dry-run');
      const purge = args.flag('purge');
      if (args.flag('yes') && !purge) {
        throw new AirlockError(
          'USAGE',
          '--yes goes with --purge. See `airlock appliance uninstall --help`.',
        );
      }
      const facts = await hostFacts(layout, root);
      const steps = planUninstall(facts, { layout, purge, yes: args.flag('yes') });
      if (!dryRun) await applyPlan(steps, { root, initData: async () => undefined });
      const kept = purge
        ? []
        : [layout.configDir, layout.dataDir].filter((path) => facts.paths.has(path));
      return planOutcome('uninstall', steps, root, dryRun, {
        data: { kept },
        next: [
          ...(kept.length === 0
            ? []
            : [
                `Kept ${kept.join(' and ')}: a later install uses them; --purge --yes removes them.`,
              ]),
          ...(root === undefined && facts.userExists
            ? [`The system user ${layout.user} is kept (userdel ${layout.user} removes it).`]
            : []),
        ],
      });
    },
  };

  return [install, uninstall];
}

function indent(text: string): string[] {
  return text
    .trimEnd()
    .split('\n')
    .map((line) => `  ${line}`);
}

/** Runs `airlock appliance init` with these arguments, as the command line would. */
function runInit(init: Command, argv: readonly string[], ctx: CliContext): Promise<Outcome> {
  const args = parseCommandArgs(argv, {
    command: 'airlock appliance init',
    options: init.options,
    ...(init.required ? { required: init.required } : {}),
  });
  return init.run(args, ctx);
}
