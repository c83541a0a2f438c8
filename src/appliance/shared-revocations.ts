// The vendor's revocations of appliance nodes sharing a PostgreSQL ledger: the document that a
// single appliance keeps in DATA/revocations.json, kept in the ledger's database instead
// (shared_documents, row "revocations"), so that a bundle imported through any node reaches every
// node at its next refresh. Replacements are whole and name the version they replace: two nodes
// importing at once never mix, and the second decides again on what the first kept.

import type pg from 'pg';
import { AirlockError } from '../core/errors.ts';
import { createPool, databaseLabel } from '../ledger-pg/connection.ts';
import { coalesced } from '../ledger-pg/coalesce.ts';
import { migrate } from '../ledger-pg/migrate.ts';
import { databaseRefusal } from '../ledger-pg/refusals.ts';
import { DEFAULT_SCHEMA, pgNames } from '../ledger-pg/schema.ts';
import {
  CommitOutcomeUnknown,
  type DocumentStamp,
  documentStamp,
  NO_DOCUMENT,
  readDocument,
  replaceDocument,
  sameStamp,
} from '../ledger-pg/shared-documents.ts';
import {
  MAX_REVOCATIONS_BYTES,
  openRevocationStore,
  parseRevocationsText,
  readRevocationsFile,
  type RevocationStore,
  revocationsText,
  type Streams,
} from './revocation-store.ts';

/** The row of shared_documents that holds them. */
export const REVOCATIONS_DOCUMENT = 'revocations';

export interface SharedRevocationOptions {
  /** The ledger's database (its schema must be migrated: openPgLedger does that). */
  readonly url: string;
  readonly schema?: string;
  /** Shown as application_name ("airlock: appliance server (airlock serve)"). */
  readonly purpose: string;
}

export interface SharedRevocationStore extends RevocationStore {
  /** host:port/database. */
  readonly database: string;
  /** The version held (0: the database holds none). */
  readonly version: number;
  close(): Promise<void>;
}

/** What became of a node's own DATA/revocations.json, the first time it met the database. */
export type Adopted =
  | { readonly outcome: 'copied'; readonly vendorSequence: number | null }
  | { readonly outcome: 'no-file' }
  | { readonly outcome: 'database-holds-some' };

export async function openSharedRevocationStore(
  options: SharedRevocationOptions,
): Promise<SharedRevocationStore> {
  const names = pgNames(options.schema ?? DEFAULT_SCHEMA);
  const label = databaseLabel(options.url);
  const pool: pg.Pool = createPool({
    url: options.url,
    purpose: `${options.purpose}, revocations`,
    poolSize: 2,
  });
  pool.on('error', () => undefined); // an idle connection lost: the next query reports it

  let streams: Streams = {};
  let stamp: DocumentStamp = NO_DOCUMENT;
  /** Grows with each replacement here: a refresh that began before one keeps nothing it read. */
  let epoch = 0;

  function refused(error: unknown, outcomeUnknown = false): AirlockError {
    if (error instanceof CommitOutcomeUnknown) return refused(error.cause, true);
    return databaseRefusal(label, error, { reading: !outcomeUnknown, outcomeUnknown });
  }

  /** Reads the document again when its stamp is not the one held. */
  async function load(): Promise<void> {
    const started = epoch;
    const now = await documentStamp(pool, names, REVOCATIONS_DOCUMENT);
    if (sameStamp(now, stamp)) return;
    const read = await readDocument(pool, names, REVOCATIONS_DOCUMENT, {
      maxBytes: MAX_REVOCATIONS_BYTES,
      label,
    });
    const next = read === null ? {} : parseRevocationsText(read.text);
    if (next === null) {
      throw new AirlockError(
        'LEDGER_CORRUPT',
        `The vendor's revocations kept in the ledger database at ${label} are not an Airlock revocations document. ` +
          `Delete them (DELETE FROM ${names.documents} WHERE name = '${REVOCATIONS_DOCUMENT}') and import the vendor's latest full revocation bundle again.`,
        { database: label },
      );
    }
    if (epoch !== started) return; // this node replaced them meanwhile: that is newer
    streams = next;
    stamp = read === null ? NO_DOCUMENT : read.stamp;
  }

  const refreshOnce = coalesced(async () => {
    try {
      await load();
    } catch (error) {
      throw refused(error); // an AirlockError (damage, too large) as it is
    }
  });

  try {
    await refreshOnce();
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw error;
  }

  return {
    database: label,
    get streams() {
      return streams;
    },
    get version() {
      return stamp.version;
    },
    refresh: refreshOnce,
    async replace(next) {
      const text = revocationsText(next);
      let written: DocumentStamp | 'changed';
      try {
        written = await replaceDocument(pool, names, REVOCATIONS_DOCUMENT, text, stamp);
      } catch (error) {
        throw refused(error);
      }
      if (written === 'changed') {
        throw new AirlockError(
          'REVOCATIONS_CHANGED',
          `Another node of this appliance replaced the vendor's revocations in the ledger database at ${label} while this import was checked; nothing was kept. Import the bundle again.`,
          { database: label },
        );
      }
      epoch++;
      streams = next;
      stamp = written;
    },
    close: () => pool.end(),
  };
}

/**
 * A node's DATA/revocations.json, copied into the database when the database holds none yet (the
 * first node to meet it brings what it held; `airlock ledger migrate` does the same). After that
 * the file is not read: the database's are the appliance's.
 */
export async function adoptRevocationsFile(
  dir: string,
  store: SharedRevocationStore,
): Promise<Adopted> {
  if (store.version !== 0) return { outcome: 'database-holds-some' };
  const held = await readRevocationsFile(dir);
  if (Object.keys(held).length === 0) return { outcome: 'no-file' };
  try {
    await store.replace(held);
  } catch (error) {
    if (error instanceof AirlockError && error.code === 'REVOCATIONS_CHANGED') {
      await store.refresh(); // another node brought its own first: theirs are kept
      return { outcome: 'database-holds-some' };
    }
    throw error;
  }
  return { outcome: 'copied', vendorSequence: held['vendor']?.sequence ?? null };
}

/**
 * For `airlock ledger migrate`: copies DATA/revocations.json of `dir` into the database at `url`
 * (its schema migrated first, as opening a node does) unless it holds revocations already.
 */
export async function copyRevocationsToDatabase(
  dir: string,
  options: SharedRevocationOptions,
): Promise<Adopted> {
  const label = databaseLabel(options.url);
  const pool = createPool({ url: options.url, purpose: options.purpose, poolSize: 1 });
  pool.on('error', () => undefined);
  try {
    await migrate(pool, pgNames(options.schema ?? DEFAULT_SCHEMA));
  } catch (error) {
    throw databaseRefusal(label, error, { reading: true });
  } finally {
    await pool.end().catch(() => undefined);
  }
  const store = await openSharedRevocationStore(options);
  try {
    return await adoptRevocationsFile(dir, store);
  } finally {
    await store.close();
  }
}

/**
 * For the way back to one box (`airlock ledger migrate` from the database into a data directory):
 * the database's revocations written into DATA/revocations.json of `dir`, replacing the file.
 */
export async function copyRevocationsToFile(
  dir: string,
  options: SharedRevocationOptions,
): Promise<{ readonly vendorSequence: number | null }> {
  const store = await openSharedRevocationStore(options);
  try {
    await (await openRevocationStore(dir)).replace(store.streams);
    return { vendorSequence: store.streams['vendor']?.sequence ?? null };
  } finally {
    await store.close();
  }
}
