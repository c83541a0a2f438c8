// Rendering: with --json exactly one JSON object on stdout, for success and failure alike;
// otherwise short sentences for a person, and errors on stderr as "airlock: <message> (<CODE>)".

import { AirlockError, ERROR_CODES, type ErrorCode, isAirlockError } from '../core/errors.ts';

/** What a command produced. */
export interface Outcome {
  /** The one JSON object printed with --json. */
  readonly data: Readonly<Record<string, unknown>>;
  /** What a person reads, ending with a newline. */
  readonly text: string;
  /** Non-zero when the command reports a negative answer (a status that is not valid). */
  readonly exitCode?: number;
}

export function outcome(data: Record<string, unknown>, lines: readonly string[]): Outcome {
  return { data, text: `${lines.join('\n')}\n` };
}

export function renderOutcome(result: Outcome, json: boolean): string {
  return json ? `${JSON.stringify(result.data)}\n` : result.text;
}

/** The JSON shape of a refusal: {"code", "message"} plus "details" when the error has them. */
export function errorJson(error: AirlockError): Record<string, unknown> {
  return {
    code: error.code,
    message: error.message,
    ...(Object.keys(error.details).length > 0 ? { details: error.details } : {}),
  };
}

/** File-system failures that reach the CLI unwrapped, in words, with the code that fits. */
const FILE_ERRORS: Readonly<Record<string, readonly [ErrorCode, string]>> = {
  ENOENT: ['FILE_NOT_FOUND', 'does not exist'],
  ENOTDIR: ['FILE_NOT_FOUND', 'is not inside a directory'],
  EEXIST: ['FILE_EXISTS', 'already exists (as a file where a directory was expected?)'],
  EISDIR: ['FORMAT_INVALID', 'is a directory, not a file'],
  EACCES: ['INTERNAL', 'cannot be accessed: permission denied'],
  EPERM: ['INTERNAL', 'cannot be accessed: operation not permitted'],
};

/** Any thrown value as a coded error; never a stack trace. */
export function asAirlockError(error: unknown): AirlockError {
  if (isAirlockError(error)) return error;
  const { code, message, path } = (error ?? {}) as {
    code?: unknown;
    message?: unknown;
    path?: unknown;
  };
  const known = typeof code === 'string' ? FILE_ERRORS[code] : undefined;
  if (known && typeof path === 'string')
    return new AirlockError(known[0], `${path} ${known[1]}.`, { path });
  const text = typeof message === 'string' ? message : String(error);
  return new AirlockError('INTERNAL', `unexpected error: ${text}`);
}

export function renderError(
  error: AirlockError,
  json: boolean,
): { stdout: string; stderr: string } {
  return json
    ? { stdout: `${JSON.stringify({ error: errorJson(error) })}\n`, stderr: '' }
    : { stdout: '', stderr: `airlock: ${error.message} (${error.code})\n` };
}

export function exitCodeFor(error: AirlockError): number {
  return ERROR_CODES[error.code].exit;
}

// ---- Words for people -------------------------------------------------------------------------

/** "2027-01-31T00:00:00Z", or "never". */
export function when(seconds: number | null): string {
  return seconds === null ? 'never' : new Date(seconds * 1000).toISOString().replace('.000Z', 'Z');
}

/** "30 days", "12 hours", "1 day 6 hours", "45 minutes". */
export function span(seconds: number): string {
  const abs = Math.abs(seconds);
  // Past ten days, hours no longer matter: round to the nearest day.
  const days = abs >= 10 * 86400 ? Math.round(abs / 86400) : Math.floor(abs / 86400);
  const hours = Math.floor((abs % 86400) / 3600);
  const minutes = Math.floor((abs % 3600) / 60);
  const parts =
    days > 0
      ? [plural(days, 'day'), ...(hours > 0 && days < 10 ? [plural(hours, 'hour')] : [])]
      : hours > 0
        ? [plural(hours, 'hour'), ...(minutes > 0 ? [plural(minutes, 'minute')] : [])]
        : [plural(minutes, 'minute')];
  return parts.join(' ');
}

/** "in 3 days" or "3 days ago". */
export function relative(seconds: number, now: number): string {
  return seconds >= now ? `in ${span(seconds - now)}` : `${span(now - seconds)} ago`;
}

export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** "a, b, c", or the fallback for an empty list. */
export function list(items: readonly string[], empty = 'none'): string {
  return items.length === 0 ? empty : items.join(', ');
}

/** "512 bytes", "17 KiB", "1.5 MiB". */
export function bytesText(n: number): string {
  if (n < 1024) return `${n} bytes`;
  if (n < 2 ** 20) return `${Math.round(n / 1024)} KiB`;
  if (n < 2 ** 30) return `${(n / 2 ** 20).toFixed(1)} MiB`;
  return `${(n / 2 ** 30).toFixed(2)} GiB`;
}

/** Aligned "label  value" rows, indented by two spaces. */
export function rows(pairs: readonly (readonly [string, string])[]): string[] {
  const width = Math.max(...pairs.map(([label]) => label.length));
  return pairs.map(([label, value]) => `  ${label.padEnd(width)}  ${value}`);
}
