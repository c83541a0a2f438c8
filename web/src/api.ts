// The appliance's HTTP API as the console calls it: the session cookie on every request (and its
// CSRF token on every change), JSON in and out, and every refusal turned into an ApiError carrying
// the API's own sentence and code.

import { session } from './session.ts';

const PREFIX = '/api/v1';

export class ApiError extends Error {
  readonly code: string;
  readonly status: number;
  constructor(code: string, message: string, status: number) {
    super(message);
    this.code = code;
    this.status = status;
  }
}

/** A change carries the session's CSRF token; reads need nothing but the cookie. */
function headers(extra: Record<string, string> = {}, change = false): Record<string, string> {
  const csrf = session.csrf();
  return { ...(change && csrf !== null ? { 'X-CSRF-Token': csrf } : {}), ...extra };
}

async function send(path: string, init: RequestInit): Promise<Response> {
  let response: Response;
  try {
    response = await fetch(PREFIX + path, { ...init, credentials: 'same-origin' });
  } catch {
    throw new ApiError(
      'APPLIANCE_UNREACHABLE',
      'The appliance did not answer. Check that it is running and that this computer can reach it.',
      0,
    );
  }
  if (response.ok) return response;
  // Every refusal is {"error":{"code","message"}}, the message a sentence meant for people.
  const body = (await response.json().catch(() => null)) as {
    error?: { code?: unknown; message?: unknown };
  } | null;
  const code = typeof body?.error?.code === 'string' ? body.error.code : `HTTP_${response.status}`;
  const message =
    typeof body?.error?.message === 'string'
      ? body.error.message
      : `The appliance refused the request (${response.status} ${response.statusText}).`;
  if (response.status === 401) session.expired(message);
  throw new ApiError(code, message, response.status);
}

export async function getJson<T>(path: string): Promise<T> {
  return (await (await send(path, { headers: headers() })).json()) as T;
}

export async function postJson<T>(path: string, body: unknown): Promise<T> {
  const response = await send(path, {
    method: 'POST',
    headers: headers({ 'Content-Type': 'application/json' }, true),
    body: JSON.stringify(body),
  });
  return (await response.json()) as T;
}

/** Sends bytes (a photo, a bundle) as the request body. */
export async function postBytes<T>(path: string, body: Blob, type: string): Promise<T> {
  const response = await send(path, {
    method: 'POST',
    headers: headers({ 'Content-Type': type }, true),
    body,
  });
  return (await response.json()) as T;
}

/** A download: the bytes and the file name the appliance suggests. */
export async function getFile(path: string): Promise<{ blob: Blob; name: string }> {
  const response = await send(path, { headers: headers() });
  const disposition = response.headers.get('Content-Disposition') ?? '';
  const name = /filename="([^"]+)"/.exec(disposition)?.[1] ?? 'airlock-download';
  return { blob: await response.blob(), name };
}

/** A streamed answer of JSON lines (the ledger's verify): each line is handed over as it arrives. */
export async function postLines(
  path: string,
  onLine: (line: Record<string, unknown>) => void,
): Promise<void> {
  const response = await send(path, { method: 'POST', headers: headers({}, true) });
  if (response.body === null) return;
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let pending = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (value !== undefined) pending += value;
    const lines = pending.split('\n');
    pending = done ? '' : lines.pop()!;
    for (const line of lines) {
      if (line.trim() !== '') onLine(JSON.parse(line) as Record<string, unknown>);
    }
    if (done) return;
  }
}
