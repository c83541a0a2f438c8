// The ledger's snapshot file: the reducer's state as of one record (named by seq and hash), so
// that opening replays only the records after it instead of the whole journal.

import { join } from 'node:path';
import { AirlockError } from '../core/errors.ts';
import { readFileBounded, writeFileAtomic } from '../node/atomic-file.ts';

export const SNAPSHOT_FORMAT = 'airlock-snapshot/v1';
/** Near the longest string V8 can make: a larger snapshot could not be parsed anyway. */
const MAX_SNAPSHOT_BYTES = 512 * 1024 * 1024;
const HASH_PATTERN = /^[0-9a-f]{64}$/;

export interface Snapshot {
  readonly seq: number;
  readonly hash: string;
  readonly state: unknown;
}

export type SnapshotRead =
  | { readonly found: true; readonly snapshot: Snapshot }
  | { readonly found: false; readonly problem: string | null };

export function snapshotPath(dir: string): string {
  return join(dir, 'snapshot.json');
}

/** The snapshot's text, made at once so that later changes to the state cannot leak into it. */
export function snapshotText(seq: number, hash: string, state: unknown): string {
  return `${JSON.stringify({ format: SNAPSHOT_FORMAT, seq, hash, state })}\n`;
}

export async function writeSnapshot(dir: string, text: string): Promise<void> {
  // Owner-only, like the journal: activations name machines and clients.
  await writeFileAtomic(snapshotPath(dir), text, { mode: 0o600 });
}

/** Reads the snapshot; a missing one is no problem, a damaged one is described (not thrown). */
export async function readSnapshot(dir: string): Promise<SnapshotRead> {
  let bytes: Uint8Array;
  try {
    bytes = await readFileBounded(snapshotPath(dir), MAX_SNAPSHOT_BYTES, 'ledger snapshot');
  } catch (error) {
    if (error instanceof AirlockError && error.code === 'FILE_NOT_FOUND') {
      return { found: false, problem: null };
    }
    if (error instanceof AirlockError) return { found: false, problem: error.message };
    throw error;
  }
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('utf8'));
  } catch {
    return { found: false, problem: 'the snapshot is not valid JSON' };
  }
  if (typeof value !== 'object' || value === null) {
    return { found: false, problem: 'the snapshot is not a JSON object' };
  }
  const { format, seq, hash, state } = value as Record<string, unknown>;
  if (format !== SNAPSHOT_FORMAT) {
    return { found: false, problem: `the snapshot's format is not ${SNAPSHOT_FORMAT}` };
  }
  if (
    typeof seq !== 'number' ||
    !Number.isSafeInteger(seq) ||
    seq < 0 ||
    typeof hash !== 'string' ||
    !HASH_PATTERN.test(hash) ||
    state === undefined
  ) {
    return { found: false, problem: 'the snapshot lacks a valid seq, hash or state' };
  }
  return { found: true, snapshot: { seq, hash, state } };
}
