// Code arguments (KEY, CHALLENGE, RESPONSE) as typed, or "-" to read standard input, or "@FILE" to
// read a file; both bounded, since no code is anywhere near 64 KiB.

import { AirlockError } from '../core/errors.ts';
import { readFileBounded } from '../node/atomic-file.ts';
import type { CliContext } from './context.ts';

export const MAX_CODE_INPUT_BYTES = 64 * 1024;

function text(bytes: Uint8Array, what: string, source: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes).trim();
  } catch {
    throw new AirlockError('CODE_MALFORMED', `The ${what} read from ${source} is not text.`);
  }
}

/** Resolves "-" and "@FILE"; anything else is the code itself. */
export async function readCodeArgument(
  value: string,
  what: string,
  ctx: CliContext,
): Promise<string> {
  if (value === '-') {
    return text(await ctx.readStdin(MAX_CODE_INPUT_BYTES, what), what, 'standard input');
  }
  if (value.startsWith('@') && value.length > 1) {
    const path = value.slice(1);
    return text(await readFileBounded(path, MAX_CODE_INPUT_BYTES, what), what, path);
  }
  return value;
}

/** A FILE argument holding a code (a certificate, a hand-over): a path, "-" or "@FILE". */
export function readCodeFile(value: string, what: string, ctx: CliContext): Promise<string> {
  return readCodeArgument(value === '-' || value.startsWith('@') ? value : `@${value}`, what, ctx);
}
