// Documents the nodes share besides the ledger (migration 2, table shared_documents): one row each,
// replaced whole in one statement, so a reader sees the old text or the new, never a mix. Each
// replacement names the version it replaces and fails, changing nothing, when another node has
// replaced it since (optimistic: no writer waits on another's lock longer than its statement). A
// node asks for the version and SHA-256 (one indexed row, no text) to know whether to read again.

import { createHash } from 'node:crypto';
import type pg from 'pg';
import { AirlockError } from '../core/errors.ts';
import { checkOut, isConnectionError } from './connection.ts';
import type { Queryable } from './record-rows.ts';
import type { PgNames } from './schema.ts';

/** Which text a node holds: version 0 for none (the row absent). */
export interface DocumentStamp {
  readonly version: number;
  readonly sha256: string;
}

export const NO_DOCUMENT: DocumentStamp = { version: 0, sha256: '' };

/**
 * Reading or writing a whole document (60 MB for a million revocations) takes longer than the
 * ledger's statements may (10 s): these statements get their own time-out.
 */
const DOCUMENT_TIMEOUT_MS = 120_000;

/** Reads are tried again on a fresh connection when a pooled one turns out to be dead. */
const ATTEMPTS = 3;

export const sameStamp = (a: DocumentStamp, b: DocumentStamp): boolean =>
  a.version === b.version && a.sha256 === b.sha256;

/** The connection failed while COMMIT was under way: the replacement may or may not be kept. */
export class CommitOutcomeUnknown extends Error {
  override readonly cause: unknown;
  constructor(cause: unknown) {
    super('the connection failed during COMMIT');
    this.cause = cause;
  }
}

const sha256Hex = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

async function retried<T>(read: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await read();
    } catch (error) {
      if (!isConnectionError(error) || attempt >= ATTEMPTS) throw error;
    }
  }
}

/** The document's version and digest now (NO_DOCUMENT when there is none). */
export async function documentStamp(
  db: Queryable,
  names: PgNames,
  name: string,
): Promise<DocumentStamp> {
  const { rows } = await retried(() =>
    db.query<{ version: string; sha256: string }>(
      `SELECT version, sha256 FROM ${names.documents} WHERE name = $1`,
      [name],
    ),
  );
  const row = rows[0];
  return row === undefined ? NO_DOCUMENT : { version: Number(row.version), sha256: row.sha256 };
}

/**
 * Runs `work` in a transaction whose statements may take DOCUMENT_TIMEOUT_MS; commits when it
 * returns. Nothing is sent before BEGIN has succeeded, so a dead pooled connection is replaced.
 * For a write, a connection lost during COMMIT is CommitOutcomeUnknown.
 */
async function inLongTransaction<T>(
  pool: pg.Pool,
  work: (client: pg.PoolClient) => Promise<T>,
  write = false,
): Promise<T> {
  const client = await retried(async () => {
    const fresh = await checkOut(pool);
    try {
      await fresh.query(
        `BEGIN; SET LOCAL statement_timeout = ${DOCUMENT_TIMEOUT_MS}; ` +
          `SET LOCAL lock_timeout = ${DOCUMENT_TIMEOUT_MS}`,
      );
      return fresh;
    } catch (error) {
      fresh.release(true);
      throw error;
    }
  });
  let broken = false;
  let commitSent = false;
  try {
    const result = await work(client);
    commitSent = true;
    await client.query('COMMIT');
    return result;
  } catch (error) {
    broken = true; // the server rolls back a transaction whose connection is dropped
    throw write && commitSent ? new CommitOutcomeUnknown(error) : error;
  } finally {
    client.release(broken);
  }
}

export interface ReadDocument {
  readonly stamp: DocumentStamp;
  readonly text: string;
}

/**
 * The document's text with its stamp, or null when there is none. Its size is checked in the
 * database before the text is sent (FILE_TOO_LARGE beyond `maxBytes`), and the text against its
 * SHA-256 (LEDGER_CORRUPT when they differ: the row was changed by hand or damaged).
 */
export async function readDocument(
  pool: pg.Pool,
  names: PgNames,
  name: string,
  options: { readonly maxBytes: number; readonly label: string },
): Promise<ReadDocument | null> {
  // One read-only transaction with the document's time-out: 60 MB take a while over a slow link.
  const { rows } = await inLongTransaction(pool, (client) =>
    client.query<{ version: string; sha256: string; bytes: number; body: string | null }>({
      text:
        `SELECT version, sha256, octet_length(body) AS bytes, ` +
        `CASE WHEN octet_length(body) <= $2 THEN body END AS body ` +
        `FROM ${names.documents} WHERE name = $1`,
      values: [name, options.maxBytes],
      query_timeout: DOCUMENT_TIMEOUT_MS + 5000,
    } as pg.QueryConfig),
  );
  const row = rows[0];
  if (row === undefined) return null;
  const where = `The ${name} kept in the ledger database at ${options.label} (${names.schema}.shared_documents)`;
  if (row.body === null) {
    throw new AirlockError(
      'FILE_TOO_LARGE',
      `${where} take ${row.bytes} bytes, more than the ${options.maxBytes} this airlock reads.`,
      { database: options.label, bytes: row.bytes },
    );
  }
  if (sha256Hex(row.body) !== row.sha256) {
    throw new AirlockError(
      'LEDGER_CORRUPT',
      `${where} do not match their SHA-256: the row was changed by hand or damaged.`,
      { database: options.label, document: name },
    );
  }
  return { stamp: { version: Number(row.version), sha256: row.sha256 }, text: row.body };
}

/**
 * Replaces the document whole if it is still `expected` (inserts it when `expected` is
 * NO_DOCUMENT); resolves with the new stamp once committed, or 'changed' (nothing written) when
 * another node replaced it first. Two nodes replacing it at once: the second waits for the
 * first's row lock, then finds the version moved on.
 */
export async function replaceDocument(
  pool: pg.Pool,
  names: PgNames,
  name: string,
  text: string,
  expected: DocumentStamp,
): Promise<DocumentStamp | 'changed'> {
  const sha256 = sha256Hex(text);
  const statement =
    expected.version === 0
      ? {
          text:
            `INSERT INTO ${names.documents} (name, version, sha256, body) VALUES ($1, 1, $2, $3) ` +
            'ON CONFLICT (name) DO NOTHING RETURNING version',
          values: [name, sha256, text],
        }
      : {
          text:
            `UPDATE ${names.documents} SET version = version + 1, sha256 = $2, body = $3, ` +
            'updated_at = now() WHERE name = $1 AND version = $4 AND sha256 = $5 RETURNING version',
          values: [name, sha256, text, expected.version, expected.sha256],
        };
  // Another node's replacement first: no row is returned, nothing is written (the empty
  // transaction commits).
  const written = await inLongTransaction(
    pool,
    async (client) =>
      (
        await client.query<{ version: string }>({
          ...statement,
          query_timeout: DOCUMENT_TIMEOUT_MS + 5000,
        } as pg.QueryConfig)
      ).rows[0],
    true,
  );
  return written === undefined ? 'changed' : { version: Number(written.version), sha256 };
}
