// Probing a running `airlock serve` from its own machine (`airlock health`, a container's
// HEALTHCHECK): where the server listens as seen from here, and the verdict on its two public
// probes, /api/v1/health (the process answers) and /api/v1/ready (it can sign responses).
// Pure: the caller reads the configuration and makes the requests.

import { join } from 'node:path';
import { AirlockError } from '../core/errors.ts';
import { TLS_CERT_FILE } from '../appliance/tls-files.ts';
import { API_PREFIX } from './app.ts';
import type { ServeConfig } from './config.ts';

export const HEALTH_PATH = `${API_PREFIX}/health`;
export const READY_PATH = `${API_PREFIX}/ready`;

/** Where to send the probes. */
export interface ProbeTarget {
  /** The server's origin, e.g. "https://127.0.0.1:8443". */
  readonly origin: string;
  /** HTTPS from a data directory: the certificate file the server must present, exactly. */
  readonly pinnedCertFile?: string;
}

/** An address every interface listens on is reached here through the loopback of its family. */
const REACH: Readonly<Record<string, string>> = { '0.0.0.0': '127.0.0.1', '::': '::1' };

/**
 * The origin `airlock serve` listens on with this configuration, from the same machine, and the
 * certificate it serves (the configured tls_cert, else DATA/tls/cert.pem).
 */
export function probeTargetOf(config: ServeConfig, dir: string): ProbeTarget {
  if (config.port === 0) {
    throw new AirlockError(
      'CONFIG_INVALID',
      `port is 0 (from ${config.sources.port}): the server picks a free port at each start, so it cannot be probed from its settings; give the address with --url.`,
      { setting: 'port', source: config.sources.port },
    );
  }
  const host = REACH[config.host] ?? config.host;
  const origin = `${config.tls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${config.port}`;
  if (!config.tls) return { origin };
  return { origin, pinnedCertFile: config.tlsCert ?? join(dir, TLS_CERT_FILE) };
}

/** What one probe got back: the status and the body, parsed as JSON when it was JSON. */
export interface ProbeAnswer {
  readonly status: number;
  readonly body: unknown;
}

export interface Healthy {
  readonly status: 'ready';
  readonly origin: string;
  /** When the appliance's certificate expires (Unix seconds). */
  readonly certificateExpiresAt: number;
}

/** Text from the server, for a message: control characters masked, at most 300 characters. */
function shown(text: string): string {
  const clean = text.replace(/[\u0000-\u001f\u007f]/g, ' ').trim();
  return clean.length > 300 ? `${clean.slice(0, 300)}…` : clean;
}

const field = (body: unknown, name: string): unknown =>
  typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[name] : undefined;

function notAppliance(origin: string, path: string, answer: ProbeAnswer): AirlockError {
  return new AirlockError(
    'APPLIANCE_UNREACHABLE',
    `${origin} answered ${path} with status ${answer.status} and not as an Airlock appliance does: is it the right address?`,
    { status: answer.status },
  );
}

/** The verdict on the answers to /api/v1/health and /api/v1/ready: healthy, or a coded refusal. */
export function judgeHealth(origin: string, health: ProbeAnswer, ready: ProbeAnswer): Healthy {
  if (health.status !== 200 || field(health.body, 'status') !== 'ok') {
    throw notAppliance(origin, HEALTH_PATH, health);
  }
  const expires = field(ready.body, 'certificateExpiresAt');
  if (ready.status === 200 && field(ready.body, 'status') === 'ready') {
    if (typeof expires === 'number' && Number.isSafeInteger(expires)) {
      return { status: 'ready', origin, certificateExpiresAt: expires };
    }
  }
  const reason = field(ready.body, 'code');
  const message = field(ready.body, 'message');
  if (
    ready.status === 503 &&
    field(ready.body, 'status') === 'not_ready' &&
    typeof reason === 'string' &&
    /^[A-Z][A-Z_]{0,39}$/.test(reason) &&
    typeof message === 'string'
  ) {
    throw new AirlockError(
      'APPLIANCE_NOT_READY',
      `${origin} answers but is not ready: ${shown(message)} (${reason})`,
      { reason },
    );
  }
  throw notAppliance(origin, READY_PATH, ready);
}
