// The verification stream on its own, with a clock the test moves: progress thinned to one line
// per interval with the first and the last kept, then the result; a failure becomes an error line.

import test from 'ava';
import type { Readable } from 'node:stream';
import { AirlockError } from '../../src/core/errors.ts';
import { PROGRESS_INTERVAL_MS, verifyStream } from '../../src/http/verify-stream.ts';
import type { VerifyResult } from '../../src/ledger/index.ts';

const SOUND: VerifyResult = { ok: true, records: 3, lastSeq: 3, lastHash: 'a'.repeat(64) };

async function linesOf(stream: Readable): Promise<unknown[]> {
  let text = '';
  for await (const chunk of stream) text += String(chunk);
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as unknown);
}

test('progress is thinned to one line per interval, keeping the first and the last', async (t) => {
  let now = 0;
  const { stream } = verifyStream(
    async (onProgress) => {
      // Reports every 30 ms of the test's clock: 0, 30, …, 300.
      for (let done = 0; done <= 10; done++) {
        onProgress(done, 10);
        now += 30;
      }
      return SOUND;
    },
    { nowMs: () => now, log: () => undefined },
  );
  const lines = await linesOf(stream);
  t.deepEqual(lines, [
    { progress: { done: 0, total: 10 } }, // at 0 ms
    { progress: { done: 4, total: 10 } }, // at 120 ms: the first report 100 ms after
    { progress: { done: 8, total: 10 } }, // at 240 ms
    { progress: { done: 10, total: 10 } }, // the last, held back, sent before the result
    { result: SOUND },
  ]);
  t.is(PROGRESS_INTERVAL_MS, 100);
});

test('the last report is not sent twice when it went out on time', async (t) => {
  let now = 0;
  const { stream } = verifyStream(
    async (onProgress) => {
      onProgress(5, 10);
      now += 500;
      onProgress(10, 10);
      return SOUND;
    },
    { nowMs: () => now, log: () => undefined },
  );
  t.deepEqual(await linesOf(stream), [
    { progress: { done: 5, total: 10 } },
    { progress: { done: 10, total: 10 } },
    { result: SOUND },
  ]);
});

test('a damaged record is named by file name only, never its path on the server', async (t) => {
  const { stream } = verifyStream(
    async () => ({
      ok: false,
      records: 1,
      lastSeq: 1,
      lastHash: 'b'.repeat(64),
      firstBad: {
        seq: 2,
        file: '/srv/airlock/ledger/journal/0000000001.jsonl',
        line: 2,
        reason: 'chain',
      },
    }),
    { log: () => undefined },
  );
  t.deepEqual(await linesOf(stream), [
    {
      result: {
        ok: false,
        records: 1,
        lastSeq: 1,
        lastHash: 'b'.repeat(64),
        firstBad: { seq: 2, file: '0000000001.jsonl', line: 2, reason: 'chain' },
      },
    },
  ]);
});

test('a failure after the answer began is one error line: the sentence of a 4xx, only the code of a 5xx', async (t) => {
  const logged: unknown[] = [];
  const missing = verifyStream(
    () => Promise.reject(new AirlockError('FILE_NOT_FOUND', 'There is no ledger journal here.')),
    { log: (_, error) => logged.push(error) },
  );
  t.deepEqual(await linesOf(missing.stream), [
    { error: { code: 'FILE_NOT_FOUND', message: 'There is no ledger journal here.' } },
  ]);
  t.is(logged.length, 0);

  const fault = verifyStream(() => Promise.reject(new Error('EIO at /srv/airlock')), {
    log: (_, error) => logged.push(error),
  });
  t.deepEqual(await linesOf(fault.stream), [
    { error: { code: 'INTERNAL', message: 'unexpected error' } },
  ]);
  t.is(logged.length, 1, 'the fault is logged in full');
});

test('a client that went away stops nothing: verification finishes and done resolves', async (t) => {
  let report: (done: number, total: number) => void = () => undefined;
  let finish: () => void = () => undefined;
  const { stream, done } = verifyStream(
    (onProgress) => {
      report = onProgress;
      return new Promise((resolve) => (finish = () => resolve(SOUND)));
    },
    { log: () => undefined },
  );
  stream.destroy();
  report(1, 2);
  finish();
  await done;
  t.true(stream.destroyed);
});
