// Revocations and USB sync over HTTP, for the web console: upload a vendor bundle, download the
// export (site bundle, usage report, manifest) as one tar file, see what is held; and revoke a
// license or one machine's activation at this site.

import type { Appliance } from '../../appliance/appliance.ts';
import { exportFiles, exportNames } from '../../appliance/sync-folder.ts';
import { toHex } from '../../core/bytes.ts';
import { MAX_BUNDLE_BYTES } from '../../core/formats/revocation-bundle.ts';
import { formatId, parseActivationId, parseId } from '../../core/ids.ts';
import { readBody, readJsonObject } from '../body.ts';
import { parseFields, required } from '../fields.ts';
import type { Route } from '../route.ts';
import { tarArchive } from '../tar.ts';

const MAX_REASON_FIELD = 200;

export function syncRoutes(appliance: Appliance): Route[] {
  return [
    {
      method: 'POST',
      path: '/sync/import',
      access: 'admin',
      async handle(ctx) {
        const bytes = await readBody(ctx.req, MAX_BUNDLE_BYTES);
        const bundles = await appliance.importBundles([{ name: 'the uploaded bundle', bytes }]);
        ctx.body = { bundles, status: appliance.revocationStatus() };
      },
    },
    {
      method: 'GET',
      path: '/sync/export',
      access: 'admin',
      async handle(ctx) {
        const exported = await appliance.exportSync();
        const { files } = exportFiles(appliance.identity.applianceId, exported);
        const id = formatId('appliance', appliance.identity.applianceId);
        ctx.type = 'application/x-tar';
        ctx.set(
          'Content-Disposition',
          `attachment; filename="airlock-sync-${id}-${exported.siteSequence}.tar"`,
        );
        ctx.body = Buffer.from(tarArchive(files, exported.exportedAt));
      },
    },
    {
      method: 'GET',
      path: '/sync/status',
      access: 'read',
      handle(ctx) {
        const names = exportNames(appliance.identity.applianceId);
        ctx.body = { ...appliance.revocationStatus(), files: names };
      },
    },
    {
      method: 'POST',
      path: '/licenses/:id/revoke',
      access: 'admin',
      async handle(ctx) {
        const licenseHex = toHex(parseId('license', ctx.params['id']));
        const body = parseFields(await readJsonObject(ctx.req), {
          reason: required(MAX_REASON_FIELD),
        });
        ctx.body = await appliance.revokeLicense(licenseHex, body.reason);
      },
    },
    {
      method: 'POST',
      path: '/activations/:id/revoke',
      access: 'admin',
      async handle(ctx) {
        const activationId = parseActivationId(ctx.params['id']);
        const body = parseFields(await readJsonObject(ctx.req), {
          reason: required(MAX_REASON_FIELD),
        });
        ctx.body = await appliance.revokeActivation(activationId, body.reason);
      },
    },
  ];
}
