// `airlock license inspect`: decodes a key (naming a mistyped group), explains every field and,
// given a trust file, says whether the key is valid or why not.

import { AirlockError, isAirlockError } from '../../core/errors.ts';
import { decodeLicenseKey, parseLicenseKey } from '../../core/formats/license-key.ts';
import { formatId } from '../../core/ids.ts';
import { nodeSuite } from '../../node/ed25519.ts';
import { verifyLicenseKey } from '../../sdk/verify-license.ts';
import { readTrustFile } from '../../vendor/trust-file.ts';
import type { ParsedArgs } from '../args.ts';
import type { Command } from '../command.ts';
import type { CliContext } from '../context.ts';
import { readCodeArgument } from '../inputs.ts';
import { errorJson, exitCodeFor, outcome } from '../output.ts';
import { explain, licenseJson } from './license-fields.ts';

async function inspectKey(args: ParsedArgs, ctx: CliContext) {
  const text = await readCodeArgument(args.positionals[0]!, 'license key', ctx);
  const key = parseLicenseKey(decodeLicenseKey(text));
  const now = ctx.now();
  const trustPath = args.string('trust');
  const product = args.string('product');
  let problem: AirlockError | undefined;
  try {
    if (trustPath !== undefined) {
      verifyLicenseKey(text, {
        trust: await readTrustFile(trustPath),
        now,
        verifier: nodeSuite,
        ...(product === undefined ? {} : { product }),
      });
    } else if (product !== undefined && key.product !== product) {
      throw new AirlockError(
        'PRODUCT_MISMATCH',
        `This license is for "${key.product}", not for "${product}".`,
      );
    }
  } catch (error) {
    // A trust file that cannot be read is the command's failure, not the key's.
    if (!isAirlockError(error) || ['TRUST_INVALID', 'FILE_NOT_FOUND'].includes(error.code))
      throw error;
    problem = error;
  }
  return { key, now, problem, verified: trustPath !== undefined };
}

export const inspect: Command = {
  group: 'license',
  name: 'inspect',
  summary: 'decode a license key and explain its fields; with --trust, say whether it is valid',
  usage: 'KEY [--trust FILE|DIR] [--product NAME]',
  help: [
    'Decodes a license key (a mistyped group is named) and explains every field. With --trust it',
    'also verifies the signature against the trusted vendor keys and checks the expiry, and says',
    "whether the key is valid or why not (the exit code is then that reason's). KEY may be -",
    '(standard input) or @FILE.',
  ].join('\n'),
  options: {
    trust: { type: 'string', value: 'FILE|DIR', help: 'trust file (DIR means DIR/trust.json)' },
    product: { type: 'string', value: 'NAME', help: 'refuse a key for another product' },
  },
  positionals: ['KEY'],
  async run(args, ctx) {
    const { key, now, problem, verified } = await inspectKey(args, ctx);
    const verdict = problem
      ? `Not valid. ${problem.message} (${problem.code})`
      : verified
        ? `Valid. It is signed by a trusted vendor key and in force${args.string('product') ? ` for "${key.product}"` : ''}.`
        : 'Not verified. Pass --trust FILE|DIR to check the signature and the expiry.';
    const data = {
      ...licenseJson(key),
      valid: problem ? false : verified ? true : null,
      ...(problem ? { error: errorJson(problem) } : {}),
    };
    return {
      ...outcome(data, [
        `License ${formatId('license', key.licenseId)}:`,
        ...explain(key, now),
        verdict,
      ]),
      ...(problem ? { exitCode: exitCodeFor(problem) } : {}),
    };
  },
};
