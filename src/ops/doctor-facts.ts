// What `airlock doctor` decides on and what it says: the facts about an installation (gathered by
// doctor-gather.ts; ledger-db-check.ts for a ledger in PostgreSQL), and its findings. Types, and
// the revocations fact of the streams either holds.

import type { DataFormatFound } from '../appliance/data-format.ts';
import type { Streams } from '../appliance/revocation-store.ts';
import type { LockState } from '../ledger/lock.ts';
import type { BadRecordReason } from '../ledger/record.ts';

export type Status = 'ok' | 'warn' | 'fail';
export type CheckName =
  | 'data format'
  | 'permissions'
  | 'tls certificate'
  | 'appliance certificate'
  | 'revocations'
  | 'disk space'
  | 'clock'
  | 'ledger lock'
  | 'ledger database'
  | 'config'
  | 'ledger'
  | 'keys';

export interface Finding {
  readonly check: CheckName;
  readonly status: Status;
  readonly message: string;
  /** What to do; absent for ok. */
  readonly fix?: string;
}

export interface PathFacts {
  /** Relative to the data directory ("" for itself). */
  readonly path: string;
  readonly directory: boolean;
  readonly mode: number;
  readonly uid: number;
}

export interface DoctorFacts {
  readonly dir: string;
  /** Unix seconds. */
  readonly now: number;
  /** The user running airlock; null where there are no POSIX users. */
  readonly uid: number | null;
  /** null: no appliance.json; 'unreadable': not a settings file. */
  readonly format: DataFormatFound | null | 'unreadable';
  readonly paths: readonly PathFacts[];
  readonly mode: 'standalone' | 'delegated' | null;
  readonly tls:
    | { readonly kind: 'plain-http' }
    | { readonly kind: 'missing' }
    | { readonly kind: 'unusable'; readonly file: string; readonly problem: string }
    | { readonly kind: 'present'; readonly file: string; readonly notAfter: number };
  readonly certificate:
    | { readonly kind: 'missing' }
    | { readonly kind: 'unusable'; readonly problem: string }
    | { readonly kind: 'present'; readonly id: string; readonly notAfter: number };
  readonly revocations:
    | { readonly kind: 'none' }
    | { readonly kind: 'unreadable'; readonly problem: string }
    | {
        readonly kind: 'held';
        readonly sequence: number;
        readonly issuedAt: number;
        readonly nextUpdate: number;
      };
  /** Bytes; null when the file system could not be asked. */
  readonly disk: { readonly available: number; readonly total: number } | null;
  /** Unix seconds: the ledger's last record, and when this airlock was built (at the latest). */
  readonly lastRecordAt: number | null;
  readonly builtAt: number;
  readonly lock: LockState;
  readonly config:
    | { readonly kind: 'none' }
    | { readonly kind: 'valid'; readonly path: string }
    | { readonly kind: 'invalid'; readonly problem: string };
  readonly ledger:
    | {
        readonly kind: 'ok';
        readonly records: number;
        readonly segments: number;
        readonly full: boolean;
      }
    | { readonly kind: 'torn'; readonly records: number; readonly file: string }
    /** A PostgreSQL ledger: its rows, how many of the newest were read (all, with full). */
    | {
        readonly kind: 'rows';
        readonly records: number;
        readonly checked: number;
        readonly full: boolean;
      }
    | {
        readonly kind: 'bad';
        readonly seq: number;
        readonly file: string;
        readonly line: number;
        readonly reason: BadRecordReason;
      }
    | { readonly kind: 'unreadable'; readonly problem: string };
  /**
   * The ledger's database when the ledger setting names PostgreSQL (absent: the journal in the
   * directory). Its ledger and revocations facts are then the database's, read when it answers
   * with a schema this airlock knows.
   */
  readonly database?: {
    /** host:port/database. */
    readonly label: string;
    readonly state:
      | { readonly kind: 'unreachable'; readonly problem: string }
      /** No ledger's tables in it (yet). */
      | { readonly kind: 'empty' }
      | { readonly kind: 'schema'; readonly version: number; readonly known: number };
  };
  /** Private key files (relative paths) and whether each is sealed with a passphrase. */
  readonly keys: readonly { readonly path: string; readonly sealed: boolean }[];
}

/** The vendor's revocation stream among those held, as doctor's fact. */
export function vendorRevocations(streams: Streams): DoctorFacts['revocations'] {
  const vendor = streams['vendor'];
  return vendor === undefined
    ? { kind: 'none' }
    : {
        kind: 'held',
        sequence: vendor.sequence,
        issuedAt: vendor.issuedAt,
        nextUpdate: vendor.nextUpdate,
      };
}
