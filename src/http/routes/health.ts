// Probes for load balancers and orchestrators, without a token: health says the process answers,
// readiness says it can sign responses (a current appliance certificate, a ledger that writes: for
// a PostgreSQL ledger, a database this node reaches now).

import type { Appliance } from '../../appliance/appliance.ts';
import { dateOf } from '../../core/dates.ts';
import { AirlockError } from '../../core/errors.ts';
import type { Route } from '../route.ts';

/** What readiness reads of the ledger: whether it writes, and its database when PostgreSQL's. */
export interface LedgerHealth {
  readonly available: boolean;
  /** host:port/database of a PostgreSQL ledger (never its user or password). */
  readonly database?: string;
}

/** A readiness probe waits this long for the database before calling it unreachable. */
export const READY_DATABASE_MS = 3000;

/** Whether the node reaches its ledger's database now: a refresh, bounded in time. */
async function databaseRefusal(
  appliance: Appliance,
  database: string,
): Promise<{ code: string; message: string } | null> {
  const unreachable = (why: string) => ({
    code: 'LEDGER_UNAVAILABLE',
    message: `The ledger database at ${database} cannot be reached (${why}): activations are refused until it can; this node tries again every second.`,
  });
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), READY_DATABASE_MS);
  });
  try {
    const answered = await Promise.race([
      appliance.refresh().then(() => 'answered' as const),
      late,
    ]);
    return answered === 'late'
      ? unreachable(`no answer within ${READY_DATABASE_MS / 1000} s`)
      : null;
  } catch (error) {
    if (!(error instanceof AirlockError)) throw error;
    if (error.code !== 'LEDGER_UNAVAILABLE') return { code: error.code, message: error.message };
    return unreachable(String(error.details['reason'] ?? 'refused'));
  } finally {
    clearTimeout(timer);
  }
}

export function healthRoutes(
  appliance: Appliance,
  clock: () => number,
  ledger: LedgerHealth | undefined = undefined,
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
      async handle(ctx) {
        const certificate = appliance.identity.certificate;
        const database = ledger?.database;
        if (certificate === undefined) {
          ctx.status = 503;
          ctx.body = {
            status: 'not_ready',
            code: 'CERTIFICATE_UNKNOWN',
            message:
              'This appliance has no certificate yet: send its delegation request to the vendor and install the certificate with `airlock appliance install-cert`.',
          };
          return;
        }
        if (certificate.notAfter <= clock()) {
          ctx.status = 503;
          ctx.body = {
            status: 'not_ready',
            code: 'CERTIFICATE_EXPIRED',
            message: `This appliance's certificate expired on ${dateOf(certificate.notAfter)}; ask the vendor for a new one.`,
          };
          return;
        }
        const refused = database === undefined ? null : await databaseRefusal(appliance, database);
        if (refused !== null) {
          ctx.status = 503;
          ctx.body = { status: 'not_ready', ...refused };
        } else if (ledger !== undefined && !ledger.available) {
          ctx.status = 503;
          ctx.body = {
            status: 'not_ready',
            code: 'LEDGER_UNAVAILABLE',
            message:
              database === undefined
                ? 'The activation ledger cannot be written (disk full or read-only?); activations are refused until it can.'
                : `The ledger database at ${database} cannot be written; activations are refused until it can; this node tries again every second.`,
          };
        } else {
          ctx.body = {
            status: 'ready',
            certificateExpiresAt: certificate.notAfter,
            ledger:
              ledger === undefined
                ? { kind: 'memory' }
                : database === undefined
                  ? { kind: 'file' }
                  : { kind: 'postgres', database },
          };
        }
      },
    },
  ];
}
