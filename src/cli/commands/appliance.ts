// `airlock appliance …`: set up an appliance's data directory, in standalone or delegated mode,
// and install the certificate the vendor signs for it.

import { initApplianceDir, openApplianceDir } from '../../appliance/data-dir.ts';
import { joinApplianceDir } from '../../appliance/node-join.ts';
import { AirlockError } from '../../core/errors.ts';
import type { ParsedArgs } from '../args.ts';
import { ledgerSetting } from '../config-file.ts';
import type { CliContext } from '../context.ts';
import { applianceKeyStatus, installCertificate } from '../../appliance/key-rotation.ts';
import { generateTlsCertificate } from '../../appliance/tls-files.ts';
import { formatId, keyIdOf } from '../../core/ids.ts';
import type { Command, CommandGroup } from '../command.ts';
import { installCommands } from './appliance-install.ts';
import { applianceKeyCommands, keyStatusLines, warnedInit } from './appliance-keys.ts';
import { createFirstAdmin } from './user.ts';
import { readCodeFile } from '../inputs.ts';
import { outcome, rows, when } from '../output.ts';
import { applianceTls, TLS_HOSTS_OPTION, tlsData, tlsHosts, tlsLines } from './appliance-tls.ts';

const init: Command = {
  group: 'appliance',
  name: 'init',
  summary: 'create an appliance data directory (standalone or delegated)',
  usage: '--data DIR [--vendor DIR | --trust FILE|DIR | --join DIR]',
  help: [
    'Creates the data directory: the appliance key (AIRLOCK_PASSPHRASE encrypts it), its ledger,',
    'a secret for server-held license keys, and the console\'s first user, "admin", whose',
    'generated password is printed once.',
    '',
    'Standalone (default): the appliance holds the vendor root key itself and certifies its own',
    'key. With --vendor DIR it copies that vendor directory in; without it, it creates a demo',
    'vendor (for trials and in-house software). Clients trust DATA/vendor/trust.json.',
    '',
    'Delegated (--trust): the vendor keeps its root key. The appliance writes',
    'DATA/delegation-request.json; the vendor signs it with `airlock vendor delegate` and you',
    'install the certificate with `airlock appliance install-cert`.',
    '',
    'Another node (--join DIR): for several nodes on one PostgreSQL ledger (docs/POSTGRES.md).',
    'The new node takes the appliance ID, trust file, held-key secret, settings (airlock.toml,',
    'so the same ledger), users and tokens, and a standalone vendor key, from the node in DIR;',
    'it makes a key of its own, certified by the vendor key (standalone) or by the vendor from',
    'its delegation request (delegated).',
    '',
    'All make the self-signed TLS certificate `airlock serve` uses for HTTPS (DATA/tls), for',
    'localhost, 127.0.0.1, ::1 and the names --tls-hosts gives, and print its SHA-256 fingerprint.',
  ].join('\n'),
  options: {
    data: { type: 'string', value: 'DIR', help: 'the data directory to create' },
    vendor: { type: 'string', value: 'DIR', help: 'standalone with this vendor directory' },
    trust: { type: 'string', value: 'FILE|DIR', help: "delegated: the vendor's trust file" },
    join: { type: 'string', value: 'DIR', help: 'another node of the appliance in DIR' },
    ...TLS_HOSTS_OPTION,
  },
  required: ['data'],
  async run(args, ctx) {
    const dir = args.required('data');
    const vendorDir = args.string('vendor');
    const trustFile = args.string('trust');
    const joinDir = args.string('join');
    if (joinDir !== undefined) return joinNode(dir, joinDir, args, ctx);
    const hosts = await tlsHosts(dir, args, ctx);
    const made = await initApplianceDir(dir, {
      now: ctx.now(),
      passphrase: ctx.passphrase,
      ...(vendorDir === undefined ? {} : { vendorDir }),
      ...(trustFile === undefined ? {} : { trustFile }),
    });
    const next =
      made.mode === 'delegated'
        ? [
            `Send ${made.requestFile} to the vendor, who runs:`,
            `  airlock vendor delegate ${made.requestFile} --vendor VENDOR_DIR --out appliance.cert`,
            `Then: airlock appliance install-cert appliance.cert --data ${dir}`,
          ]
        : [
            `Certified by vendor key ${made.vendorKeyId} (certificate ${made.certificateId}).`,
            `Clients trust ${dir}/trust.json. Next: airlock license add KEY --data ${dir}`,
          ];
    const admin = await createFirstAdmin(dir, ctx);
    const tls = await generateTlsCertificate(dir, {
      hosts,
      now: ctx.now(),
      commonName: `Airlock appliance ${made.applianceId}`,
    });
    return outcome({ ...made, admin, tls: tlsData(tls) }, [
      `Created ${made.mode} appliance ${made.applianceId} in ${dir}.`,
      `Console user "${admin.name}", password (shown once): ${admin.password}`,
      `  (change it with \`airlock user passwd admin --data ${dir}\`; add users with \`airlock user add\`)`,
      ...next,
      ...tlsLines(tls),
    ]);
  },
};

