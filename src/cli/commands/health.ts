// `airlock health`: asks a running `airlock serve` whether it answers (/api/v1/health) and can
// sign responses (/api/v1/ready), for container health checks, service monitors and scripts.
// Exit status 0 when it is ready; a coded refusal otherwise, within a bounded time.

import { X509Certificate } from 'node:crypto';
import { AirlockError } from '../../core/errors.ts';
import { parseServeConfig } from '../../http/config.ts';
import {
  HEALTH_PATH,
  judgeHealth,
  type ProbeTarget,
  probeTargetOf,
  READY_PATH,
} from '../../http/health-probe.ts';
import { readFileBounded } from '../../node/atomic-file.ts';
import { probeGet, type ProbeGetOptions } from '../../node/probe-get.ts';
import type { ParsedArgs } from '../args.ts';
import type { Command, CommandGroup } from '../command.ts';
import { CONFIG_OPTION, configSources } from '../config-file.ts';
import type { CliContext } from '../context.ts';
import { outcome, when } from '../output.ts';

const DEFAULT_TIMEOUT_MS = 5_000;
const MAX_TIMEOUT_MS = 60_000;
/** A certificate chain in PEM is a few KiB. */
const MAX_PEM_BYTES = 256 * 1024;

/** --timeout: "500ms", "5s" or a bare number of seconds, from 100ms to 60s. */
export function parseTimeout(text: string | undefined): number {
  if (text === undefined) return DEFAULT_TIMEOUT_MS;
  const match = /^(\d{1,5})(ms|s)?$/.exec(text);
  const ms = match === null ? NaN : Number(match[1]) * (match[2] === 'ms' ? 1 : 1000);
  if (!(ms >= 100 && ms <= MAX_TIMEOUT_MS)) {
    throw new AirlockError(
      'USAGE',
      `--timeout ${text.slice(0, 20)}: give a time from 100ms to 60s, such as "500ms" or "5s". See \`airlock health --help\`.`,
    );
  }
  return ms;
}

async function readPinned(file: string): Promise<X509Certificate> {
  let bytes: Uint8Array;
  try {
    bytes = await readFileBounded(file, MAX_PEM_BYTES, 'TLS certificate');
  } catch (error) {
    if (error instanceof AirlockError && error.code === 'FILE_NOT_FOUND') {
      throw new AirlockError(
        'FILE_NOT_FOUND',
        `The TLS certificate ${file} does not exist: is this the data directory airlock serve runs on, and has it started once?`,
        { path: file },
      );
    }
    throw error;
  }
  try {
    return new X509Certificate(bytes);
  } catch {
    throw new AirlockError('TLS_INVALID', `The TLS certificate ${file} is not a PEM certificate.`, {
      path: file,
    });
  }
}

/** --url URL, or where `airlock serve --data DIR` listens with its settings. */
async function targetOf(
  args: ParsedArgs,
  ctx: CliContext,
): Promise<{ target: ProbeTarget; tls: Omit<ProbeGetOptions, 'deadline'> }> {
  const dir = args.string('data');
  const url = args.string('url');
  if ((dir === undefined) === (url === undefined)) {
    throw new AirlockError(
      'USAGE',
      '`airlock health` needs either --data DIR (the server of that data directory, from its settings) or --url URL. See `airlock health --help`.',
    );
  }
  if (url !== undefined) {
    if (args.string('config') !== undefined) {
      throw new AirlockError('USAGE', '--config goes with --data, not with --url.');
    }
    const parsed = URL.canParse(url) ? new URL(url) : undefined;
    if (parsed === undefined || !['http:', 'https:'].includes(parsed.protocol)) {
      throw new AirlockError(
        'USAGE',
        `--url ${url.slice(0, 80)}: give the server's address, such as https://airlock.plant.lan:8443.`,
      );
    }
    const cacert = args.string('cacert');
    const ca =
      cacert === undefined
        ? undefined
        : new TextDecoder().decode(await readFileBounded(cacert, MAX_PEM_BYTES, 'CA certificate'));
    return { target: { origin: parsed.origin }, tls: ca === undefined ? {} : { ca } };
  }
  if (args.string('cacert') !== undefined) {
    throw new AirlockError(
      'USAGE',
      '--cacert goes with --url; with --data the server must present the data directory’s own certificate.',
    );
  }
  const config = parseServeConfig(await configSources(dir!, args.string('config'), {}, ctx));
  const target = probeTargetOf(config, dir!);
  if (target.pinnedCertFile === undefined) return { target, tls: {} };
  const certificate = await readPinned(target.pinnedCertFile);
  return { target, tls: { pinned: { certificate, file: target.pinnedCertFile } } };
}

const health: Command = {
  group: 'health',
  name: '',
  summary: 'check that a running `airlock serve` answers and is ready',
  usage: '--data DIR [--config FILE] | --url URL [--cacert FILE] [--timeout 5s]',
  help: [
    'Asks a running server two questions: /api/v1/health (does the process answer?) and',
    '/api/v1/ready (can it sign responses: a current appliance certificate, a ledger that',
    'writes?). Exits with status 0 when both say yes; otherwise with APPLIANCE_NOT_READY (it',
    'answers but is not ready, and says why) or APPLIANCE_UNREACHABLE (no answer, a wrong one,',
    'or none in time), for container health checks and service monitors.',
    '',
    '--data DIR probes the server of that data directory on this machine: it reads the same',
    'settings as `airlock serve --data DIR` (DATA/airlock.toml or --config FILE, and the AIRLOCK_*',
    'variables), connects to the loopback address of the port it listens on (the address itself',
    'when it listens on one address), and over HTTPS requires the certificate it serves',
    '(DATA/tls/cert.pem, or tls_cert) exactly. --url URL probes any server; over HTTPS its',
    'certificate must be valid for its name, from a CA the system trusts or the one --cacert',
    'gives.',
    '',
    `--timeout bounds the whole check (default ${DEFAULT_TIMEOUT_MS / 1000}s, at most ${MAX_TIMEOUT_MS / 1000}s).`,
  ].join('\n'),
  options: {
    data: { type: 'string', value: 'DIR', help: 'probe the server of this data directory' },
    ...CONFIG_OPTION,
    url: { type: 'string', value: 'URL', help: 'probe this server instead (https://host:port)' },
    cacert: { type: 'string', value: 'FILE', help: 'with --url: trust this CA certificate (PEM)' },
    timeout: { type: 'string', value: 'TIME', help: 'give up after this long (default 5s)' },
  },
  async run(args, ctx) {
    const deadline = Date.now() + parseTimeout(args.string('timeout'));
    const { target, tls } = await targetOf(args, ctx);
    const get = (path: string) => probeGet(new URL(path, target.origin), { deadline, ...tls });
    const answers = { health: await get(HEALTH_PATH), ready: await get(READY_PATH) };
    const healthy = judgeHealth(target.origin, answers.health, answers.ready);
    return outcome({ ...healthy }, [
      `${target.origin} is healthy and ready; its appliance certificate is valid until ${when(healthy.certificateExpiresAt)}.`,
    ]);
  },
};

export const healthCommands: CommandGroup = {
  name: 'health',
  title: 'Site administrators: check a running appliance',
  commands: [health],
};
