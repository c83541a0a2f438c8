// Licenses: the list with search, adding a vendor license key, and one license's page with its
// seats, its activations and leases, and revocation.

import { getJson, postJson } from '../api.ts';
import { runAction } from '../action.ts';
import { alertBox, codeText, facts, h, replace, table } from '../dom.ts';
import { describeError } from '../errors.ts';
import { dateTime, seatsText } from '../format.ts';
import { copyText } from '../qr-image.ts';
import { revokeControl } from '../revoke.ts';
import { session } from '../session.ts';
import type { Page } from './page.ts';

export interface License {
  readonly licenseId: string;
  readonly product: string;
  readonly type: string;
  readonly seats: number;
  readonly seatsUsed: number;
  readonly seatsFree: number | null;
  readonly expiresAt: number | null;
  readonly features: readonly string[];
  readonly revoked: boolean;
  readonly key: string;
  readonly held: boolean;
}

export interface Activation {
  readonly activationId: string;
  readonly licenseId: string;
  readonly fingerprint: string;
  readonly status: 'active' | 'deactivated' | 'revoked';
  readonly activatedAt: number;
  readonly lastSeenAt: number;
  readonly leaseEndsAt: number | null;
  readonly channel: 'offline' | 'online';
  readonly ip?: string;
  readonly endedAt?: number;
}

export const statusBadge = (status: string) => h('span', { class: `badge ${status}` }, status);

const licenseLink = (l: Pick<License, 'licenseId'>) =>
  h('a', { href: `#/licenses/${l.licenseId}`, class: 'mono' }, l.licenseId);

function expiryText(expiresAt: number | null): string {
  return expiresAt === null ? 'never' : dateTime(expiresAt);
}

export const licensesPage: Page = {
  title: 'Licenses',
  access: 'audit',
  render(main) {
    const search = h('input', {
      id: 'license-search',
      type: 'search',
      maxlength: 100,
      placeholder: 'ID, product, type, feature…',
    });
    const list = h('div', { 'aria-live': 'polite' });
    let searchTimer: number | undefined;
    let shown = 0;

    async function load(): Promise<void> {
      const ask = ++shown;
      const q = search.value.trim();
      try {
        const { licenses } = await getJson<{ licenses: License[] }>(
          `/licenses${q === '' ? '' : `?q=${encodeURIComponent(q)}`}`,
        );
        if (ask !== shown) return; // a newer search has been sent
        replace(
          list,
          licenses.length === 0
            ? h(
                'p',
                { class: 'muted' },
                q === '' ? 'No licenses yet: add one below.' : `No license matches "${q}".`,
              )
            : table(
                'Licenses held by this appliance',
                ['License', 'Product', 'Type', 'Seats', 'Expires', 'Status'],
                licenses.map((l) => [
                  licenseLink(l),
                  l.product,
                  l.type + (l.held ? ' (held here)' : ''),
                  seatsText(l.seats, l.seatsUsed),
                  expiryText(l.expiresAt),
                  statusBadge(l.revoked ? 'revoked' : 'active'),
                ]),
              ),
        );
      } catch (error) {
        replace(list, alertBox('error', describeError(error)));
      }
    }
    search.addEventListener('input', () => {
      window.clearTimeout(searchTimer);
      searchTimer = window.setTimeout(() => void load(), 200);
    });

    const key = h('textarea', { id: 'license-key', rows: 4, spellcheck: 'false' });
    const added = h('div', { 'aria-live': 'polite' });
    const addButton = h('button', { type: 'submit' }, 'Add license');
    const addForm = h(
      'form',
      { class: 'panel' },
      h('h2', {}, 'Add a license'),
      h('label', { for: 'license-key' }, 'License key from the vendor (K…)'),
      key,
      h('p', {}, addButton),
      added,
    );
    addForm.addEventListener('submit', (event) => {
      event.preventDefault();
      runAction(addButton, added, async () => {
        const { outcome, license } = await postJson<{ outcome: string; license: License }>(
          '/licenses',
          { key: key.value },
        );
        const verb =
          outcome === 'added'
            ? 'Added'
            : outcome === 'replaced'
              ? 'Replaced with a newer key:'
              : 'Already held, unchanged:';
        replace(added, alertBox('ok', `${verb} ${license.product} (${license.licenseId}).`));
        key.value = '';
        void load();
      });
    });

    replace(
      main,
      h('h1', {}, 'Licenses'),
      h('div', {}, h('label', { for: 'license-search' }, 'Search'), search),
      list,
      session.can('admin') ? addForm : null,
    );
    void load();
  },
};

