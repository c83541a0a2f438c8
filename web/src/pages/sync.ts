// Sync: the revocation bundles this appliance holds and how fresh they are; uploading a vendor
// bundle from the USB stick; downloading the export (site bundle, usage report, manifest) for it.

import { getFile, getJson, postBytes } from '../api.ts';
import { runAction } from '../action.ts';
import { alertBox, facts, h, replace, table } from '../dom.ts';
import { describeError } from '../errors.ts';
import { dateTime, relative } from '../format.ts';
import { session } from '../session.ts';
import type { Page } from './page.ts';

interface SyncStatus {
  readonly vendor: {
    readonly sequence: number;
    readonly issuedAt: number;
    readonly nextUpdate: number;
    readonly stale: boolean;
  } | null;
  readonly siteSequence: number;
  readonly lastExport: { readonly seq: number; readonly hash: string } | null;
}

interface Imported {
  readonly bundles: readonly {
    readonly name: string;
    readonly stream: string;
    readonly sequence: number;
    readonly scope: string;
    readonly outcome: string;
  }[];
}

export const syncPage: Page = {
  title: 'Sync',
  access: 'audit',
  render(main) {
    const status = h('div', { 'aria-live': 'polite' });
    const uploadMessage = h('div', { 'aria-live': 'polite' });
    const downloadMessage = h('div', { 'aria-live': 'polite' });

    async function loadStatus(): Promise<void> {
      try {
        const s = await getJson<SyncStatus>('/sync/status');
        const v = s.vendor;
        replace(
          status,
          v === null
            ? alertBox('warn', 'No revocation bundle from the vendor has been imported yet.')
            : v.stale
              ? alertBox(
                  'warn',
                  `The vendor's revocation bundle is stale: a newer one was due ${relative(v.nextUpdate)}. Bring the latest bundle from the vendor on the USB stick.`,
                )
              : null,
          facts([
            [
              "Vendor's bundle",
              v === null
                ? 'none'
                : h(
                    'span',
                    {},
                    `sequence ${v.sequence}, issued ${dateTime(v.issuedAt)}, next due ${dateTime(v.nextUpdate)} `,
                    h(
                      'span',
                      { class: `badge ${v.stale ? 'stale' : 'fresh'}` },
                      v.stale ? 'stale' : 'current',
                    ),
                  ),
            ],
            [
              'Site bundle',
              s.siteSequence === 0 ? 'none exported yet' : `sequence ${s.siteSequence}`,
            ],
            ['Last export', s.lastExport === null ? 'never' : `ledger record ${s.lastExport.seq}`],
          ]),
        );
      } catch (error) {
        replace(status, alertBox('error', describeError(error)));
      }
    }

    const file = h('input', {
      id: 'bundle-file',
      type: 'file',
      // Vendor bundles are *.revocations files (what `sync import DIR` reads from a stick).
      accept: '.revocations,application/octet-stream',
    });
    const uploadButton = h('button', { type: 'submit' }, 'Import bundle');
    const upload = h(
      'form',
      { class: 'panel' },
      h('h2', {}, 'Import a revocation bundle'),
      h(
        'p',
        { class: 'hint' },
        "The vendor's bundle file from the USB stick. It is verified before anything changes; an older bundle than the one held is refused.",
      ),
      h('label', { for: file.id }, 'Bundle file'),
      file,
      h('p', {}, uploadButton),
      uploadMessage,
    );
    upload.addEventListener('submit', (event) => {
      event.preventDefault();
      const chosen = file.files?.[0];
      if (chosen === undefined) {
        replace(uploadMessage, alertBox('error', 'Choose the bundle file first.'));
        return;
      }
      runAction(uploadButton, uploadMessage, async () => {
        file.value = '';
        const { bundles } = await postBytes<Imported>(
          '/sync/import',
          chosen,
          'application/octet-stream',
        );
        replace(
          uploadMessage,
          alertBox('ok', 'Bundle verified and imported.'),
          table(
            'Imported bundles',
            ['Stream', 'Sequence', 'Scope', 'Outcome'],
            bundles.map((b) => [b.stream, String(b.sequence), b.scope, b.outcome]),
          ),
        );
        void loadStatus();
      });
    });

    const downloadButton = h('button', { type: 'button' }, 'Download USB export');
    downloadButton.addEventListener('click', () =>
      runAction(downloadButton, downloadMessage, async () => {
        const { blob, name } = await getFile('/sync/export');
        const url = URL.createObjectURL(blob);
        const link = h('a', { href: url, download: name });
        document.body.append(link);
        link.click();
        link.remove();
        setTimeout(() => URL.revokeObjectURL(url), 10_000);
        replace(
          downloadMessage,
          alertBox(
            'ok',
            `Saved ${name}. Unpack it onto the USB stick: the site bundle goes to the isolated machines, the usage report to the vendor.`,
          ),
        );
        void loadStatus();
      }),
    );

    replace(
      main,
      h('h1', {}, 'Sync'),
      status,
      // Importing and exporting change the ledger: admins only; auditors see the status.
      !session.can('admin')
        ? null
        : h(
            'div',
            { class: 'split' },
            upload,
            h(
              'section',
              { class: 'panel' },
              h('h2', {}, 'Export for the USB stick'),
              h(
                'p',
                { class: 'hint' },
                'A tar file with a new site bundle (this appliance’s revocations, for isolated machines), a signed usage report for the vendor, and a manifest. Each export records a ledger checkpoint.',
              ),
              downloadButton,
              downloadMessage,
            ),
          ),
    );
    void loadStatus();
  },
};
