// `airlock audit --data DIR [--since DATE|-7d] [--alerts]`: the audit trail from the ledger — admin
// actions, refusals and alerts, with who, what, from where and the result. Read-only: it runs beside
// a serving appliance, and each entry is covered by the ledger's hash chain (`airlock ledger verify`).

import type { AuditEvent } from '../../appliance/events.ts';
import { ledgerRecords } from '../../appliance/ledger-readers.ts';
import { DATA_OPTION } from '../appliance-session.ts';
import { ledgerSetting } from '../config-file.ts';
import type { Command, CommandGroup } from '../command.ts';
import { outcome, plural, when } from '../output.ts';
import { table } from '../table.ts';
import type { Paint } from '../terminal.ts';
import { parseSince } from '../time.ts';

/** Entries printed at most (the newest); --json gives them all. */
const SHOWN = 200;

function row(e: AuditEvent, paint: Paint): string[] {
  const what =
    e.result === 'alert'
      ? paint('yellow', `ALERT ${e.detail ?? e.action}`)
      : `${e.action}${e.detail !== undefined ? ` (${e.detail})` : ''}`;
  const result =
    e.result === 'refused'
      ? paint('red', `refused ${e.status ?? ''} ${e.code ?? ''}`.trim())
      : e.result;
  return [when(e.at), e.actor ?? '-', e.ip ?? '-', result, what];
}

const audit: Command = {
  group: 'audit',
  name: '',
  summary: 'show the audit trail: admin actions, refusals, alerts',
  usage: '--data DIR [--since DATE|-7d] [--alerts]',
  help: [
    'Reads the ledger’s audit records (written by the HTTP API): every admin action and every',
    'refusal, with the user or token, the client address and the result, and the alerts raised',
    '(many machines on one license, many refusals from one address, a product outside the',
    'certificate). --since keeps those from a date (UTC) or a time ago; --alerts only alerts.',
  ].join('\n'),
  options: {
    ...DATA_OPTION,
    since: { type: 'string', value: 'DATE|-7d', help: 'only entries from then on' },
    alerts: { type: 'boolean', help: 'only alerts' },
  },
  required: ['data'],
  async run(args, ctx) {
    const since = args.string('since');
    const from = since === undefined ? 0 : parseSince(since, ctx.now());
    const onlyAlerts = args.flag('alerts');
    const entries: (AuditEvent & { seq: number })[] = [];
    const dir = args.required('data');
    for await (const record of ledgerRecords(dir, await ledgerSetting(dir, ctx))) {
      if (record.type !== 'audit') continue;
      const entry = record.data as unknown as AuditEvent;
      if (entry.at < from || (onlyAlerts && entry.result !== 'alert')) continue;
      entries.push({ seq: record.seq, ...entry });
    }
    const shown = entries.slice(-SHOWN);
    const n = entries.length;
    const counted = onlyAlerts
      ? plural(n, 'alert')
      : `${n} ${n === 1 ? 'audit entry' : 'audit entries'}`;
    return outcome({ entries }, [
      `${counted}${n > SHOWN ? ` (the newest ${SHOWN} shown; --json gives all)` : ''}:`,
      ...table(
        ['at', 'who', 'from', 'result', 'what'],
        shown.map((e) => row(e, ctx.paint)),
        ctx.paint,
      ),
    ]);
  },
};

export const auditCommands: CommandGroup = {
  name: 'audit',
  title: 'Site administrators and auditors: the audit trail',
  commands: [audit],
};