/** `appliance init --join`: a node of an appliance whose ledger is in PostgreSQL. */
async function joinNode(dir: string, from: string, args: ParsedArgs, ctx: CliContext) {
  if (args.string('vendor') !== undefined || args.string('trust') !== undefined) {
    throw new AirlockError(
      'USAGE',
      '--join takes the mode of the appliance joined: leave out --vendor and --trust.',
    );
  }
  const ledger = await ledgerSetting(from, ctx);
  if (ledger === undefined) {
    throw new AirlockError(
      'CONFIG_INVALID',
      `The appliance in ${from} keeps its ledger in its own folder; nodes share a PostgreSQL ledger. Move it there first (airlock ledger migrate --from ${from} --to postgres://…) and set ledger in ${from}/airlock.toml.`,
      { setting: 'ledger' },
    );
  }
  const made = await joinApplianceDir(dir, { from, passphrase: ctx.passphrase, now: ctx.now() });
  const tls = await generateTlsCertificate(dir, {
    hosts: await tlsHosts(dir, args, ctx),
    now: ctx.now(),
    commonName: `Airlock appliance ${made.applianceId}`,
  });
  return outcome({ ...made, joined: from, tls: tlsData(tls) }, [
    `Created a ${made.mode} node of appliance ${made.applianceId} in ${dir}, on the ledger of ${from}.`,
    ...(made.mode === 'delegated'
      ? [
          `Send ${made.requestFile} to the vendor, who runs:`,
          `  airlock vendor delegate ${made.requestFile} --vendor VENDOR_DIR --out node.cert`,
          `Then: airlock appliance install-cert node.cert --data ${dir}`,
        ]
      : [
          `Its key is certified by vendor key ${made.vendorKeyId} (certificate ${made.certificateId}).`,
        ]),
    ...tlsLines(tls),
  ]);
}

const installCert: Command = {
  group: 'appliance',
  name: 'install-cert',
  summary: 'install the certificate the vendor signed for this appliance (delegated mode)',
  usage: 'CERT --data DIR',
  help: [
    'Checks that the certificate names this appliance and its key, is signed by a vendor root the',
    'appliance trusts, and has not expired; then installs it. CERT is a file (or - for standard',
    'input). A certificate for the key `airlock appliance rotate-key` made puts that key in use:',
    'the old key and certificate move to DATA/retired/ (restart `airlock serve` to sign with it).',
  ].join('\n'),
  options: { data: { type: 'string', value: 'DIR', help: 'the data directory' } },
  required: ['data'],
  positionals: ['CERT'],
  async run(args, ctx) {
    const text = await readCodeFile(args.positionals[0]!, 'appliance certificate', ctx);
    const cert = await installCertificate(args.required('data'), text, {
      passphrase: ctx.passphrase,
      now: ctx.now(),
    });
    return outcome(
      {
        certificateId: formatId('certificate', cert.certificateId),
        notAfter: cert.notAfter,
        seatQuota: cert.seatQuota,
        rotated: cert.rotated,
      },
      [
        `Installed certificate ${formatId('certificate', cert.certificateId)}${cert.rotated ? ': the rotated-in key signs from now on (restart `airlock serve`)' : ''}.`,
        ...rows([
          ['valid until', when(cert.notAfter)],
          ['seat quota', cert.seatQuota === 0 ? 'none' : String(cert.seatQuota)],
          ['products', cert.productTag === null ? 'all of the vendor’s products' : 'one product'],
        ]),
      ],
    );
  },
};

const info: Command = {
  group: 'appliance',
  name: 'info',
  summary: 'show the appliance’s identity and certificate',
  usage: '--data DIR',
  help: 'Shows the appliance ID, its mode, and its certificate (or that it still needs one).',
  options: { data: { type: 'string', value: 'DIR', help: 'the data directory' } },
  required: ['data'],
  async run(args, ctx) {
    const dir = args.required('data');
    const id = await openApplianceDir(dir, { passphrase: ctx.passphrase });
    const cert = id.certificate;
    const keys = await applianceKeyStatus(dir, { passphrase: ctx.passphrase });
    return outcome(
      {
        applianceId: formatId('appliance', id.applianceId),
        mode: id.settings.mode,
        keyId: formatId('key', keyIdOf(id.signer.publicKey)),
        certificate: cert
          ? { certificateId: formatId('certificate', cert.certificateId), notAfter: cert.notAfter }
          : null,
        keys,
      },
      [
        `Appliance ${formatId('appliance', id.applianceId)} (${id.settings.mode}), key ${formatId('key', keyIdOf(id.signer.publicKey))}.`,
        cert
          ? `Certificate ${formatId('certificate', cert.certificateId)}, valid until ${when(cert.notAfter)}.`
          : 'No certificate yet: run `airlock appliance install-cert`.',
        ...keyStatusLines(keys),
      ],
    );
  },
};

export const applianceCommands: CommandGroup = {
  name: 'appliance',
  title: 'Site administrators: set up the activation appliance',
  commands: [
    warnedInit(init),
    installCert,
    info,
    applianceTls,
    ...applianceKeyCommands,
    ...installCommands(init),
  ],
};
