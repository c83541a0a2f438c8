// `airlock appliance tls`: the certificate `airlock serve` uses for HTTPS. Shows it (making a
// self-signed one if the data directory has none), makes a new one (--renew), or installs one
// the site's CA issued (--cert, --key); and the lines every command prints about it.

import {
  ensureTlsCertificate,
  generateTlsCertificate,
  installTlsCertificate,
  type TlsCredentials,
} from '../../appliance/tls-files.ts';
import { AirlockError } from '../../core/errors.ts';
import { readSetting } from '../../http/config.ts';
import { DATA_OPTION } from '../appliance-session.ts';
import type { ParsedArgs } from '../args.ts';
import type { Command } from '../command.ts';
import { CONFIG_OPTION, configSources } from '../config-file.ts';
import type { CliContext } from '../context.ts';
import { outcome, when } from '../output.ts';

export const TLS_HOSTS_OPTION = {
  'tls-hosts': {
    type: 'string',
    value: 'NAMES',
    help: 'host names and IP addresses for a new certificate, comma-separated (besides localhost)',
  },
} as const;

/** What an operator needs to trust or pin the certificate. */
export function tlsLines(tls: TlsCredentials): string[] {
  return [
    `TLS certificate ${tls.certFile}, for ${tls.names.join(', ')}, valid until ${when(tls.notAfter)}`,
    `  SHA-256 fingerprint ${tls.fingerprint}`,
  ];
}

export function tlsData(tls: TlsCredentials) {
  return {
    certFile: tls.certFile,
    keyFile: tls.keyFile,
    fingerprint: tls.fingerprint,
    names: tls.names,
    notAfter: tls.notAfter,
  };
}

/** The names a new certificate gets: --tls-hosts, AIRLOCK_TLS_HOSTS or tls_hosts in the file. */
export async function tlsHosts(
  dir: string,
  args: ParsedArgs,
  ctx: CliContext,
): Promise<readonly string[]> {
  const given = args.string('tls-hosts');
  const sources = await configSources(
    dir,
    args.string('config'),
    given === undefined ? {} : { tls_hosts: given },
    ctx,
  );
  return readSetting('tls_hosts', sources);
}

export const applianceTls: Command = {
  group: 'appliance',
  name: 'tls',
  summary: 'show, renew or install the HTTPS certificate of `airlock serve`',
  usage: '--data DIR [--renew [--tls-hosts NAMES] | --cert FILE --key FILE]',
  help: [
    'Shows the certificate `airlock serve` uses for HTTPS (DATA/tls/cert.pem) and its SHA-256',
    'fingerprint, which a browser shows for the operator to compare. A data directory without one',
    'gets a self-signed certificate (ECDSA P-256, 825 days) for localhost, 127.0.0.1, ::1 and the',
    'names in tls_hosts; `airlock appliance init` and `airlock serve` make it too.',
    '',
    '--renew replaces it with a new self-signed certificate (a new fingerprint: clients that',
    'pinned the old one must pin the new one). --cert and --key install a certificate issued by the',
    "site's CA, with its unencrypted PEM key, once the key is checked to match. A running server",
    'keeps the certificate it started with until it is restarted.',
  ].join('\n'),
  options: {
    ...DATA_OPTION,
    renew: { type: 'boolean', help: 'make a new self-signed certificate' },
    cert: { type: 'string', value: 'FILE', help: 'install this certificate (PEM, with any chain)' },
    key: { type: 'string', value: 'FILE', help: 'its private key (PEM, unencrypted)' },
    ...TLS_HOSTS_OPTION,
    ...CONFIG_OPTION,
  },
  required: ['data'],
  async run(args, ctx) {
    const dir = args.required('data');
    const cert = args.string('cert');
    const key = args.string('key');
    if (
      (cert === undefined) !== (key === undefined) ||
      (cert !== undefined && args.flag('renew'))
    ) {
      throw new AirlockError(
        'USAGE',
        'Give --cert and --key together to install a certificate, or --renew to make a new self-signed one.',
      );
    }
    const running = 'A running `airlock serve` keeps its certificate until it is restarted.';
    if (cert !== undefined && key !== undefined) {
      const installed = await installTlsCertificate(dir, { certFile: cert, keyFile: key });
      return outcome({ outcome: 'installed', ...tlsData(installed) }, [
        `Installed the certificate of ${cert}.`,
        ...tlsLines(installed),
        running,
      ]);
    }
    const options = { hosts: await tlsHosts(dir, args, ctx), now: ctx.now() };
    if (args.flag('renew')) {
      const renewed = await generateTlsCertificate(dir, options);
      return outcome({ outcome: 'renewed', ...tlsData(renewed) }, [
        'Made a new self-signed certificate.',
        ...tlsLines(renewed),
        running,
      ]);
    }
    const current = await ensureTlsCertificate(dir, options);
    return outcome({ outcome: current.created ? 'created' : 'unchanged', ...tlsData(current) }, [
      ...(current.created ? ['Made a self-signed certificate.'] : []),
      ...tlsLines(current),
    ]);
  },
};
