// `airlock appliance seal-key | rotate-key | retire-key`: the custody of the appliance's keys
// (docs/KEYS.md): sealing them, replacing the appliance key, and removing replaced ones.

import { applianceKeyFiles } from '../../appliance/data-dir.ts';
import {
  type KeyStatus,
  retireApplianceKey,
  rotateApplianceKey,
} from '../../appliance/key-rotation.ts';
import { formatId } from '../../core/ids.ts';
import type { Command } from '../command.ts';
import { outcome, rows, when } from '../output.ts';
import { sealKeyCommand, warnWhenUnsealed } from './seal-key.ts';

const DATA = { data: { type: 'string', value: 'DIR', help: 'the data directory' } } as const;

export const sealKey = sealKeyCommand({
  group: 'appliance',
  dirOption: 'data',
  what: 'data directory',
  keyFiles: applianceKeyFiles,
});

/** `appliance init`, warning when it wrote the keys unsealed. */
export function warnedInit(init: Command): Command {
  return warnWhenUnsealed(
    init,
    (args) => `airlock appliance seal-key --data ${args.required('data')}`,
  );
}

/** For `appliance info`: a rotation waiting for its certificate, and the replaced keys. */
export function keyStatusLines(keys: KeyStatus): string[] {
  return [
    ...(keys.pending === null
      ? []
      : [`Key ${keys.pending} waits for its certificate (airlock appliance install-cert).`]),
    ...(keys.retired.length === 0
      ? []
      : [
          'Replaced keys:',
          ...rows(
            keys.retired.map((k) => [
              k.keyId,
              `${k.certificateId ?? 'no certificate'}${k.key ? ', key kept (airlock appliance retire-key)' : ', key destroyed'}`,
            ]),
          ),
        ]),
  ];
}

export const rotateKey: Command = {
  group: 'appliance',
  name: 'rotate-key',
  summary: 'replace the appliance key (its ID stays; earlier responses keep verifying)',
  usage: '--data DIR',
  help: [
    'Makes a new appliance key. The appliance ID stays the same, so the ledger, activation IDs',
    'and site bundles carry on. Machines verify a response with the certificate it came with,',
    'which they keep: activations made with the old key stay valid; new ones get the new',
    'certificate (the QR form of a response carries it).',
    '',
    'Delegated: the new key waits in DATA/appliance.next.key and DATA/delegation-request.json is',
    'written for it; the old key signs until the vendor signs the request (`airlock vendor',
    'delegate`) and you install the certificate (`airlock appliance install-cert`). Running it',
    'again while a key waits writes that request again.',
    'Standalone: the appliance certifies the new key with its own vendor root at once.',
    '',
    'The old key and certificate are kept in DATA/retired/; restart `airlock serve` to use the',
    'new key. `airlock appliance retire-key` destroys the old key when it is no longer wanted.',
  ].join('\n'),
  options: DATA,
  required: ['data'],
  async run(args, ctx) {
    const dir = args.required('data');
    const rotated = await rotateApplianceKey(dir, {
      passphrase: ctx.passphrase,
      now: ctx.now(),
      random: ctx.random,
    });
    const cert = rotated.certificate;
    return outcome(
      {
        oldKeyId: rotated.oldKeyId,
        newKeyId: rotated.newKeyId,
        requestFile: rotated.requestFile ?? null,
        certificateId: cert ? formatId('certificate', cert.certificateId) : null,
      },
      cert
        ? [
            `The appliance key is now ${rotated.newKeyId} (it was ${rotated.oldKeyId}), certified by the appliance's vendor root: certificate ${formatId('certificate', cert.certificateId)}, valid until ${when(cert.notAfter)}.`,
            `The old key and certificate are in ${dir}/retired/. Restart \`airlock serve\` to sign with the new key.`,
          ]
        : [
            `New appliance key ${rotated.newKeyId}; ${rotated.oldKeyId} keeps signing until its certificate is installed.`,
            `Send ${rotated.requestFile} to the vendor, who runs:`,
            `  airlock vendor delegate ${rotated.requestFile} --vendor VENDOR_DIR --out appliance.cert`,
            `Then: airlock appliance install-cert appliance.cert --data ${dir}`,
          ],
    );
  },
};

export const retireKey: Command = {
  group: 'appliance',
  name: 'retire-key',
  summary: 'destroy a key that a rotation replaced',
  usage: 'KEY_ID --data DIR',
  help: [
    'Deletes DATA/retired/KEY_ID.key, a key replaced by `airlock appliance rotate-key`. Its',
    'certificate stays in DATA/retired/ for the record: machines keep verifying what the key',
    'signed until that certificate expires. If the key may have leaked, ask the vendor to revoke',
    'its certificate (`airlock vendor revoke CERT_ID --reason key-compromise`): this also ends',
    'the activations it granted, which then need a new challenge.',
  ].join('\n'),
  options: DATA,
  required: ['data'],
  positionals: ['KEY_ID'],
  async run(args, ctx) {
    const retired = await retireApplianceKey(args.required('data'), args.positionals[0]!, {
      passphrase: ctx.passphrase,
      now: ctx.now(),
    });
    return outcome({ ...retired }, [
      `Key ${retired.keyId} destroyed.`,
      ...(retired.certificateId === null
        ? []
        : [
            `Its certificate ${retired.certificateId} stays valid for what it signed; if the key leaked, the vendor revokes it:`,
            `  airlock vendor revoke ${retired.certificateId} --vendor VENDOR_DIR --reason key-compromise`,
          ]),
    ]);
  },
};

export const applianceKeyCommands: readonly Command[] = [sealKey, rotateKey, retireKey];
