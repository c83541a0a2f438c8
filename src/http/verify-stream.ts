// A ledger verification as a stream of JSON lines, so a console can draw progress while a large
// journal is read: progress thinned to one line per interval (the first and the last kept), then
// one result line, or one error line if reading failed after the answer had begun.

import { basename } from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import type { VerifyResult } from '../ledger/index.ts';
import { renderError } from './errors.ts';

/** At most ten progress lines a second. */
export const PROGRESS_INTERVAL_MS = 100;

export interface VerifyStreamOptions {
  /** A monotonic clock in ms, for thinning progress (default performance.now). */
  readonly nowMs?: () => number;
  readonly log: (message: string, error: unknown) => void;
}

/** The result as sent: the damaged record's file by name only (paths are not shown to clients). */
export function renderVerifyResult(result: VerifyResult) {
  const { firstBad, ...rest } = result;
  return firstBad === undefined
    ? rest
    : { ...rest, firstBad: { ...firstBad, file: basename(firstBad.file) } };
}

/**
 * Starts `verify` and returns its lines as a stream. `done` settles when verification has
 * finished, whether or not the client is still reading.
 */
export function verifyStream(
  verify: (onProgress: (done: number, total: number) => void) => Promise<VerifyResult>,
  options: VerifyStreamOptions,
): { readonly stream: Readable; readonly done: Promise<void> } {
  const nowMs = options.nowMs ?? (() => performance.now());
  const stream = new PassThrough();
  const send = (value: object, last = false) => {
    if (stream.destroyed || stream.writableEnded) return; // the client went away
    const line = `${JSON.stringify(value)}\n`;
    if (last) stream.end(line);
    else stream.write(line);
  };
  let sentAt = -Infinity;
  let unsent: { done: number; total: number } | null = null;
  const onProgress = (done: number, total: number) => {
    const now = nowMs();
    if (now - sentAt >= PROGRESS_INTERVAL_MS) {
      sentAt = now;
      unsent = null;
      send({ progress: { done, total } });
    } else unsent = { done, total };
  };
  const flush = () => {
    if (unsent !== null) send({ progress: unsent });
  };
  const done = verify(onProgress).then(
    (result) => {
      flush();
      send({ result: renderVerifyResult(result) }, true);
    },
    (error: unknown) => {
      const rendered = renderError(error);
      if (rendered.log) options.log('ledger verification failed', error);
      flush();
      send(rendered.body, true);
    },
  );
  return { stream, done };
}
