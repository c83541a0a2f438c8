// `airlock client status | import-revocations`: whether this machine may run the product now, and
// the revocation bundles that can change the answer.

import { fromHex } from '../../core/bytes.ts';
import { exitCodeOf } from '../../core/errors.ts';
import { MAX_BUNDLE_BYTES } from '../../core/formats/revocation-bundle.ts';
import { formatId } from '../../core/ids.ts';
import { readFileBounded } from '../../node/atomic-file.ts';
import type { Status } from '../../sdk/status.ts';
import type { Command } from '../command.ts';
import { list, outcome, plural, relative, rows, span, when } from '../output.ts';
import { parseDuration } from '../time.ts';
import { openClient, STORE, TRUST } from './client-options.ts';

function statusLines(status: Status, now: number): string[] {
  const lines = [
    status.valid ? `Valid. ${status.message}` : `Not valid. ${status.message} (${status.code})`,
  ];
  const pairs: [string, string][] = [];
  if (status.license) {
    const l = status.license;
    pairs.push([
      'license',
      `${l.id} (${l.product}, ${l.type}, ${l.expiresAt === null ? 'does not expire' : `expires ${when(l.expiresAt)}`})`,
    ]);
  }
  if (status.valid) pairs.push(['features', list(status.features)]);
  if (status.activation) {
    const a = status.activation;
    pairs.push(['activation', `${a.id} from appliance ${a.applianceId}`]);
    pairs.push([
      'lease',
      a.leaseEndsAt === null
        ? 'none: lasts as long as the license'
        : `ends ${when(a.leaseEndsAt)} (${relative(a.leaseEndsAt, now)})`,
    ]);
    if (a.graceEndsAt !== null && a.graceEndsAt !== a.leaseEndsAt) {
      pairs.push(['grace', `until ${when(a.graceEndsAt)} (${relative(a.graceEndsAt, now)})`]);
    }
    const r = status.renewal;
    if (r.dueAt !== null) {
      const window = `${span(r.windowSeconds ?? 0)} before the lease ends`;
      pairs.push([
        'renewal',
        r.due
          ? `due since ${when(r.dueAt)} (${relative(r.dueAt, now)}): make a new challenge for this license`
          : `due ${when(r.dueAt)} (${relative(r.dueAt, now)}; ${window})`,
      ]);
    }
  }
  if (pairs.length > 0) lines.push(...rows(pairs));
  for (const warning of status.warnings)
    lines.push(`Warning: ${warning.message} (${warning.code})`);
  return lines;
}

export const status: Command = {
  group: 'client',
  name: 'status',
  summary: 'say whether this machine may run the product, with features, lease and warnings',
  usage: '--store DIR --trust FILE|DIR [--renew-within DURATION]',
  help: [
    'Re-checks the stored activation: signatures, this machine, revocations, license expiry,',
    'lease and grace, and the clock (set back = CLOCK_ROLLBACK). Exits 0 when valid; otherwise',
    'with the exit code of the reason, whose code and message are printed (with --json, the status',
    'object and an "error" member). Within the renewal window before the lease ends, it says',
    '"renewal due" (--json: "renewal": { "due", "dueAt", "windowSeconds" }): renew by making a new',
    'challenge for the same license, which keeps the seat. The window is a quarter of the lease,',
    'at most 7 days, unless --renew-within sets it (30d, 12h, 90m; at least 1 minute).',
  ].join('\n'),
  options: {
    store: STORE,
    trust: TRUST,
    'renew-within': {
      type: 'string',
      value: 'DURATION',
      help: 'ask for renewal this long before the lease ends (default: lease/4, at most 7d)',
    },
  },
  required: ['store', 'trust'],
  async run(args, ctx) {
    const within = args.string('renew-within');
    const client = await openClient(args, ctx, {
      ...(within === undefined
        ? {}
        : { renewWithinSeconds: parseDuration(within, '--renew-within') }),
    });
    const result = await client.status();
    const code = result.code === 'VALID' ? undefined : result.code;
    return {
      ...outcome(
        {
          ...result,
          ...(code === undefined ? {} : { error: { code, message: result.message } }),
        },
        statusLines(result, ctx.now()),
      ),
      ...(code === undefined ? {} : { exitCode: exitCodeOf(code) }),
    };
  },
};

export const importRevocations: Command = {
  group: 'client',
  name: 'import-revocations',
  summary: 'import a signed revocation bundle (from a USB stick)',
  usage: 'FILE --store DIR --trust FILE|DIR',
  help: [
    'Verifies a vendor or site revocation bundle in full (signature chained to a trusted vendor',
    'key, issue time, sequence) and keeps it; a bundle older than the one held is refused',
    '(BUNDLE_ROLLBACK) and nothing is changed.',
  ].join('\n'),
  options: { store: STORE, trust: TRUST },
  required: ['store', 'trust'],
  positionals: ['FILE'],
  async run(args, ctx) {
    const bytes = await readFileBounded(
      args.positionals[0]!,
      MAX_BUNDLE_BYTES,
      'revocation bundle',
    );
    const client = await openClient(args, ctx);
    const result = await client.importRevocations(bytes);
    // A site stream is "site:" and the appliance ID in hex; people know it as apl_….
    const from =
      result.stream === 'vendor'
        ? 'the vendor'
        : `site appliance ${formatId('appliance', fromHex(result.stream.slice('site:'.length))!)}`;
    const c = result.counts;
    return outcome(
      {
        outcome: result.outcome,
        stream: result.stream,
        sequence: result.sequence,
        scope: result.scope,
        counts: result.counts,
        nextUpdate: result.nextUpdate,
      },
      [
        result.outcome === 'applied'
          ? `Imported revocation bundle ${result.sequence} from ${from} (${result.scope}): ${plural(c.licenses, 'license')}, ${plural(c.activations, 'activation')} and ${plural(c.certificates, 'appliance certificate')} revoked.`
          : `Revocation bundle ${result.sequence} from ${from} was already imported; nothing changed.`,
        `The next bundle is due by ${when(result.nextUpdate)} (${relative(result.nextUpdate, ctx.now())}).`,
      ],
    );
  },
};
