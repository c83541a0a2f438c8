// `airlock client trust-handover`: a vendor's root hand-over (docs/FORMATS.md §16) applied to a
// trust file, so that a machine pinning only the old root trusts the new one (docs/KEYS.md).
// Works on any trust file: an application's, or an appliance's (--trust DATA).

import { formatId } from '../../core/ids.ts';
import { applyRootHandover } from '../../sdk/root-handover.ts';
import { readTrustFile, resolveTrustPath, writeTrustFile } from '../../vendor/trust-file.ts';
import type { Command } from '../command.ts';
import { readCodeFile } from '../inputs.ts';
import { outcome, rows } from '../output.ts';

export const trustHandover: Command = {
  group: 'client',
  name: 'trust-handover',
  summary: "apply a vendor's root hand-over to a trust file: pin the new root",
  usage: 'HANDOVER --trust FILE|DIR',
  help: [
    'Checks a root hand-over (the file `airlock vendor rotate-key` wrote, or - for standard',
    'input) against the trust file: it must be signed by a root the file pins and has not retired.',
    'Then pins the new root first, so license keys, certificates and bundles signed by either',
    'root are accepted; when the old root retired itself, the file stops trusting it. The trust',
    'file is rewritten only when something changed. An appliance applies it to its own trust',
    'file with --trust DATA (then restart `airlock serve`).',
  ].join('\n'),
  options: {
    trust: { type: 'string', value: 'FILE|DIR', help: 'the trust file to update (DIR/trust.json)' },
  },
  required: ['trust'],
  positionals: ['HANDOVER'],
  async run(args, ctx) {
    const text = await readCodeFile(args.positionals[0]!, 'root hand-over', ctx);
    const path = await resolveTrustPath(args.required('trust'));
    const result = applyRootHandover(await readTrustFile(path), text);
    const changed = result.added || result.retired;
    if (changed) await writeTrustFile(path, result.trust);
    const from = formatId('key', result.handover.signerKeyId);
    const to = formatId('key', result.handover.newKeyId);
    return outcome(
      {
        trust: path,
        from,
        to,
        added: result.added,
        retired: result.retired,
        roots: result.trust.roots.map((r) => formatId('key', r.keyId)),
      },
      [
        changed
          ? `Vendor key ${from} handed over to ${to}; ${path} now pins:`
          : `${path} already pins ${to}; nothing changed. It pins:`,
        ...rows(
          result.trust.roots.map((r, i) => [
            formatId('key', r.keyId),
            i === 0 ? 'the newest root' : 'an earlier root',
          ]),
        ),
        ...(result.retired ? [`${from} retired itself: the file no longer trusts it.`] : []),
      ],
    );
  },
};
