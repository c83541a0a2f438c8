// `airlock vendor revoke | publish-revocations | verify-report`: the vendor's side of revocations
// (DESIGN flow 6) and of usage reports (flow 7), over the vendor directory's register and log.

import { AirlockError } from '../../core/errors.ts';
import { MAX_REPORT_BYTES } from '../../core/formats/usage-report.ts';
import { formatId } from '../../core/ids.ts';
import { readFileBounded } from '../../node/atomic-file.ts';
import { acceptReport, type ReportVerdict } from '../../vendor/report-log.ts';
import { REVOCATIONS_FILE } from '../../vendor/revocation-register.ts';
import { publish, revoke } from '../../vendor/revocations.ts';
import { openVendor } from '../../vendor/vendor-dir.ts';
import type { Command } from '../command.ts';
import { outcome, plural, relative, rows, when } from '../output.ts';
import { parseDuration } from '../time.ts';

const VENDOR = { type: 'string', value: 'DIR', help: 'the vendor directory' } as const;
const DEFAULT_NEXT_UPDATE = '30d';

export const revokeCommand: Command = {
  group: 'vendor',
  name: 'revoke',
  summary: 'revoke a license or an appliance certificate (in the next bundle)',
  usage: 'LICENSE_ID|CERT_ID --vendor DIR --reason TEXT',
  help: [
    `Records the revocation of a license (lic_…) or of an appliance certificate (crt_…, which`,
    '`airlock appliance info` shows) in DIR/revocations.json. Nothing leaves the vendor directory',
    'until `airlock vendor publish-revocations` signs a bundle for appliances and machines.',
    '',
    '--reason is one of the reasons bundles carry (docs/FORMATS.md §11): unspecified,',
    'key-compromise, lost-or-stolen, retired, superseded, non-payment, fraud. Any other text is',
    'kept as a note in the register, and bundles carry the reason unspecified. Revoking the same',
    'ID again changes nothing: the first revocation stands.',
    '',
    'Example: airlock vendor revoke lic_0123456789abcdef --vendor ./vendor --reason lost-or-stolen',
  ].join('\n'),
  options: {
    vendor: VENDOR,
    reason: { type: 'string', value: 'TEXT', help: 'a reason name, or a note' },
  },
  required: ['vendor', 'reason'],
  positionals: ['LICENSE_ID|CERT_ID'],
  async run(args, ctx) {
    const dir = args.required('vendor');
    const result = await revoke(dir, args.positionals[0]!, {
      reason: args.required('reason'),
      now: ctx.now(),
    });
    const { entry } = result;
    const what = result.kind === 'license' ? 'License' : 'Appliance certificate';
    const why = `${entry.reason}${entry.note === undefined ? '' : `: ${entry.note}`}`;
    return outcome(
      {
        outcome: result.outcome,
        kind: result.kind,
        id: entry.id,
        revokedAt: entry.revokedAt,
        reason: entry.reason,
        note: entry.note ?? null,
        published: entry.published,
      },
      result.outcome === 'revoked'
        ? [
            `${what} ${entry.id} is revoked (${why}).`,
            `Machines learn of it from the next bundle: airlock vendor publish-revocations --vendor ${dir} --out FILE`,
          ]
        : [
            `${what} ${entry.id} was already revoked on ${when(entry.revokedAt)} (${why}); nothing changed.`,
            entry.published === null
              ? 'It is not in a published bundle yet.'
              : `It is in bundles from sequence ${entry.published} on.`,
          ],
    );
  },
};

export const publishRevocations: Command = {
  group: 'vendor',
  name: 'publish-revocations',
  summary: 'sign the next revocation bundle, full or a delta, into a file',
  usage: '--vendor DIR --out FILE [--delta-since SEQ] [--next-update 30d]',
  help: [
    `Signs a vendor revocation bundle with the root key: every license and certificate revoked in`,
    `DIR/${REVOCATIONS_FILE}, with the next sequence number (sequences are never reused, even when`,
    'writing FILE fails). Copy FILE to a USB stick: appliances and `airlock client',
    'import-revocations` take it, and refuse one older than what they hold.',
    '',
    '--delta-since SEQ makes a delta: only what was revoked since bundle SEQ, for machines that',
    'hold SEQ (others refuse it and need a full bundle). --next-update says when a newer bundle is',
    `due (default ${DEFAULT_NEXT_UPDATE}); past it, clients warn that their revocations are stale.`,
    '',
    'Example: airlock vendor publish-revocations --vendor ./vendor --out /media/usb/vendor.bundle',
  ].join('\n'),
  options: {
    vendor: VENDOR,
    out: { type: 'string', value: 'FILE', help: 'where to write the bundle (replaced atomically)' },
    'delta-since': {
      type: 'string',
      value: 'SEQ',
      help: 'a delta onto this published sequence (default: full)',
    },
    'next-update': {
      type: 'string',
      value: 'DURATION',
      help: `when a newer bundle is due: 30d, 12h, 1y (default ${DEFAULT_NEXT_UPDATE})`,
    },
  },
  required: ['vendor', 'out'],
  async run(args, ctx) {
    const sinceText = args.string('delta-since');
    if (sinceText !== undefined && !/^[1-9]\d{0,9}$/.test(sinceText.trim())) {
      throw new AirlockError('USAGE', '--delta-since takes a bundle sequence number (1 or more).');
    }
    const nextUpdateSeconds = parseDuration(
      args.string('next-update') ?? DEFAULT_NEXT_UPDATE,
      '--next-update',
    );
    const vendor = await openVendor(args.required('vendor'), { passphrase: ctx.passphrase });
    const now = ctx.now();
    const result = await publish(vendor, {
      now,
      nextUpdateSeconds,
      deltaSince: sinceText === undefined ? undefined : Number(sinceText),
      out: args.required('out'),
    });
    const c = result.counts;
    return outcome(
      {
        sequence: result.sequence,
        scope: result.scope,
        baseSequence: result.baseSequence,
        issuedAt: result.issuedAt,
        nextUpdate: result.nextUpdate,
        counts: result.counts,
        bytes: result.bytes.length,
        out: result.out,
      },
      [
        `Published revocation bundle ${result.sequence} (${result.scope === 'full' ? 'full' : `delta onto ${result.baseSequence}`}): ${plural(c.licenses, 'license')} and ${plural(c.certificates, 'appliance certificate')} revoked.`,
        ...rows([
          ['written to', `${result.out} (${plural(result.bytes.length, 'byte')})`],
          ['next update', `${when(result.nextUpdate)} (${relative(result.nextUpdate, now)})`],
        ]),
        result.scope === 'delta'
          ? `Only machines holding bundle ${result.baseSequence} can import it; others need a full bundle.`
          : 'On a machine: airlock client import-revocations FILE --store DIR --trust FILE|DIR',
      ],
    );
  },
};

