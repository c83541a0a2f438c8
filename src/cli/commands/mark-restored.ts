// `airlock ledger mark-restored --data DIR [--since TIME]`: after a PostgreSQL ledger was put back
// from an older dump, one record moves activation IDs and site bundle sequences past what the
// nodes can have handed out since (src/ops/mark-restored.ts). docs/OPERATIONS.md.

import { AirlockError } from '../../core/errors.ts';
import { formatActivationId } from '../../core/ids.ts';
import { airlockVersion } from '../../node/build-info.ts';
import { markLedgerRestored } from '../../ops/mark-restored.ts';
import { DATA_OPTION, withAppliance } from '../appliance-session.ts';
import type { Command } from '../command.ts';
import { ledgerSetting } from '../config-file.ts';
import { outcome, when } from '../output.ts';
import { parseSince } from '../time.ts';

export const markRestored: Command = {
  group: 'ledger',
  name: 'mark-restored',
  summary: 'after a PostgreSQL ledger was restored from a dump: move its counters on',
  usage: '--data DIR [--since TIME]',
  help: [
    'For an appliance whose ledger is in PostgreSQL, once the database was put back from an',
    'older dump (pg_restore, psql): the nodes went on after the dump and handed out activation IDs',
    'and site bundle sequences that machines hold but the database lost. This appends one',
    'appliance.restored record, as `airlock restore` does for a file ledger: activation IDs jump',
    'by 2^20 plus one a second since the dump, site bundle sequences by 10 000 plus one a minute.',
    '',
    'Run it once, from any node’s data directory, before the nodes serve again. --since is when',
    'the dump was taken (a date, UTC, or a time ago such as -2d); without it, the time of the',
    'ledger’s last record, which is no later than the dump, so the jump is at least as large.',
  ].join('\n'),
  options: {
    ...DATA_OPTION,
    since: { type: 'string', value: 'TIME', help: 'when the dump was taken (default: see above)' },
  },
  required: ['data'],
  async run(args, ctx) {
    const dir = args.required('data');
    if ((await ledgerSetting(dir, ctx)) === undefined) {
      throw new AirlockError(
        'USAGE',
        `The ledger of ${dir} is its own journal, not PostgreSQL: \`airlock restore\` records a restore of it by itself.`,
      );
    }
    const since = args.string('since');
    const marked = await withAppliance(args, ctx, 'airlock ledger mark-restored', (open) =>
      markLedgerRestored(open.ledger, {
        now: ctx.now(),
        airlockVersion: airlockVersion(),
        dumpTakenAt: since === undefined ? undefined : parseSince(since, ctx.now()),
      }),
    );
    const ids = marked.lastActivationId;
    return outcome(
      {
        ledger: marked.head,
        since: marked.since,
        elapsed: marked.elapsed,
        lastActivationId: {
          from: formatActivationId(ids.from),
          to: formatActivationId(ids.to),
        },
        siteSequence: marked.siteSequence,
      },
      [
        `Recorded as ledger record ${marked.head.seq}: activation IDs go on after ${formatActivationId(ids.to)} (was ${formatActivationId(ids.from)}), site bundles after ${marked.siteSequence.to} (was ${marked.siteSequence.from}), counted from ${when(marked.since)}.`,
      ],
    );
  },
};
