// `airlock serve --data DIR`: runs the appliance's HTTP API on its ledger until SIGTERM or SIGINT,
// then stops cleanly (requests in flight answered and durable, lock released). With --init, a
// missing data directory is first created in standalone demo mode, with an admin token.

import { stat } from 'node:fs/promises';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { DATA_FILES, initApplianceDir } from '../../appliance/data-dir.ts';
import { createToken } from '../../appliance/tokens.ts';
import { AirlockError } from '../../core/errors.ts';
import { formatId } from '../../core/ids.ts';
import { DEFAULT_RATE_LIMIT, type RateLimitOptions } from '../../http/rate-limit.ts';
import { runAppliance } from '../../http/run.ts';
import { DATA_OPTION } from '../appliance-session.ts';
import type { Command, CommandGroup } from '../command.ts';
import { createFirstAdmin } from './user.ts';
import type { CliContext } from '../context.ts';
import { outcome } from '../output.ts';

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);
export const DEFAULT_PORT = 8080;

function parsePort(text: string | undefined): number {
  if (text === undefined) return DEFAULT_PORT;
  if (!/^\d{1,5}$/.test(text) || Number(text) > 65535) {
    throw new AirlockError('USAGE', `--port must be a port number (0 to 65535), not "${text}".`);
  }
  return Number(text);
}

/** "120" per minute (burst half of it), or "120/40" with an explicit burst. */
function parseRateLimit(text: string | undefined): RateLimitOptions | undefined {
  if (text === undefined) return undefined;
  const match = /^(\d{1,7})(?:\/(\d{1,7}))?$/.exec(text);
  const perMinute = Number(match?.[1] ?? 0);
  if (match === null || perMinute === 0 || match[2] === '0') {
    throw new AirlockError(
      'USAGE',
      `--rate-limit is requests per minute per client address, optionally with a burst: 120 or 120/40, not "${text.slice(0, 40)}".`,
    );
  }
  return {
    perMinute,
    burst: match[2] === undefined ? Math.max(1, perMinute >> 1) : Number(match[2]),
  };
}

/** First start of `npm start`: a demo appliance and an admin token, both printed. */
async function initDemo(dir: string, ctx: CliContext): Promise<string[]> {
  const made = await initApplianceDir(dir, { now: ctx.now(), passphrase: ctx.passphrase });
  const { token } = await createToken(dir, { role: 'admin', label: 'first admin', now: ctx.now() });
  const admin = await createFirstAdmin(dir, ctx);
  return [
    `Created a standalone demo appliance ${made.applianceId} in ${dir}.`,
    `Console user "${admin.name}", password (shown once, keep it): ${admin.password}`,
    `Admin API token (shown once, keep it): ${token}`,
    `Vendor directory for issuing license keys: ${join(dir, DATA_FILES.vendor)}`,
    `Clients trust: ${join(dir, DATA_FILES.trust)}`,
  ];
}

const serve: Command = {
  group: 'serve',
  name: '',
  summary: 'run the appliance’s HTTP API on its ledger',
  usage:
    '--data DIR [--host 127.0.0.1] [--port 8080] [--init] [--rate-limit N[/BURST]] [--proxy] [--allow-plain-http]',
  help: [
    'Opens the data directory (its ledger is locked for this process: other commands that write',
    'it refuse with LEDGER_LOCKED until the server stops) and serves /api/v1 until SIGTERM or',
    'Ctrl-C; then it answers the requests in flight, makes their records durable and stops.',
    '',
    '--init creates the data directory when it does not exist yet, in standalone demo mode, and',
    'prints a first admin token (this is what `npm start` does with ./data).',
    'Plain HTTP carries the API tokens in clear: only loopback addresses are served unless',
    '--allow-plain-http is given (behind a TLS-terminating reverse proxy; add --proxy to trust',
    'its X-Forwarded-For).',
  ].join('\n'),
  options: {
    ...DATA_OPTION,
    host: { type: 'string', value: 'ADDRESS', help: 'address to listen on (default 127.0.0.1)' },
    port: { type: 'string', value: 'PORT', help: `port (default ${DEFAULT_PORT}; 0 picks one)` },
    init: { type: 'boolean', help: 'create a demo data directory if there is none' },
    proxy: { type: 'boolean', help: 'trust X-Forwarded-For from a reverse proxy' },
    'rate-limit': {
      type: 'string',
      value: 'N[/BURST]',
      help: `activation requests per minute per address (default ${DEFAULT_RATE_LIMIT.perMinute}/${DEFAULT_RATE_LIMIT.burst})`,
    },
    'allow-plain-http': { type: 'boolean', help: 'serve plain HTTP beyond loopback' },
  },
  required: ['data'],
  async run(args, ctx) {
    const dir = args.required('data');
    const host = args.string('host') ?? '127.0.0.1';
    const port = parsePort(args.string('port'));
    const rateLimit = parseRateLimit(args.string('rate-limit'));
    if (host !== 'localhost' && isIP(host) === 0) {
      throw new AirlockError('USAGE', `--host must be an IP address, not "${host.slice(0, 60)}".`);
    }
    if (!LOOPBACK.has(host) && !args.flag('allow-plain-http')) {
      throw new AirlockError(
        'USAGE',
        `Serving plain HTTP on ${host} would send API tokens in clear over the network. Serve on 127.0.0.1 behind a TLS reverse proxy, or pass --allow-plain-http if the network is trusted.`,
      );
    }
    // Listening for SIGTERM/SIGINT before the server announces itself: a stop that comes right
    // after the announcement must find the handler in place, not end the process uncleanly.
    const stopped = ctx.untilStopped();
    const fresh =
      args.flag('init') &&
      (await stat(join(dir, DATA_FILES.settings)).catch(() => undefined)) === undefined;
    const intro = fresh ? await initDemo(dir, ctx) : [];
    const running = await runAppliance({
      dir,
      host,
      port,
      passphrase: ctx.passphrase,
      clock: ctx.now,
      random: ctx.random,
      proxy: args.flag('proxy'),
      log: ctx.warn,
      ...(rateLimit === undefined ? {} : { rateLimit }),
    });
    const api = `${running.url}/api/v1`;
    if (args.json) {
      ctx.say(
        JSON.stringify({ listening: running.url, api, console: `${running.url}/`, dataDir: dir }),
      );
    } else {
      for (const line of [
        ...intro,
        `Airlock appliance ${formatId('appliance', running.identity.applianceId)} (${running.identity.settings.mode}) serving ${api}`,
        `  operator console: ${running.url}/    (sign in with an API token)`,
        `  health: ${api}/health    API description: ${api}/openapi.json`,
        fresh
          ? '  Send the admin token as "Authorization: Bearer TOKEN", or paste it into the console.'
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
