// `airlock vendor seal-key | rotate-key | retire-key`: the custody of the vendor's root keys
// (docs/KEYS.md): sealing them, rotating to a new root with a hand-over, retiring an old one.

import { formatId } from '../../core/ids.ts';
import type { TrustAnchors } from '../../sdk/trust.ts';
import { retireVendorRoot, rotateVendorRoot } from '../../vendor/root-rotation.ts';
import { VENDOR_FILES, vendorKeyFiles } from '../../vendor/vendor-dir.ts';
import type { Command } from '../command.ts';
import { outcome, rows } from '../output.ts';
import { sealKeyCommand, warnWhenUnsealed } from './seal-key.ts';

const VENDOR = { vendor: { type: 'string', value: 'DIR', help: 'the vendor directory' } } as const;

export const sealKey = sealKeyCommand({
  group: 'vendor',
  dirOption: 'vendor',
  what: 'vendor directory',
  keyFiles: vendorKeyFiles,
});

/** `vendor init`, warning when it wrote the root key unsealed. */
export function warnedInit(init: Command): Command {
  return warnWhenUnsealed(
    init,
    (args) => `airlock vendor seal-key --vendor ${args.required('dir')}`,
  );
}

const rootIds = (trust: TrustAnchors) => trust.roots.map((r) => formatId('key', r.keyId));
const retiredIds = (trust: TrustAnchors) => (trust.retired ?? []).map((k) => formatId('key', k));

export const rotateKey: Command = {
  group: 'vendor',
  name: 'rotate-key',
  summary: 'make a new root key the signing root; the old one signs a hand-over',
  usage: '--vendor DIR [--compromised]',
  help: [
    'Creates a new root key (a new key ID) and makes it the one that signs license keys,',
    'certificates and bundles from now on. The old root is kept in DIR/retired/ and stays pinned',
    'in DIR/trust.json after the new one, so what it signed keeps verifying; ship the new trust',
    'file with your next release. The old root signs a hand-over (DIR/handovers/) that teaches',
    'installed clients pinning only the old root to trust the new one (`airlock client',
    'trust-handover`); appliances apply it to their trust file the same way.',
    '',
    '--compromised: the old root may be in other hands. It signs nothing, the trust file lists it',
    'as retired, and clients must get the new trust file; re-issue what it signed.',
    'A rotation cut short is finished by running the command again.',
  ].join('\n'),
  options: {
    ...VENDOR,
    compromised: { type: 'boolean', help: 'the old root leaked: retire it, sign no hand-over' },
  },
  required: ['vendor'],
  async run(args, ctx) {
    const dir = args.required('vendor');
    const compromised = args.flag('compromised');
    const rotated = await rotateVendorRoot(dir, {
      passphrase: ctx.passphrase,
      random: ctx.random,
      now: ctx.now(),
      compromised,
    });
    return outcome(
      {
        oldKeyId: rotated.oldKeyId,
        newKeyId: rotated.newKeyId,
        handover: rotated.handover ?? null,
        roots: rootIds(rotated.trust),
        retired: retiredIds(rotated.trust),
      },
      [
        `Vendor root rotated: ${rotated.newKeyId} signs from now on (it was ${rotated.oldKeyId}).`,
        ...rows([
          [`${dir}/${VENDOR_FILES.trust}`, `pins ${rootIds(rotated.trust).join(', ')}`],
          ...(rotated.handover
            ? ([
                [rotated.handover.file, 'the hand-over, for installed clients and appliances'],
              ] as const)
            : []),
          [`${dir}/${VENDOR_FILES.retired}/${rotated.oldKeyId}.key`, 'the old root, kept'],
        ]),
        ...(compromised
          ? [
              `${rotated.oldKeyId} is retired in the trust file: clients must get the new trust file,`,
              'and license keys and certificates it signed must be issued again with the new root.',
            ]
          : [
              'Next: ship the new trust file; give installed clients and appliances the hand-over:',
              `  airlock client trust-handover ${rotated.handover!.file} --trust FILE|DIR`,
              'Delegate appliances again with the new root when convenient (`airlock vendor delegate`).',
            ]),
      ],
    );
  },
};

export const retireKey: Command = {
  group: 'vendor',
  name: 'retire-key',
  summary: 'stop trusting an earlier root everywhere, and destroy its key',
  usage: 'KEY_ID --vendor DIR',
  help: [
    'For an earlier root kept by `rotate-key` (DIR/retired/KEY_ID.key): it signs its last',
    'hand-over, saying that it retires in favour of the current root; DIR/trust.json stops',
    'pinning it and lists it as retired; its key file is deleted. Clients that get the new trust',
    'file or apply the hand-over refuse what it signed: re-issue those license keys and',
    'certificates with the current root first.',
  ].join('\n'),
  options: VENDOR,
  required: ['vendor'],
  positionals: ['KEY_ID'],
  async run(args, ctx) {
    const dir = args.required('vendor');
    const retired = await retireVendorRoot(dir, args.positionals[0]!, {
      passphrase: ctx.passphrase,
      now: ctx.now(),
    });
    return outcome(
      {
        keyId: retired.keyId,
        handover: retired.handover,
        roots: rootIds(retired.trust),
        retired: retiredIds(retired.trust),
      },
      [
        `Vendor root ${retired.keyId} is retired and its key destroyed.`,
        ...rows([
          [`${dir}/${VENDOR_FILES.trust}`, `pins ${rootIds(retired.trust).join(', ')}`],
          [retired.handover.file, 'its last hand-over: it retires itself'],
        ]),
        'Ship the new trust file; installed clients apply the hand-over with',
        `  airlock client trust-handover ${retired.handover.file} --trust FILE|DIR`,
      ],
    );
  },
};

export const vendorKeyCommands: readonly Command[] = [sealKey, rotateKey, retireKey];
