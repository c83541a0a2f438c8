// `airlock serve --data DIR`: runs the appliance's HTTP API on its ledger, over HTTPS with the
// data directory's certificate (or a configured one), until SIGTERM or SIGINT; then stops cleanly
// (requests in flight answered and durable, lock released). Settings come from flags, AIRLOCK_*
// variables and DATA/airlock.toml (docs/CONFIG.md). With --init, a missing data directory is first
// created in standalone demo mode, with an admin token.

import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { DATA_FILES, initApplianceDir } from '../../appliance/data-dir.ts';
import {
  ensureTlsCertificate,
  generateTlsCertificate,
  readTlsCredentials,
  type TlsCredentials,
} from '../../appliance/tls-files.ts';
import { createToken } from '../../appliance/tokens.ts';
import { formatId } from '../../core/ids.ts';
import { DEFAULT_PORT, parseServeConfig, type ServeConfig } from '../../http/config.ts';
import { DEFAULT_RATE_LIMIT } from '../../http/rate-limit.ts';
import { canonicalHost } from '../../node/tls-certificate.ts';
import { runAppliance } from '../../http/run.ts';
import { EXPIRY_WARNING_SECONDS } from '../../ops/doctor-time.ts';
import { DATA_OPTION } from '../appliance-session.ts';
import type { ParsedArgs } from '../args.ts';
import type { Command, CommandGroup } from '../command.ts';
import { CONFIG_OPTION, configSources } from '../config-file.ts';
import type { CliContext } from '../context.ts';
import { outcome } from '../output.ts';
import { tlsData, tlsLines } from './appliance-tls.ts';
import { createFirstAdmin } from './user.ts';

/** First start of `npm start`: a demo appliance, its certificate, a console admin and an admin token. */
async function initDemo(dir: string, config: ServeConfig, ctx: CliContext): Promise<string[]> {
  const made = await initApplianceDir(dir, { now: ctx.now(), passphrase: ctx.passphrase });
  const tls = await generateTlsCertificate(dir, {
    hosts: config.tlsHosts,
    now: ctx.now(),
    commonName: `Airlock appliance ${made.applianceId}`,
  });
  const { token } = await createToken(dir, { role: 'admin', label: 'first admin', now: ctx.now() });
  const admin = await createFirstAdmin(dir, ctx);
  return [
    `Created a standalone demo appliance ${made.applianceId} in ${dir}.`,
    `Console user "${admin.name}", password (shown once, keep it): ${admin.password}`,
    `Admin API token (shown once, keep it): ${token}`,
    `Vendor directory for issuing license keys: ${join(dir, DATA_FILES.vendor)}`,
    `Clients trust: ${join(dir, DATA_FILES.trust)}`,
    ...(config.tls
      ? []
      : [
          ...tlsLines(tls),
          `  (for HTTPS: airlock serve --data ${dir} without --http; see docs/CONFIG.md)`,
        ]),
  ];
}

/** The certificate to serve: the configured files, or DATA/tls (made now if missing). */
async function loadTls(
  dir: string,
  config: ServeConfig,
  ctx: CliContext,
): Promise<TlsCredentials & { readonly created: boolean }> {
  if (config.tlsCert !== undefined && config.tlsKey !== undefined) {
    const credentials = await readTlsCredentials({
      certFile: config.tlsCert,
      keyFile: config.tlsKey,
      certSetting: `The certificate ${config.tlsCert} (tls_cert, from ${config.sources.tls_cert})`,
      keySetting: `The key ${config.tlsKey} (tls_key, from ${config.sources.tls_key})`,
    });
    return { ...credentials, created: false };
  }
  return ensureTlsCertificate(dir, { hosts: config.tlsHosts, now: ctx.now() });
}

/** What the operator should know about the certificate before a browser complains. */
function tlsWarnings(dir: string, tls: TlsCredentials, config: ServeConfig, now: number): string[] {
  const warnings: string[] = [];
  const renew = `make a new one with \`airlock appliance tls --data ${dir} --renew\`, or configure tls_cert and tls_key`;
  if (tls.notAfter <= now) warnings.push(`the TLS certificate expired: ${renew}.`);
  else if (tls.notAfter - now < EXPIRY_WARNING_SECONDS) {
    warnings.push(`the TLS certificate expires within 30 days: ${renew}.`);
  }
  const held = new Set(tls.names);
  const missing = config.tlsHosts.filter((host) => !held.has(canonicalHost(host)));
  if (missing.length > 0) {
    warnings.push(
      `the TLS certificate is not valid for ${missing.join(', ')} (tls_hosts): ${renew}.`,
    );
  }
  return warnings;
}

/** The flags given, as the settings they set (docs/CONFIG.md has the table). */
function flagsOf(args: ParsedArgs) {
  const text = (name: string) => args.string(name);
  const flag = (name: string) => (args.flag(name) ? true : undefined);
  const given = {
    host: text('host'),
    port: text('port'),
    tls: flag('http'),
    tls_cert: text('tls-cert'),
    tls_key: text('tls-key'),
    allow_plain_http: flag('allow-plain-http'),
    proxy: flag('proxy'),
    rate_limit: text('rate-limit'),
    ledger: text('ledger'),
  };
  return Object.fromEntries(Object.entries(given).filter(([, value]) => value !== undefined));
}

