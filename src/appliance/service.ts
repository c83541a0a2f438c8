// An appliance on its data directory: identity, the ledger (the directory's journal, or a
// PostgreSQL database shared by several nodes; its records are the events of events.ts), the
// vendor's revocations (in the directory, or in that database), and the use cases over them. The
// one place that joins them.

import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type JournalFileOps,
  openLedger,
  type Ledger,
  type LedgerNotice,
  type Reducer,
} from '../ledger/index.ts';
import { openPgLedger } from '../ledger-pg/pg-ledger.ts';
import { nodeSuite } from '../node/ed25519.ts';
import { type Appliance, createAppliance } from './appliance.ts';
import { type ApplianceIdentity, DATA_FILES, openApplianceDir } from './data-dir.ts';
import type { DeactivationPolicy } from './decide.ts';
import type { ApplianceEvent } from './events.ts';
import { assertLedgerHere } from './ledger-moved.ts';
import { openRevocationStore, type RevocationStore } from './revocation-store.ts';
import { adoptRevocationsFile, openSharedRevocationStore } from './shared-revocations.ts';
import { deserialiseState, serialiseState } from './state-snapshot.ts';
import { type ApplianceState, emptyApplianceState, reduce } from './state.ts';

export const applianceReducer: Reducer<ApplianceState> = {
  initial: emptyApplianceState,
  apply: (state, record) => reduce(state, record as unknown as ApplianceEvent),
  serialise: serialiseState,
  deserialise: deserialiseState,
};

export interface OpenApplianceOptions {
  readonly passphrase?: string | undefined;
  /** Unix seconds. */
  readonly clock: () => number;
  readonly random: (n: number) => Uint8Array;
  /** Shown to a second writer of the same data directory ("appliance server"). */
  readonly purpose: string;
  readonly onNotice?: (notice: LedgerNotice) => void;
  readonly policy?: DeactivationPolicy;
  readonly snapshotEvery?: number;
  /**
   * Where the ledger is: a PostgreSQL URL shared by several nodes (src/ledger-pg), or, when
   * undefined, the journal in the data directory.
   */
  readonly ledger?: string | undefined;
  /** The journal's file operations (a test seam for full disks; default node:fs). */
  readonly fileOps?: JournalFileOps;
}

export interface OpenAppliance {
  readonly identity: ApplianceIdentity;
  readonly ledger: Ledger<ApplianceState>;
  readonly appliance: Appliance;
  /** Finishes pending writes, writes a snapshot, releases the ledger's lock. */
  close(): Promise<void>;
}

export function ledgerDir(dataDir: string): string {
  return join(dataDir, DATA_FILES.ledger);
}

export async function openAppliance(
  dir: string,
  options: OpenApplianceOptions,
): Promise<OpenAppliance> {
  const identity = await openApplianceDir(dir, { passphrase: options.passphrase });
  await mkdir(ledgerDir(dir), { recursive: true, mode: 0o700 });
  // The file's revocations are read before the lock (a refusal leaves none); the database's
  // after the ledger's migrations made their table.
  const fileRevocations = options.ledger === undefined ? await openRevocationStore(dir) : undefined;
  const common = {
    reducer: applianceReducer,
    purpose: options.purpose,
    ...(options.onNotice === undefined ? {} : { onNotice: options.onNotice }),
    ...(options.snapshotEvery === undefined ? {} : { snapshotEvery: options.snapshotEvery }),
  };
  if (options.ledger === undefined) await assertLedgerHere(ledgerDir(dir));
  const ledger: Ledger<ApplianceState> =
    options.ledger === undefined
      ? await openLedger({
          ...common,
          dir: ledgerDir(dir),
          ...(options.fileOps === undefined ? {} : { fileOps: options.fileOps }),
        })
      : await openPgLedger({ ...common, url: options.ledger });
  let revocations: RevocationStore;
  let closeRevocations = async () => {};
  if (options.ledger === undefined) revocations = fileRevocations!;
  else {
    try {
      const shared = await openSharedRevocationStore({
        url: options.ledger,
        purpose: options.purpose,
      });
      closeRevocations = () => shared.close();
      revocations = shared;
      await adoptRevocationsFile(dir, shared);
    } catch (error) {
      await closeRevocations().catch(() => undefined);
      await ledger.close().catch(() => undefined);
      throw error;
    }
  }
  const appliance = createAppliance({
    identity,
    ledger: {
      get state() {
        return ledger.state;
      },
      get head() {
        return ledger.head;
      },
      append: (type, data, atMs) => ledger.append(type, data, atMs),
      transact: (work) => ledger.transact(work),
      refresh: () => ledger.refresh(),
    },
    clock: options.clock,
    verifier: nodeSuite,
    random: options.random,
    revocations,
    ...(options.policy === undefined ? {} : { policy: options.policy }),
  });
  return {
    identity,
    ledger,
    appliance,
    async close() {
      try {
        await ledger.close();
      } finally {
        await closeRevocations();
      }
    },
  };
}
