// Snapshot rows: the reducer's state as JSON text as of one record (its seq and hash), written now
// and then so that a node opens by reading the newest and replaying only the records after it.

import type { PgNames } from './schema.ts';
import type { Queryable } from './record-rows.ts';

/** Older snapshots are deleted once this many newer ones exist. */
const KEEP = 2;

export interface SnapshotRow {
  readonly seq: number;
  readonly hash: string;
  /** The serialised state (JSON text). */
  readonly state: string;
}

export async function newestSnapshot(db: Queryable, names: PgNames): Promise<SnapshotRow | null> {
  const { rows } = await db.query<{ seq: string; hash: string; state: string }>(
    `SELECT seq, hash, state FROM ${names.snapshots} ORDER BY seq DESC LIMIT 1`,
  );
  const row = rows[0];
  return row === undefined ? null : { seq: Number(row.seq), hash: row.hash, state: row.state };
}

/** The seq of the newest snapshot, or -1 when there is none. */
export async function newestSnapshotSeq(db: Queryable, names: PgNames): Promise<number> {
  const { rows } = await db.query<{ seq: string | null }>(
    `SELECT max(seq) AS seq FROM ${names.snapshots}`,
  );
  return rows[0]?.seq === null || rows[0] === undefined ? -1 : Number(rows[0].seq);
}

/** Writes one (a snapshot of the same record written by another node stands), then prunes. */
export async function writeSnapshotRow(
  db: Queryable,
  names: PgNames,
  snapshot: SnapshotRow & { readonly takenAt: number },
): Promise<void> {
  await db.query(
    `INSERT INTO ${names.snapshots} (seq, hash, taken_at, state) VALUES ($1, $2, $3, $4) ` +
      'ON CONFLICT (seq) DO NOTHING',
    [snapshot.seq, snapshot.hash, snapshot.takenAt, snapshot.state],
  );
  await db.query(
    `DELETE FROM ${names.snapshots} WHERE seq < ` +
      `(SELECT min(seq) FROM (SELECT seq FROM ${names.snapshots} ORDER BY seq DESC LIMIT ${KEEP}) AS newest)`,
  );
}
