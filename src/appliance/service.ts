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
  const common = {
    reducer: applianceReducer,
    purpose: options.purpose,
    ...(options.onNotice === undefined ? {} : { onNotice: options.onNotice }),
    ...(options.snapshotEvery === undefined ? {} : { snapshotEvery: options.snapshotEvery }),
  };
  const { ledger, revocations, closeRevocations } =
    options.ledger === undefined
      ? await openOnDisk(dir, common, options.fileOps)
      : await openOnDatabase(dir, options.ledger, common);
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

interface Stores {
  readonly ledger: Ledger<ApplianceState>;
  readonly revocations: RevocationStore;
  readonly closeRevocations: () => Promise<void>;
}

type LedgerBasics = Pick<OpenApplianceOptions, 'purpose' | 'onNotice' | 'snapshotEvery'> & {
  readonly reducer: Reducer<ApplianceState>;
};

/** The data directory's journal and revocations file (read before the lock: a refusal leaves none). */
async function openOnDisk(
  dir: string,
  common: LedgerBasics,
  fileOps: JournalFileOps | undefined,
): Promise<Stores> {
  const revocations = await openRevocationStore(dir);
  await assertLedgerHere(ledgerDir(dir));
  const ledger = await openLedger({
    ...common,
    dir: ledgerDir(dir),
    ...(fileOps === undefined ? {} : { fileOps }),
  });
  return { ledger, revocations, closeRevocations: async () => {} };
}

/**
 * A database shared by the nodes: the ledger, then the revocations (their table is made by the
 * ledger's migrations); a node's revocations file is copied in when the database holds none.
 */
async function openOnDatabase(dir: string, url: string, common: LedgerBasics): Promise<Stores> {
  const ledger = await openPgLedger({ ...common, url });
  let shared: Awaited<ReturnType<typeof openSharedRevocationStore>> | undefined;
  try {
    shared = await openSharedRevocationStore({ url, purpose: common.purpose });
    await adoptRevocationsFile(dir, shared);
  } catch (error) {
    await shared?.close().catch(() => undefined);
    await ledger.close().catch(() => undefined);
    throw error;
  }
  const store = shared;
  return { ledger, revocations: store, closeRevocations: () => store.close() };
}
