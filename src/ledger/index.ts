// The activation ledger's storage, as used by the appliance: only a list of what is public.

export { openLedger, type Ledger, type LedgerNotice, type LedgerOptions } from './ledger.ts';
export type { Reducer } from './replay.ts';
export { verifyLedger, type VerifyOptions, type VerifyResult } from './verify.ts';
export { allRecords } from './all-records.ts';
export type { BadRecord } from './reader.ts';
export type { RecentOptions, RecentPage } from './recent.ts';
export {
  openJournal,
  type Journal,
  type JournalEntry,
  type JournalOptions,
  type RecoveredTail,
} from './journal.ts';
export {
  acquireLock,
  inspectLock,
  type Lock,
  type LockHolder,
  type LockOptions,
  type LockState,
  lockedBy,
} from './lock.ts';
export {
  type BadRecordReason,
  type ChainHead,
  GENESIS_HASH,
  type JsonObject,
  type JsonValue,
  type LedgerRecord,
} from './record.ts';
export type { JournalFile, JournalFileOps } from './file-ops.ts';
