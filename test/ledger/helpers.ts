// Shared pieces of the ledger tests: scratch directories, a file-ops seam that fails on demand,
// a small reducer, and running a helper script as a real second process.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type JournalFileOps, nodeFileOps } from '../../src/ledger/file-ops.ts';
import type { LedgerRecord } from '../../src/ledger/record.ts';
import type { Reducer } from '../../src/ledger/replay.ts';

export const ROOT = resolve(import.meta.dirname, '../..');
export const T0 = 1_799_971_200_000;

export const scratch = () => mkdtemp(join(tmpdir(), 'airlock-ledger-'));

export async function segmentFiles(dir: string): Promise<string[]> {
  return (await readdir(join(dir, 'journal'))).filter((name) => name.endsWith('.jsonl')).sort();
}

export function segmentPath(dir: string, firstSeq = 1): string {
  return join(dir, 'journal', `${String(firstSeq).padStart(10, '0')}.jsonl`);
}

/** Node's file ops, except that while `failWith` is set (an errno code) writes or syncs fail. */
export interface FailingOps extends JournalFileOps {
  failWith: string | null;
  /** 'write': the write fails after `partialBytes` reached the file; 'datasync': the write
   * goes through whole and the sync fails. */
  failAt: 'write' | 'datasync';
  partialBytes: number;
}

export function failingOps(): FailingOps {
  const ops: FailingOps = {
    failWith: null,
    failAt: 'write',
    partialBytes: 0,
    async open(path) {
      const file = await nodeFileOps.open(path);
      const fault = () => {
        const error = new Error(`${ops.failWith}: simulated`) as NodeJS.ErrnoException;
        error.code = ops.failWith!;
        return error;
      };
      return {
        ...file,
        async write(bytes, position) {
          if (ops.failWith === null || ops.failAt === 'datasync') {
            return file.write(bytes, position);
          }
          await file.write(bytes.subarray(0, ops.partialBytes), position);
          throw fault();
        },
        async datasync() {
          if (ops.failWith !== null) throw fault();
          return file.datasync();
        },
      };
    },
    syncDirectory: (path) => nodeFileOps.syncDirectory(path),
    remove: (path) => nodeFileOps.remove(path),
  };
  return ops;
}

/** Counts records by type and keeps the seq list: enough to compare two ways of loading. */
export interface Tally {
  count: number;
  byType: Record<string, number>;
  seqs: number[];
  sum: number;
}

export const tallyReducer: Reducer<Tally> = {
  initial: () => ({ count: 0, byType: {}, seqs: [], sum: 0 }),
  apply(state, record: LedgerRecord) {
    state.count++;
    state.byType[record.type] = (state.byType[record.type] ?? 0) + 1;
    state.seqs.push(record.seq);
    const n = record.data['n'];
    if (typeof n === 'number') state.sum += n;
    return state;
  },
  serialise: (state) => state,
  deserialise(json) {
    const value = json as Tally;
    if (typeof value.count !== 'number' || !Array.isArray(value.seqs)) {
      throw new Error('not a tally');
    }
    return { ...value, byType: { ...value.byType }, seqs: [...value.seqs] };
  },
};

/** Runs a TypeScript file of this folder as a separate Node process (through tsx). */
export function spawnScript(name: string, args: readonly string[]): ChildProcess {
  return spawn(process.execPath, ['--import=tsx', join(import.meta.dirname, name), ...args], {
    cwd: ROOT,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
}

/** Resolves with the child's exit code (or signal) and everything it printed. */
export function finished(
  child: ChildProcess,
): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (s: string) => (stdout += s));
  child.stderr!.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  return new Promise((resolvePromise, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolvePromise({ code, signal, stdout, stderr }));
  });
}
