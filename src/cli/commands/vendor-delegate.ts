// `airlock vendor delegate`: the vendor certifies an appliance's key (DESIGN trust model), for
// one product or all, until a date, optionally with a seat quota.

import { parseDelegationRequest } from '../../appliance/data-dir.ts';
import { certificateText, issueCertificate } from '../../core/formats/certificate.ts';
import { AirlockError } from '../../core/errors.ts';
import { formatId, NAME_PATTERN } from '../../core/ids.ts';
import { readFileBounded, writeFileAtomic } from '../../node/atomic-file.ts';
import { openVendor } from '../../vendor/vendor-dir.ts';
import type { Command } from '../command.ts';
import { outcome, rows, when } from '../output.ts';
import { parseExpiry } from '../time.ts';

export const delegate: Command = {
  group: 'vendor',
  name: 'delegate',
  summary: "sign an appliance's delegation request: its certificate",
  usage: 'REQUEST --vendor DIR --out CERT [--products NAME] [--expires DATE|+1y] [--seat-quota N]',
  help: [
    'Reads the delegation-request.json an appliance made (`airlock appliance init --trust …`) and',
    'signs an appliance certificate for its key with the vendor root key. --products names the one',
    'product it may activate (all products when left out); --expires defaults to one year;',
    '--seat-quota caps the seats it may hand out in all. Writes the certificate to CERT (never',
    'over an existing file).',
  ].join('\n'),
  options: {
    vendor: { type: 'string', value: 'DIR', help: 'the vendor directory' },
    out: { type: 'string', value: 'CERT', help: 'where to write the certificate' },
    products: {
      type: 'string',
      value: 'NAME',
      help: 'the one product it may activate (default: all)',
    },
    expires: { type: 'string', value: 'DATE|+1y', help: 'when the certificate ends (default +1y)' },
    'seat-quota': { type: 'string', value: 'N', help: 'most seats in all (default: no quota)' },
  },
  required: ['vendor', 'out'],
  positionals: ['REQUEST'],
  async run(args, ctx) {
    const now = ctx.now();
    const path = args.positionals[0]!;
    let json: unknown;
    try {
      json = JSON.parse(
        new TextDecoder().decode(await readFileBounded(path, 64 * 1024, 'delegation request')),
      );
    } catch (error) {
      if (error instanceof AirlockError) throw error;
      throw new AirlockError(
        'FORMAT_INVALID',
        `${path} is not JSON: it is not a delegation request.`,
      );
    }
    const request = parseDelegationRequest(json);
    const product = args.string('products');
    if (product !== undefined && !NAME_PATTERN.test(product)) {
      throw new AirlockError(
        'USAGE',
        `--products takes one product name (a-z, 0-9, . _ -); a certificate covers one product or all.`,
      );
    }
    const quotaText = args.string('seat-quota') ?? '0';
    const seatQuota = Number(quotaText);
    if (!/^\d+$/.test(quotaText) || seatQuota > 0xffff)
      throw new AirlockError('USAGE', '--seat-quota takes a number from 0 to 65535.');
    const notAfter = parseExpiry(args.string('expires') ?? '+1y', now);
    const vendor = await openVendor(args.required('vendor'), { passphrase: ctx.passphrase });
    const cert = issueCertificate(
      {
        applianceId: request.applianceId,
        publicKey: request.publicKey,
        notAfter,
        seatQuota,
        product: product ?? null,
      },
      vendor.signer,
    );
    const out = args.required('out');
    await writeFileAtomic(out, `${certificateText(cert)}\n`, { exclusive: true });
    return outcome(
      {
        certificateId: formatId('certificate', cert.certificateId),
        applianceId: formatId('appliance', cert.applianceId),
        notAfter,
        out,
      },
      [
        `Signed certificate ${formatId('certificate', cert.certificateId)} for appliance ${formatId('appliance', cert.applianceId)}.`,
        ...rows([
          ['products', product ?? 'all'],
          ['valid until', when(notAfter)],
          ['seat quota', seatQuota === 0 ? 'none' : String(seatQuota)],
          ['written to', out],
        ]),
      ],
    );
  },
};