const serve: Command = {
  group: 'serve',
  name: '',
  summary: 'run the appliance’s HTTP API on its ledger',
  usage:
    '--data DIR [--config FILE] [--host 127.0.0.1] [--port 8080] [--init] [--http [--allow-plain-http]] [--tls-cert FILE --tls-key FILE] [--rate-limit N[/BURST]] [--proxy] [--ledger postgres://…]',
  help: [
    'Opens the data directory (its ledger is locked for this process: other commands that write',
    'it refuse with LEDGER_LOCKED until the server stops) and serves /api/v1 and the console until',
    'SIGTERM or Ctrl-C; then it answers the requests in flight, makes their records durable and',
    'stops.',
    '',
    'HTTPS by default, with the certificate in DATA/tls (self-signed, made by `appliance init` or',
    'on the first start; its SHA-256 fingerprint is printed) or the one --tls-cert and --tls-key',
    'name. --http serves plain HTTP, which carries API tokens and passwords in clear: only on',
    'loopback addresses, unless --allow-plain-http is given too (behind a TLS-terminating reverse',
    'proxy; add --proxy to trust its X-Forwarded-For and X-Forwarded-Proto).',
    '',
    'Every flag is also a setting in DATA/airlock.toml (or --config FILE) and an AIRLOCK_*',
    'environment variable; flags win over the environment, which wins over the file. Time-outs',
    'for slow clients are settings too. docs/CONFIG.md lists them all.',
    '',
    '--init creates the data directory when it does not exist yet, in standalone demo mode, and',
    'prints a first admin token (`npm start` does it with ./data, over plain HTTP on 127.0.0.1).',
  ].join('\n'),
  options: {
    ...DATA_OPTION,
    ...CONFIG_OPTION,
    host: { type: 'string', value: 'ADDRESS', help: 'address to listen on (default 127.0.0.1)' },
    port: { type: 'string', value: 'PORT', help: `port (default ${DEFAULT_PORT}; 0 picks one)` },
    init: { type: 'boolean', help: 'create a demo data directory if there is none' },
    http: { type: 'boolean', help: 'serve plain HTTP instead of HTTPS (loopback only)' },
    'allow-plain-http': { type: 'boolean', help: 'with --http: serve beyond loopback too' },
    'tls-cert': { type: 'string', value: 'FILE', help: 'certificate (PEM; default DATA/tls)' },
    'tls-key': { type: 'string', value: 'FILE', help: 'its private key (PEM, unencrypted)' },
    proxy: { type: 'boolean', help: 'trust X-Forwarded-For/-Proto from a reverse proxy' },
    ledger: { type: 'string', value: 'URL', help: 'the ledger in PostgreSQL (docs/POSTGRES.md)' },
    'rate-limit': {
      type: 'string',
      value: 'N[/BURST]',
      help: `activation requests per minute per address (default ${DEFAULT_RATE_LIMIT.perMinute}/${DEFAULT_RATE_LIMIT.burst})`,
    },
  },
  required: ['data'],
  async run(args, ctx) {
    const dir = args.required('data');
    const config = parseServeConfig(
      await configSources(dir, args.string('config'), flagsOf(args), ctx),
    );
    // Listening for SIGTERM/SIGINT before the server announces itself: a stop that comes right
    // after the announcement must find the handler in place, not end the process uncleanly.
    const stopped = ctx.untilStopped();
    const fresh =
      args.flag('init') &&
      (await stat(join(dir, DATA_FILES.settings)).catch(() => undefined)) === undefined;
    const intro = fresh ? await initDemo(dir, config, ctx) : [];
    const tls = config.tls ? await loadTls(dir, config, ctx) : undefined;
    if (tls !== undefined)
      for (const warning of tlsWarnings(dir, tls, config, ctx.now())) ctx.warn(warning);
    const running = await runAppliance({
      dir,
      host: config.host,
      port: config.port,
      passphrase: ctx.passphrase,
      clock: ctx.now,
      random: ctx.random,
      proxy: config.proxy,
      rateLimit: config.rateLimit,
      limits: config.timeouts,
      closeTimeoutMs: config.timeouts.shutdownMs,
      log: ctx.warn,
      ledger: config.ledger,
      ...(tls === undefined ? {} : { tls }),
    });
    const api = `${running.url}/api/v1`;
    if (args.json) {
      ctx.say(
        JSON.stringify({
          listening: running.url,
          api,
          console: `${running.url}/`,
          dataDir: dir,
          tls: tls === undefined ? null : tlsData(tls),
        }),
      );
    } else {
      for (const line of [
        ...intro,
        `Airlock appliance ${formatId('appliance', running.identity.applianceId)} (${running.identity.settings.mode}) serving ${api}`,
        ...(tls === undefined
          ? []
          : [
              ...(tls.created ? ['Made a self-signed TLS certificate for this appliance.'] : []),
              ...tlsLines(tls),
              '  (browsers show it for a self-signed certificate: compare before trusting it)',
            ]),
        `  operator console: ${running.url}/    (sign in with a user: airlock user add)`,
        `  health: ${api}/health    API description: ${api}/openapi.json`,
        fresh
          ? '  Sign in to the console as "admin"; send the token as "Authorization: Bearer TOKEN".'
          : `  API tokens: airlock token create --data ${dir} --role admin|operator`,
        'Stop with Ctrl-C (or SIGTERM).',
      ]) {
        ctx.say(line);
      }
    }
    const signal = await stopped;
    await running.close();
    return outcome({ stopped: signal }, [`Stopped (${signal}); the ledger is closed.`]);
  },
};

export const serveCommands: CommandGroup = {
  name: 'serve',
  title: 'Site administrators: run the appliance',
  commands: [serve],
};
