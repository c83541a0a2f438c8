// `airlock sync import|export|status --data DIR`: revocations and reports by USB stick. Import
// takes the vendor's bundles (a file, or every *.revocations file in a folder, checked against
// the manifests beside them); export writes this appliance's site bundle and usage report.

import { assertNoNewerExport, readOffered, writeExport } from '../../appliance/sync-folder.ts';
import { DATA_OPTION, withAppliance } from '../appliance-session.ts';
import type { Command, CommandGroup } from '../command.ts';
import { outcome, plural, when } from '../output.ts';

const OUTCOME_WORDS = {
  applied: 'applied',
  unchanged: 'already held',
  superseded: 'skipped: a newer full bundle is beside it',
  'not for this appliance': 'skipped: a site bundle, for isolated machines',
} as const;

const importBundles: Command = {
  group: 'sync',
  name: 'import',
  summary: 'import the vendor’s revocation bundles from a file or a USB folder',
  usage: 'PATH --data DIR',
  help: [
    'PATH is a bundle file, or a folder (a mounted USB stick): then every *.revocations file at its',
    'top is read, and checked against the airlock-sync-*.json manifests beside it. Every vendor',
    'bundle is verified (signature chain to the vendor root, issue time, a sequence newer than the',
    'one held, deltas onto exactly their base) and all are applied together, or none: a refused',
    'bundle changes nothing and says why. The same bundle again changes nothing.',
  ].join('\n'),
  options: DATA_OPTION,
  required: ['data'],
  positionals: ['PATH'],
  async run(args, ctx) {
    const offered = await readOffered(args.positionals[0]!);
    return withAppliance(args, ctx, 'airlock sync import', async ({ appliance }) => {
      const progress = ctx.progress('importing');
      const bundles = await appliance
        .importBundles(offered, (done, total) => progress.update(done, total))
        .finally(() => progress.finish());
      const status = appliance.revocationStatus();
      return outcome({ bundles, vendor: status.vendor }, [
        bundles.length === 0
          ? `No revocation bundle was found in ${args.positionals[0]}.`
          : `${plural(bundles.length, 'bundle')} read:`,
        ...bundles.map(
          (b) =>
            `  ${b.name}: ${b.stream} ${b.scope} bundle ${b.sequence}, ${OUTCOME_WORDS[b.outcome]}`,
        ),
        status.vendor
          ? `The vendor's revocations held: bundle ${status.vendor.sequence}, next update due ${when(status.vendor.nextUpdate)}.`
          : 'No vendor revocations are held yet.',
      ]);
    });
  },
};

const exportFolder: Command = {
  group: 'sync',
  name: 'export',
  summary: 'write the site bundle and the usage report to a USB folder',
  usage: 'DIR --data DIR',
  help: [
    'Writes into DIR (a mounted USB stick) a new site revocation bundle for isolated machines (the',
    'site’s revocations and the vendor’s it holds, signed by this appliance), a usage report for',
    'the vendor (seats used per license, signed, with the ledger’s checkpoint), and a manifest with',
    'the hash of each. Files are written atomically, the manifest last; an older export of this',
    'appliance there is replaced, a newer one never. Isolated machines import the bundle with',
    '`airlock client import-revocations`; the vendor checks the report with',
    '`airlock vendor verify-report`.',
  ].join('\n'),
  options: DATA_OPTION,
  required: ['data'],
  positionals: ['DIR'],
  async run(args, ctx) {
    const dir = args.positionals[0]!;
    return withAppliance(
      args,
      ctx,
      'airlock sync export',
      async ({ identity, appliance, ledger }) => {
        await assertNoNewerExport(dir, identity.applianceId, {
          siteSequence: appliance.revocationStatus().siteSequence + 1,
          ledgerSeq: ledger.head.seq,
        });
        const exported = await appliance.exportSync();
        const { manifest, paths } = await writeExport(dir, identity.applianceId, exported);
        return outcome({ manifest, paths }, [
          `Exported site bundle ${exported.siteSequence} and a usage report (ledger record ${exported.checkpoint.seq}) to ${dir}:`,
          ...paths.map((p) => `  ${p}`),
        ]);
      },
    );
  },
};

const status: Command = {
  group: 'sync',
  name: 'status',
  summary: 'which revocation bundles the appliance holds, and whether they are stale',
  usage: '--data DIR',
  help: 'The vendor bundle held (sequence, next update), the last site bundle and the last export.',
  options: DATA_OPTION,
  required: ['data'],
  async run(args, ctx) {
    return withAppliance(args, ctx, 'airlock sync status', async ({ appliance }) => {
      const s = appliance.revocationStatus();
      return outcome({ ...s }, [
        s.vendor
          ? `Vendor revocations: bundle ${s.vendor.sequence}, issued ${when(s.vendor.issuedAt)}, next update ${when(s.vendor.nextUpdate)}${s.vendor.stale ? ' (STALE: import the vendor’s latest bundle)' : ''}.`
          : 'Vendor revocations: none imported yet.',
        // After a restore the sequence has jumped past the replaced appliance's: say what comes next.
        s.siteSequence === 0
          ? 'Site bundle: none exported yet.'
          : `Site bundle: the next export is bundle ${s.siteSequence + 1}${s.lastExport === null ? '' : ` (the last export was at ledger record ${s.lastExport.seq})`}.`,
      ]);
    });
  },
};

export const syncCommands: CommandGroup = {
  name: 'sync',
  title: 'Site administrators: revocations and reports by USB stick',
  commands: [importBundles, exportFolder, status],
};
