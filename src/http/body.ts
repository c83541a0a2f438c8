// Request bodies, read by hand and bounded: the declared length is checked before reading, the
// bytes counted while reading, and JSON bodies must be one object of UTF-8 JSON.

import type { IncomingMessage } from 'node:http';
import { AirlockError } from '../core/errors.ts';
import { HttpError } from './errors.ts';

/** JSON bodies carry a code or a license key: a few KiB at most. */
export const JSON_LIMIT = 64 * 1024;
/** A phone photo of a screen. */
export const IMAGE_LIMIT = 10 * 1024 * 1024;

const kib = (n: number) => (n >= 1048576 ? `${n / 1048576} MiB` : `${n / 1024} KiB`);

function tooLarge(limit: number): HttpError {
  return new HttpError('BODY_TOO_LARGE', `The request body is larger than ${kib(limit)}.`);
}

/** The media type of the request, lower case and without parameters ('' when none was sent). */
export function mediaType(req: IncomingMessage): string {
  return (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
}

/**
 * Reads the whole body, refusing one over `limit` bytes. On refusal the rest of the body is
 * drained (not read into memory) so the client still receives the 413 on the same connection.
 */
export function readBody(req: IncomingMessage, limit: number): Promise<Uint8Array> {
  const encoding = req.headers['content-encoding'];
  if (encoding !== undefined && encoding.toLowerCase() !== 'identity') {
    return Promise.reject(
      new HttpError('MEDIA_TYPE_UNSUPPORTED', 'Compressed request bodies are not accepted.'),
    );
  }
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > limit) {
    req.resume();
    return Promise.reject(tooLarge(limit));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onAborted);
      req.off('close', onAborted);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        cleanup();
        req.resume();
        reject(tooLarge(limit));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(new Uint8Array(Buffer.concat(chunks, size)));
    };
    const onAborted = () => {
      cleanup();
      reject(new AirlockError('FORMAT_INVALID', 'The request body was cut short.'));
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onAborted);
    req.on('close', onAborted);
  });
}

/** Reads a JSON body that must be one object; what it holds is checked by `parseFields`. */
export async function readJsonObject(req: IncomingMessage): Promise<Record<string, unknown>> {
  if (mediaType(req) !== 'application/json') {
    throw new HttpError(
      'MEDIA_TYPE_UNSUPPORTED',
      'Send the request body as JSON, with the header Content-Type: application/json.',
    );
  }
  const bytes = await readBody(req, JSON_LIMIT);
  if (bytes.length === 0) {
    throw new AirlockError('FORMAT_INVALID', 'The request body is empty; send a JSON object.');
  }
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    throw new AirlockError('FORMAT_INVALID', 'The request body is not valid UTF-8 JSON.');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new AirlockError('FORMAT_INVALID', 'The request body must be a JSON object.');
  }
  return value as Record<string, unknown>;
}
