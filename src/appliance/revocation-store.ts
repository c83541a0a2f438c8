// The vendor's revocations an appliance holds: its revocation streams (docs/FORMATS.md §11.4) in
// DATA/revocations.json, replaced atomically when an import has passed every check. The lists are
// kept outside the journal: a bundle may hold a million entries; the journal records each import.
// Nodes sharing a PostgreSQL ledger keep the same document in the database (shared-revocations.ts).

import { join } from 'node:path';
import { stat } from 'node:fs/promises';
import { AirlockError } from '../core/errors.ts';
import { readFileBounded, writeFileAtomic } from '../node/atomic-file.ts';
import type { RevocationStream } from '../sdk/state.ts';

export const REVOCATIONS_FILE = 'revocations.json';
export const REVOCATIONS_FORMAT = 'airlock-appliance-revocations/v1';
/** A full bundle of a million entries takes about 60 MB as JSON. */
export const MAX_REVOCATIONS_BYTES = 256 * 1024 * 1024;

export type Streams = Readonly<Record<string, RevocationStream>>;

/** Where the appliance's revocation streams are kept; a memory store serves tests. */
export interface RevocationStore {
  readonly streams: Streams;
  /**
   * Replaces the streams, durably, before it resolves. A store shared by several nodes refuses
   * with REVOCATIONS_CHANGED, keeping nothing, when another node replaced them after this one
   * last read them (refresh, then decide again).
   */
  replace(streams: Streams): Promise<void>;
  /** Brings `streams` up to what other nodes sharing the store have kept (others: nothing). */
  refresh(): Promise<void>;
}

/** The document's text, as the file holds it and the database's copy too. */
export function revocationsText(streams: Streams): string {
  return `${JSON.stringify({ format: REVOCATIONS_FORMAT, streams })}\n`;
}

/** The streams of a document's text (bounded by its reader), or null when it is not one. */
export function parseRevocationsText(text: string): Streams | null {
  let json: { format?: unknown; streams?: unknown };
  try {
    json = JSON.parse(text) as typeof json;
  } catch {
    return null;
  }
  if (json === null || typeof json !== 'object') return null;
  if (json.format !== REVOCATIONS_FORMAT || typeof json.streams !== 'object' || !json.streams) {
    return null;
  }
  return json.streams as Streams;
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
    async refresh() {},
  };
}

/** The streams in DATA/revocations.json; none when there is no file. */
export async function readRevocationsFile(dir: string): Promise<Streams> {
  const path = join(dir, REVOCATIONS_FILE);
  if ((await stat(path).catch(() => undefined)) === undefined) return {};
  const text = new TextDecoder().decode(
    await readFileBounded(path, MAX_REVOCATIONS_BYTES, 'revocations file'),
  );
  const streams = parseRevocationsText(text);
  if (streams === null) {
    throw new AirlockError(
      'FORMAT_INVALID',
      `${path} is damaged. Move it away and import the vendor's latest full revocation bundle again.`,
    );
  }
  return streams;
}

export async function openRevocationStore(dir: string): Promise<RevocationStore> {
  const path = join(dir, REVOCATIONS_FILE);
  let streams = await readRevocationsFile(dir);
  return {
    get streams() {
      return streams;
    },
    async replace(next) {
      await writeFileAtomic(path, revocationsText(next));
      streams = next;
    },
    async refresh() {},
  };
}
