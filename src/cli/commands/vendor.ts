// `airlock vendor …`: the vendor's root key, and the direct responder for demos and tests.

import { decodeChallenge } from '../../core/formats/challenge.ts';
import { formatId } from '../../core/ids.ts';
import { openDirectAppliance, respondDirect } from '../../vendor/direct-responder.ts';
import { initVendor, openVendor } from '../../vendor/vendor-dir.ts';
import type { Command, CommandGroup } from '../command.ts';
import { delegate } from './vendor-delegate.ts';
import { vendorKeyCommands, warnedInit } from './vendor-keys.ts';
import { publishRevocations, revokeCommand, verifyReport } from './vendor-revocations.ts';
import { readCodeArgument } from '../inputs.ts';
import { outcome, relative, rows, when } from '../output.ts';
import { terminalQr } from '../qr.ts';

const init: Command = {
  group: 'vendor',
  name: 'init',
  summary: 'create a vendor root key pair and the trust file applications ship',
  usage: '--dir DIR',
  help: [
    'Creates DIR with the vendor root key (root.key), the trust file your application ships',
    '(trust.json, which pins the root public key) and the public key as PEM for OpenSSL',
    '(root.pub.pem). Set AIRLOCK_PASSPHRASE to encrypt root.key; every command that signs with it',
    'then needs the same passphrase. Refuses a DIR that already holds a root key.',
  ].join('\n'),
  options: { dir: { type: 'string', value: 'DIR', help: 'the vendor directory to create' } },
  required: ['dir'],
  async run(args, ctx) {
    const dir = args.required('dir');
    const created = await initVendor(dir, { passphrase: ctx.passphrase, random: ctx.random });
    return outcome(
      {
        dir,
        keyId: created.keyId,
        encrypted: created.encrypted,
        files: created.files,
      },
      [
        `Created vendor root key ${created.keyId} in ${dir} (${created.encrypted ? 'encrypted with AIRLOCK_PASSPHRASE' : 'NOT encrypted: set AIRLOCK_PASSPHRASE to encrypt it'}).`,
        ...rows([
          [created.files.key, 'the private root key: keep it offline and backed up'],
          [created.files.trust, 'ship it with your application: it pins this key'],
          [created.files.publicKeyPem, 'the public key, for OpenSSL'],
        ]),
        `Next: airlock license issue --vendor ${dir} --product NAME`,
      ],
    );
  },
};

const respond: Command = {
  group: 'vendor',
  name: 'respond',
  summary: 'answer a challenge directly from the vendor directory (demos and tests)',
  usage: 'CHALLENGE --vendor DIR --license KEY',
  help: [
    'Answers a client challenge as an activation appliance would, with an appliance key that the',
    'vendor directory certifies on first use (DIR/direct/). For demos and tests before an appliance',
    'runs: it keeps NO ledger, so it counts no seats and records no activations or revocations.',
    '',
    'Prints the response in two forms: the typed form (149 characters), for a machine that already',
    'knows this appliance certificate, and the combined form a QR code carries on a first',
    'activation (the response plus the certificate). CHALLENGE and KEY may be - (standard input)',
    'or @FILE.',
  ].join('\n'),
  options: {
    vendor: { type: 'string', value: 'DIR', help: 'the vendor directory' },
    license: {
      type: 'string',
      value: 'KEY',
      help: 'the license key the client activates (- or @FILE to read it)',
    },
  },
  required: ['vendor', 'license'],
  positionals: ['CHALLENGE'],
  async run(args, ctx) {
    // Parsed first: a mistyped group is named before the vendor key is unlocked.
    const challenge = decodeChallenge(
      await readCodeArgument(args.positionals[0]!, 'challenge', ctx),
    );
    const licenseKey = await readCodeArgument(args.required('license'), 'license key', ctx);
    const vendor = await openVendor(args.required('vendor'), { passphrase: ctx.passphrase });
    const now = ctx.now();
    const answer = await respondDirect(vendor, challenge, licenseKey, {
      now,
      random: ctx.random,
      passphrase: ctx.passphrase,
    });
    const qr = ctx.interactive ? await terminalQr(answer.qr) : undefined;
    return outcome(
      {
        response: answer.response,
        qr: answer.qr,
        activationId: answer.activationId,
        licenseId: answer.licenseId,
        product: answer.product,
        features: answer.features,
        leaseEndsAt: answer.leaseEndsAt,
        applianceId: answer.applianceId,
      },
      [
        `Activation ${answer.activationId} of license ${answer.licenseId} (${answer.product}), ${answer.leaseEndsAt === null ? 'no lease end' : `lease ends ${when(answer.leaseEndsAt)} (${relative(answer.leaseEndsAt, now)})`}.`,
        '',
        'First activation on a machine (this is what the QR code carries):',
        answer.qr,
        ...(qr === undefined ? [] : [qr]),
        '',
        'Typed form, once the machine knows this appliance:',
        answer.response,
        '',
        'On the client: airlock client apply RESPONSE --store DIR --trust FILE|DIR',
        'Direct responder: no seats are counted and nothing is recorded.',
      ],
    );
  },
};

const certificate: Command = {
  group: 'vendor',
  name: 'certificate',
  summary: "print the direct responder's appliance certificate, for a trust file",
  usage: '--vendor DIR',
  help: [
    "Prints the typed appliance certificate of the vendor directory's direct responder (creating",
    'the responder on first use). Add it to the "certificates" list of a trust file so that clients',
    'accept its typed responses from their first activation, without the QR form.',
  ].join('\n'),
  options: { vendor: { type: 'string', value: 'DIR', help: 'the vendor directory' } },
  required: ['vendor'],
  async run(args, ctx) {
    const vendor = await openVendor(args.required('vendor'), { passphrase: ctx.passphrase });
    const now = ctx.now();
    const appliance = await openDirectAppliance(vendor, {
      now,
      random: ctx.random,
      passphrase: ctx.passphrase,
    });
    const cert = appliance.certificate;
    return outcome(
      {
        certificate: appliance.certificateText,
        certificateId: formatId('certificate', cert.certificateId),
        applianceId: formatId('appliance', cert.applianceId),
        vendorKeyId: formatId('key', cert.vendorKeyId),
        notAfter: cert.notAfter,
        product: null,
        seatQuota: cert.seatQuota,
      },
      [
        `Appliance certificate ${formatId('certificate', cert.certificateId)} of the direct responder (appliance ${formatId('appliance', cert.applianceId)}, any product, valid until ${when(cert.notAfter)}):`,
        '',
        appliance.certificateText,
        '',
        'Add it to the "certificates" list of a trust file so clients accept typed responses.',
      ],
    );
  },
};

export const vendorCommands: CommandGroup = {
  name: 'vendor',
  title: 'Vendor (keeps the root key)',
  commands: [
    warnedInit(init),
    delegate,
    respond,
    certificate,
    revokeCommand,
    publishRevocations,
    verifyReport,
    ...vendorKeyCommands,
  ],
};
