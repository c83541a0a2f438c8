// The vendor's revocations an appliance holds: its revocation streams (docs/FORMATS.md §11.4) in
// DATA/revocations.json, replaced atomically when an import has passed every check. The lists are
// kept outside the journal: a bundle may hold a million entries; the journal records each import.

import { join } from 'node:path';
import { stat } from 'node:fs/promises';
import { AirlockError } from '../core/errors.ts';
import { readFileBounded, writeFileAtomic } from '../node/atomic-file.ts';
import type { RevocationStream } from '../sdk/state.ts';

export const REVOCATIONS_FILE = 'revocations.json';
export const REVOCATIONS_FORMAT = 'airlock-appliance-revocations/v1';
/** A full bundle of a million entries takes about 60 MB as JSON. */
const MAX_FILE_BYTES = 256 * 1024 * 1024;

export type Streams = Readonly<Record<string, RevocationStream>>;

/** Where the appliance's revocation streams are kept; a memory store serves tests. */
export interface RevocationStore {
  readonly streams: Streams;
  /** Replaces the streams, durably, before it resolves. */
  replace(streams: Streams): Promise<void>;
}

export function memoryRevocationStore(initial: Streams = {}): RevocationStore {
  let streams = initial;
  return {
    get streams() {
      return streams;
    },
    async replace(next) {
      streams = next;
    },
  };
}

export async function openRevocationStore(dir: string): Promise<RevocationStore> {
  const path = join(dir, REVOCATIONS_FILE);
  let streams: Streams = {};
  if ((await stat(path).catch(() => undefined)) !== undefined) {
    const text = new TextDecoder().decode(
      await readFileBounded(path, MAX_FILE_BYTES, 'revocations file'),
    );
    let json: { format?: unknown; streams?: unknown };
    try {
      json = JSON.parse(text) as typeof json;
    } catch {
      json = {};
    }
    if (json.format !== REVOCATIONS_FORMAT || typeof json.streams !== 'object' || !json.streams) {
      throw new AirlockError(
        'FORMAT_INVALID',
        `${path} is damaged. Move it away and import the vendor's latest full revocation bundle again.`,
      );
    }
    streams = json.streams as Streams;
  }
  return {
    get streams() {
      return streams;
    },
    async replace(next) {
      await writeFileAtomic(
        path,
        `${JSON.stringify({ format: REVOCATIONS_FORMAT, streams: next })}\n`,
      );
      streams = next;
    },
  };
}
