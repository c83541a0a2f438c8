// Durability against a crash: a process appending from several writers is killed with SIGKILL
// mid-stream; every record it had acknowledged is on disk after reopening, and the journal verifies.

import test from 'ava';
import { openLedger } from '../../src/ledger/ledger.ts';
import { openJournal } from '../../src/ledger/journal.ts';
import { finished, scratch, spawnScript, tallyReducer } from './helpers.ts';

const ACKNOWLEDGED_BEFORE_KILL = 300;

/** Starts the appender, kills it with SIGKILL after `count` acknowledgements, returns them. */
async function killAfter(dir: string, count: number): Promise<Map<number, string>> {
  const child = spawnScript('child-appender.ts', [dir]);
  const done = finished(child);
  let seen = 0;
  child.stdout!.on('data', (chunk: string) => {
    seen += chunk.split('\n').length - 1;
    if (seen > count) child.kill('SIGKILL');
  });
  const { signal, stdout, stderr } = await done;
  if (signal !== 'SIGKILL') throw new Error(`the appender ended by itself:\n${stderr}`);
  const acknowledged = new Map<number, string>();
  for (const line of stdout.split('\n')) {
    const match = /^(\d+) ([0-9a-f]{64})$/.exec(line);
    if (match !== null) acknowledged.set(Number(match[1]), match[2]!);
  }
  return acknowledged;
}

test('every acknowledged record survives SIGKILL, twice in a row, and the ledger verifies', async (t) => {
  const dir = await scratch();
  const acknowledged = new Map<number, string>();
  for (let round = 0; round < 2; round++) {
    for (const [seq, hash] of await killAfter(dir, ACKNOWLEDGED_BEFORE_KILL)) {
      acknowledged.set(seq, hash);
    }
  }
  t.true(acknowledged.size >= 2 * ACKNOWLEDGED_BEFORE_KILL);

  const ledger = await openLedger({ dir, reducer: tallyReducer, purpose: 'after the crash' });
  const lastSeq = ledger.head.seq;
  t.deepEqual(
    ledger.state.seqs,
    Array.from({ length: lastSeq }, (_, i) => i + 1),
    'the state holds every record once, in order',
  );
  const verified = await ledger.verify();
  await ledger.close();
  t.true(verified.ok, JSON.stringify(verified.firstBad));
  t.is(verified.records, lastSeq);

  const journal = await openJournal({ dir });
  const onDisk = new Map<number, string>();
  for await (const record of journal.records()) onDisk.set(record.seq, record.hash);
  await journal.close();
  const lost = [...acknowledged].filter(([seq, hash]) => onDisk.get(seq) !== hash);
  t.deepEqual(lost, [], 'every acknowledged record is on disk, as acknowledged');
});