export const licensePage: Page = {
  title: 'License',
  access: 'audit',
  render(main, params) {
    const id = params['id'] ?? '';
    async function load(): Promise<void> {
      let license: License & { activations: Activation[] };
      try {
        license = await getJson(`/licenses/${encodeURIComponent(id)}`);
      } catch (error) {
        replace(main, h('h1', {}, 'License'), alertBox('error', describeError(error)));
        return;
      }
      const keyText = codeText(license.key);
      const active = license.activations.filter((a) => a.status === 'active');
      replace(
        main,
        h('p', {}, h('a', { href: '#/licenses' }, '← All licenses')),
        h('h1', {}, `${license.product} `, h('span', { class: 'mono' }, license.licenseId)),
        license.revoked
          ? alertBox('error', 'This license is revoked: no machine may activate it.')
          : null,
        facts([
          ['Type', license.type + (license.held ? ' (created and held by this appliance)' : '')],
          ['Seats', seatsText(license.seats, license.seatsUsed)],
          ['Expires', expiryText(license.expiresAt)],
          ['Features', license.features.length === 0 ? 'none' : license.features.join(', ')],
          ['Active machines', String(active.length)],
        ]),
        h(
          'details',
          {},
          h('summary', {}, 'License key'),
          keyText,
          h(
            'button',
            {
              type: 'button',
              class: 'secondary',
              onclick: () => void copyText(license.key, keyText),
            },
            'Copy license key',
          ),
        ),
        h('h2', {}, 'Activations and leases'),
        license.activations.length === 0
          ? h('p', { class: 'muted' }, 'No machine has activated this license here.')
          : activationTable(license.activations, () => void load()),
        license.revoked || !session.can('admin')
          ? null
          : h(
              'section',
              { class: 'panel' },
              h('h2', {}, 'Revoke this license'),
              h(
                'p',
                { class: 'hint' },
                'Every machine using it is refused at its next check; the site bundle carries the revocation to isolated machines.',
              ),
              revokeControl({
                what: `license ${license.licenseId}`,
                async revoke(reason) {
                  const r = await postJson<{ outcome: string }>(
                    `/licenses/${license.licenseId}/revoke`,
                    { reason },
                  );
                  return r.outcome === 'revoked'
                    ? 'The license is revoked.'
                    : 'The license was already revoked.';
                },
                done: () => void load(),
              }),
            ),
      );
    }
    replace(main, h('p', { class: 'muted' }, 'Loading…'));
    void load();
  },
};

/** Activations as a table, each active one with its own revoke control. */
export function activationTable(
  activations: readonly Activation[],
  changed: () => void,
  withLicense = false,
): HTMLElement {
  return table(
    'Activations',
    [
      'Activation',
      ...(withLicense ? ['License'] : []),
      'Machine',
      'Status',
      'Activated',
      'Last seen',
      'Lease ends',
      'Channel',
      '',
    ],
    activations.map((a) => [
      h('span', { class: 'mono' }, a.activationId),
      ...(withLicense ? [licenseLink(a)] : []),
      h('span', { class: 'mono' }, a.fingerprint),
      statusBadge(a.status),
      dateTime(a.activatedAt),
      dateTime(a.lastSeenAt),
      a.leaseEndsAt === null ? 'permanent' : dateTime(a.leaseEndsAt),
      a.channel + (a.ip === undefined ? '' : ` (${a.ip})`),
      a.status === 'active' && session.can('admin')
        ? revokeControl({
            what: `activation ${a.activationId}`,
            async revoke(reason) {
              const r = await postJson<{ outcome: string }>(
                `/activations/${a.activationId}/revoke`,
                { reason },
              );
              return r.outcome === 'revoked'
                ? 'Revoked: this machine may not activate again.'
                : 'Already revoked.';
            },
            done: changed,
          })
        : '',
    ]),
  );
}