const VERDICT_TEXT: Readonly<Record<Exclude<ReportVerdict, 'rolled-back'>, string>> = {
  first: 'first report of this appliance: recorded',
  forward: 'moves forward from the last report seen: recorded',
  'forward-gap':
    'forward, but a report in between was not seen (its previous report is not the last one seen): recorded',
  unchanged: 'unchanged: the same ledger checkpoint as the last report seen',
  earlier: 'an earlier report, seen before; the last one seen stays recorded',
};

export const verifyReport: Command = {
  group: 'vendor',
  name: 'verify-report',
  summary: "verify an appliance's signed usage report; catch a rolled-back ledger",
  usage: 'FILE --vendor DIR',
  help: [
    "Verifies a usage report an appliance exported (its certificate chained to this vendor's root",
    'key, its signature over the exact file) and prints the seats used per license.',
    '',
    `Then compares the appliance's ledger checkpoint with the last report seen of it (kept in`,
    'DIR/reports.json): "first report", "moves forward", "unchanged", or "forward, but a report in',
    'between was not seen". A ledger behind the last report seen, or one that does not know of',
    'it, was restored from an older copy: ROLLED BACK, exit status 6 (REPORT_ROLLBACK). Only a',
    'report that moves forward (or is the first) is recorded.',
    '',
    'Example: airlock vendor verify-report /media/usb/usage-report.json --vendor ./vendor',
  ].join('\n'),
  options: { vendor: VENDOR },
  required: ['vendor'],
  positionals: ['FILE'],
  async run(args, ctx) {
    const bytes = await readFileBounded(args.positionals[0]!, MAX_REPORT_BYTES, 'usage report');
    const now = ctx.now();
    const accepted = await acceptReport(args.required('vendor'), bytes, { now });
    const { report, verdict, lastSeen, certificateRevoked } = accepted;
    const certificateId = formatId('certificate', report.certificate.certificateId);
    const licenseRows = report.licenses.map(
      (l) =>
        [
          l.licenseId,
          `${l.product}: ${l.seatsUsed} of ${l.seats === 0 ? 'unlimited' : l.seats} seats used, ${plural(l.activations, 'active activation')}`,
        ] as const,
    );
    const revocations = report.revocations;
    return outcome(
      {
        applianceId: report.applianceId,
        certificateId,
        issuedAt: report.issuedAt,
        ledger: report.ledger,
        previous: report.previous,
        licenses: report.licenses,
        revocations,
        verdict,
        lastSeen:
          lastSeen === null ? null : { ledger: lastSeen.ledger, issuedAt: lastSeen.issuedAt },
        recorded: accepted.recorded,
        certificateRevoked:
          certificateRevoked === null
            ? null
            : { revokedAt: certificateRevoked.revokedAt, reason: certificateRevoked.reason },
      },
      [
        `Usage report of appliance ${report.applianceId} (certificate ${certificateId}), issued ${when(report.issuedAt)}: signature valid.`,
        ...(licenseRows.length === 0 ? ['  no licenses'] : rows(licenseRows)),
        ...rows([
          ['ledger', `record ${report.ledger.seq}, ${report.ledger.hash}`],
          [
            'revocations',
            `vendor bundle ${revocations.vendorSequence ?? 'none'}, site bundle ${revocations.siteSequence ?? 'none'}`,
          ],
        ]),
        `Ledger: ${VERDICT_TEXT[verdict]}${lastSeen === null ? '' : ` (last seen: record ${lastSeen.ledger.seq}, in the report issued ${when(lastSeen.issuedAt)})`}.`,
        ...(certificateRevoked === null
          ? []
          : [
              `Warning: this appliance's certificate was revoked on ${when(certificateRevoked.revokedAt)} (${certificateRevoked.reason}).`,
            ]),
      ],
    );
  },
};
