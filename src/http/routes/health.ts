// Probes for load balancers and orchestrators, without a token: health says the process answers,
// readiness says it can sign responses (a current appliance certificate, a ledger that writes).

import type { Appliance } from '../../appliance/appliance.ts';
import { dateOf } from '../../core/dates.ts';
import type { Route } from '../route.ts';

export function healthRoutes(
  appliance: Appliance,
  clock: () => number,
  ledger: { readonly available: boolean } = { available: true },
): Route[] {
  return [
    {
      method: 'GET',
      path: '/health',
      access: 'public',
      handle(ctx) {
        ctx.body = { status: 'ok' };
      },
    },
    {
      method: 'GET',
      path: '/ready',
      access: 'public',
      handle(ctx) {
        const certificate = appliance.identity.certificate;
        if (certificate === undefined) {
          ctx.status = 503;
          ctx.body = {
            status: 'not_ready',
            code: 'CERTIFICATE_UNKNOWN',
            message:
              'This appliance has no certificate yet: send its delegation request to the vendor and install the certificate with `airlock appliance install-cert`.',
          };
        } else if (certificate.notAfter <= clock()) {
          ctx.status = 503;
          ctx.body = {
            status: 'not_ready',
            code: 'CERTIFICATE_EXPIRED',
            message: `This appliance's certificate expired on ${dateOf(certificate.notAfter)}; ask the vendor for a new one.`,
          };
        } else if (!ledger.available) {
          ctx.status = 503;
          ctx.body = {
            status: 'not_ready',
            code: 'LEDGER_UNAVAILABLE',
            message:
              'The activation ledger cannot be written (disk full or read-only?); activations are refused until it can.',
          };
        } else {
          ctx.body = { status: 'ready', certificateExpiresAt: certificate.notAfter };
        }
      },
    },
  ];
}
