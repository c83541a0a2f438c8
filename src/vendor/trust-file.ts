// Trust files on disk (docs/SDK.md "Trust"): the vendor writes one when it creates its root key,
// applications ship it, and `airlock client …` reads it. `--trust DIR` means DIR/trust.json.

import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { readFileBounded, writeFileAtomic } from '../node/atomic-file.ts';
import { AirlockError } from '../core/errors.ts';
import { parseTrust, trustFile, type TrustAnchors } from '../sdk/trust.ts';

export const TRUST_FILE_NAME = 'trust.json';
/** Far above any real trust file (64 roots, 256 certificates), far below trouble. */
const MAX_TRUST_BYTES = 1024 * 1024;

/** A directory (a vendor directory works) stands for the trust.json inside it. */
export async function resolveTrustPath(path: string): Promise<string> {
  const info = await stat(path).catch(() => undefined);
  return info?.isDirectory() ? join(path, TRUST_FILE_NAME) : path;
}

export async function readTrustFile(path: string): Promise<TrustAnchors> {
  const file = await resolveTrustPath(path);
  const bytes = await readFileBounded(file, MAX_TRUST_BYTES, 'trust file');
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    throw new AirlockError('TRUST_INVALID', `The trust file ${file} is not valid JSON.`);
  }
  return parseTrust(json);
}

export async function writeTrustFile(path: string, trust: TrustAnchors): Promise<void> {
  await writeFileAtomic(path, `${JSON.stringify(trustFile(trust), null, 2)}\n`);
}
