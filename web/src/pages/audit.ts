// Audit (admins and auditors): the alerts raised since the appliance started, and the audit trail
// from the ledger — admin actions and refusals with who, what, from where and the result.

import type { Alert } from '../../../src/appliance/alerts.ts';
import type { AuditEvent } from '../../../src/appliance/events.ts';
import { getJson } from '../api.ts';
import { alertBox, h, replace, table } from '../dom.ts';
import { describeError } from '../errors.ts';
import { dateTime } from '../format.ts';
import type { Page } from './page.ts';

export type { Alert };

/** GET /audit's entries: the ledger's audit records with their sequence numbers. */
type AuditEntry = AuditEvent & { readonly seq: number };

const PAGE = 100;

export const auditPage: Page = {
  title: 'Audit',
  access: 'audit',
  render(main) {
    const alerts = h('div', { 'aria-live': 'polite' });
    const trail = h('div');
    const older = h('button', { type: 'button', class: 'secondary' }, 'Older entries');
    let entries: AuditEntry[] = [];
    let before: number | null = null;

    async function loadAlerts(): Promise<void> {
      try {
        const { alerts: list } = await getJson<{ alerts: Alert[] }>('/alerts');
        replace(
          alerts,
          list.length === 0
            ? h('p', { class: 'muted' }, 'No alerts since the appliance started.')
            : list.map((a) =>
                alertBox('warn', h('strong', {}, `${dateTime(a.at)} · ${a.kind}: `), a.message),
              ),
        );
      } catch (error) {
        replace(alerts, alertBox('error', describeError(error)));
      }
    }

    async function loadTrail(append: boolean): Promise<void> {
      if (!append) {
        entries = [];
        before = null;
      }
      try {
        const q = new URLSearchParams({ limit: String(PAGE) });
        if (before !== null) q.set('before', String(before));
        const page = await getJson<{ entries: AuditEntry[]; nextBefore: number | null }>(
          `/audit?${q.toString()}`,
        );
        entries = [...entries, ...page.entries];
        before = page.nextBefore;
        replace(
          trail,
          entries.length === 0
            ? h('p', { class: 'muted' }, 'Nothing recorded yet.')
            : table(
                'Audit trail',
                ['Record', 'Time', 'Who', 'From', 'Result', 'What'],
                entries.map((e) => [
                  String(e.seq),
                  dateTime(e.at),
                  h('span', { class: 'mono' }, e.actor ?? '—'),
                  h('span', { class: 'mono' }, e.ip ?? '—'),
                  e.result === 'refused'
                    ? h(
                        'span',
                        { class: 'badge revoked' },
                        `${e.status ?? ''} ${e.code ?? ''}`.trim(),
                      )
                    : h(
                        'span',
                        { class: `badge ${e.result === 'ok' ? 'active' : 'stale'}` },
                        e.result,
                      ),
                  h(
                    'span',
                    {},
                    h('span', { class: 'mono' }, e.action),
                    e.detail === undefined ? '' : ` — ${e.detail}`,
                  ),
                ]),
              ),
          before === null ? null : older,
        );
      } catch (error) {
        replace(trail, alertBox('error', describeError(error)));
      }
    }
    older.addEventListener('click', () => void loadTrail(true));

    replace(
      main,
      h('h1', {}, 'Audit'),
      h('h2', {}, 'Alerts'),
      alerts,
      h('h2', {}, 'Audit trail'),
      h(
        'p',
        { class: 'hint' },
        'Admin actions and refusals, newest first, as recorded in the ledger’s hash chain (`airlock audit --data DIR` prints the same).',
      ),
      trail,
    );
    void loadAlerts();
    void loadTrail(false);
  },
};
