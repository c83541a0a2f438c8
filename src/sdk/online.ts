// Online mode, the wire: a small client for the appliance's activate, validate and deactivate
// endpoints (src/http/routes/online.ts). Portable (fetch is injected or global), every request has
// a deadline, every answer is bounded and checked, and failures become two kinds of coded error:
// APPLIANCE_UNREACHABLE (no usable answer: the caller may fall back to the offline flow) and a
// refusal the appliance gave (its own code when the SDK knows it, APPLIANCE_REFUSED otherwise).

import { AirlockError, ERROR_CODES, type ErrorCode } from '../core/errors.ts';

export interface ApplianceConnection {
  /** The appliance's address, e.g. https://airlock.example:8443 (a trailing /api/v1 is allowed). */
  readonly url: string;
  /** An operator (or admin) API token, from `airlock token create`. */
  readonly token: string;
  /** How long one request may take in all, answer included; default 10 000 ms. */
  readonly timeoutMs?: number;
  /** Defaults to globalThis.fetch. */
  readonly fetch?: typeof fetch;
}

export interface OnlineActivationAnswer {
  /** The typed response. */
  readonly response: string;
  /** The combined form (response and appliance certificate): what the client applies. */
  readonly qr: string;
  readonly activationId: string;
  readonly licenseId: string;
  readonly product: string;
  readonly features: readonly string[];
  readonly leaseEndsAt: number | null;
  /** true when the appliance renewed this machine's activation rather than taking a seat. */
  readonly renewal: boolean;
  readonly seats: number;
  readonly seatsUsed: number;
}

export type ApplianceActivationStatus = 'active' | 'deactivated' | 'revoked';

export interface ValidationAnswer {
  readonly valid: boolean;
  /** 'VALID', or the appliance's reason: REVOKED, NOT_ACTIVATED, LICENSE_EXPIRED, LEASE_EXPIRED… */
  readonly code: string;
  readonly message: string;
  readonly licenseId: string;
  readonly activationId: string;
  readonly status: ApplianceActivationStatus;
  readonly leaseEndsAt: number | null;
  readonly licenseRevoked: boolean;
  readonly licenseExpired: boolean;
  /** The appliance's time of the check, Unix seconds. */
  readonly checkedAt: number;
}

export interface DeactivationAnswer {
  readonly outcome: 'freed' | 'already';
  readonly activationId: string;
  readonly licenseId: string;
}

export interface ApplianceClient {
  /** The base address requests go to (…/api/v1), for messages. */
  readonly url: string;
  activate(challenge: string, clientId?: string): Promise<OnlineActivationAnswer>;
  /** With `applianceId` (apl_…), an answer from another appliance is refused. */
  validate(
    licenseId: string,
    activationId: string,
    applianceId?: string,
  ): Promise<ValidationAnswer>;
  deactivate(code: string): Promise<DeactivationAnswer>;
}

export const DEFAULT_TIMEOUT_MS = 10_000;
/** Every answer of these endpoints is well under 4 KiB; anything near this is not the appliance. */
export const MAX_ANSWER_BYTES = 64 * 1024;
/** Messages from the appliance are shown to people: bounded, without control characters. */
const MAX_MESSAGE_LENGTH = 1000;
const API_PREFIX = '/api/v1';

/** Checks the connection options; a wrong one is a programmer's (or a configuration) mistake. */
export function applianceBaseUrl(url: unknown): string {
  if (typeof url !== 'string' || !URL.canParse(url)) {
    throw new TypeError('online.url must be the appliance address, like https://airlock.example');
  }
  const parsed = new URL(url);
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw new TypeError('online.url must be an http: or https: address');
  }
  if (parsed.username !== '' || parsed.password !== '' || parsed.search !== '' || parsed.hash) {
    throw new TypeError('online.url must not carry credentials, a query or a fragment');
  }
  const path = parsed.pathname.replace(/\/+$/, '');
  const base = path.endsWith(API_PREFIX) ? path : path + API_PREFIX;
  return `${parsed.origin}${base}`;
}

export function createApplianceClient(connection: ApplianceConnection): ApplianceClient {
  if (typeof connection !== 'object' || connection === null) {
    throw new TypeError('the appliance connection must be an object with url and token');
  }
  const base = applianceBaseUrl(connection.url);
  const { token } = connection;
  // The token goes into a header: nothing that could end it or start another.
  if (typeof token !== 'string' || !/^[\x21-\x7e]{1,1024}$/.test(token)) {
    throw new TypeError('online.token must be an API token (printable ASCII, no spaces)');
  }
  const timeoutMs = connection.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  if (!Number.isSafeInteger(timeoutMs) || timeoutMs < 1) {
    throw new TypeError('online.timeoutMs must be a positive whole number of milliseconds');
  }
  const fetchFn = connection.fetch ?? globalThis.fetch;
  if (typeof fetchFn !== 'function') {
    throw new TypeError('no fetch: pass online.fetch on a platform that has none');
  }

  async function post(path: string, body: Record<string, string>): Promise<JsonObject> {
    const where = `${base}${path}`;
    const unreachable = (why: string, details: Details = {}) =>
      new AirlockError('APPLIANCE_UNREACHABLE', `The appliance at ${base} ${why}.`, {
        url: where,
        ...details,
      });
    const signal = AbortSignal.timeout(timeoutMs);
    let res: Response;
    let text: string;
    try {
      res = await fetchFn(where, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          accept: 'application/json',
        },
        body: JSON.stringify(body),
        redirect: 'error',
        signal,
      });
      text = await readBounded(res, MAX_ANSWER_BYTES);
    } catch (error) {
      if (error instanceof AirlockError) throw unreachable(error.message);
      if (signal.aborted) {
        throw unreachable(`did not answer within ${timeoutMs / 1000} s`, { timeoutMs });
      }
      throw unreachable(`could not be reached (${causeOf(error)})`);
    }
    const json = parseJson(text);
    if (res.status >= 200 && res.status < 300) {
      if (json === undefined) throw unreachable(`answered ${res.status} with something not JSON`);
      return json;
    }
    const error = errorOf(json);
    if (res.status >= 500 || error === undefined) {
      // A server error, or a 4xx that no Airlock appliance would give (a proxy, a wrong URL).
      throw unreachable(
        error === undefined
          ? `answered with HTTP status ${res.status} and no Airlock error`
          : `could not complete the request (${error.code}, HTTP status ${res.status})`,
        { status: res.status, ...(error === undefined ? {} : { applianceCode: error.code }) },
      );
    }
    if (isSdkCode(error.code)) throw new AirlockError(error.code, error.message, error.details);
    const retryAfter = /^\d{1,6}$/.test(res.headers.get('retry-after') ?? '')
      ? Number(res.headers.get('retry-after'))
      : undefined;
    throw new AirlockError(
      'APPLIANCE_REFUSED',
      `The appliance refused the request (${error.code}): ${error.message}`,
      {
        applianceCode: error.code,
        status: res.status,
        ...(retryAfter === undefined ? {} : { retryAfter }),
      },
    );
  }

  /** A 200 whose body lacks what the endpoint promises is not the appliance's answer either. */
  function shapeError(path: string, field: string): AirlockError {
    return new AirlockError(
      'APPLIANCE_UNREACHABLE',
      `The appliance at ${base} gave an answer to ${path} without a valid "${field}"; is this an Airlock appliance of a compatible version?`,
      { url: `${base}${path}`, field },
    );
  }

  return {
    url: base,

    async activate(challenge, clientId) {
      if (typeof challenge !== 'string') throw new TypeError('challenge must be a string');
      if (clientId !== undefined && typeof clientId !== 'string') {
        throw new TypeError('clientId must be a string');
      }
      const json = await post('/activate', {
        challenge,
        ...(clientId === undefined ? {} : { clientId }),
      });
      const read = reader(json, (field) => shapeError('/activate', field));
      return {
        response: read.string('response'),
        qr: read.string('qr'),
        activationId: read.string('activationId'),
        licenseId: read.string('licenseId'),
        product: read.string('product'),
        features: read.strings('features'),
        leaseEndsAt: read.time('leaseEndsAt', true),
        renewal: read.boolean('renewal'),
        seats: read.count('seats'),
        seatsUsed: read.count('seatsUsed'),
      };
    },

    async validate(licenseId, activationId, applianceId) {
      if (typeof licenseId !== 'string' || typeof activationId !== 'string') {
        throw new TypeError('validate needs the license ID and activation ID as strings');
      }
      const json = await post('/validate', { licenseId, activationId });
      const read = reader(json, (field) => shapeError('/validate', field));
      const status = read.string('status');
      if (status !== 'active' && status !== 'deactivated' && status !== 'revoked') {
        throw shapeError('/validate', 'status');
      }
      const license = reader(read.object('license'), (field) =>
        shapeError('/validate', `license.${field}`),
      );
      const answer: ValidationAnswer = {
        valid: read.boolean('valid'),
        code: read.string('code'),
        message: clean(read.string('message')),
        licenseId: read.string('licenseId'),
        activationId: read.string('activationId'),
        status,
        leaseEndsAt: read.time('leaseEndsAt', true),
        licenseRevoked: license.boolean('revoked'),
        licenseExpired: license.boolean('expired'),
        checkedAt: read.time('checkedAt', false)!,
      };
      // An answer about another activation must not be taken for this one's.
      if (answer.licenseId !== licenseId) throw shapeError('/validate', 'licenseId');
      if (answer.activationId !== activationId) throw shapeError('/validate', 'activationId');
      // Activation IDs are per appliance: another appliance's answer is about another activation.
      if (applianceId !== undefined && read.string('applianceId') !== applianceId) {
        throw shapeError('/validate', 'applianceId');
      }
      return answer;
    },

    async deactivate(code) {
      if (typeof code !== 'string') throw new TypeError('the deactivation code must be a string');
      const json = await post('/deactivate', { code });
      const read = reader(json, (field) => shapeError('/deactivate', field));
      const outcome = read.string('outcome');
      if (outcome !== 'freed' && outcome !== 'already') throw shapeError('/deactivate', 'outcome');
      return {
        outcome,
        activationId: read.string('activationId'),
        licenseId: read.string('licenseId'),
      };
    },
  };
}

// ---- Reading answers ---------------------------------------------------------------------------

type JsonObject = Readonly<Record<string, unknown>>;
type Details = Record<string, string | number | boolean>;

/** The body as text, refusing more than `limit` bytes (declared, then while reading). */
async function readBounded(res: Response, limit: number): Promise<string> {
  const tooLarge = () =>
    new AirlockError('APPLIANCE_UNREACHABLE', `answered with more than ${limit} bytes`);
  if (Number(res.headers.get('content-length') ?? 0) > limit) {
    await res.body?.cancel().catch(() => undefined);
    throw tooLarge();
  }
  if (res.body === null) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > limit) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge();
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.length;
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new AirlockError('APPLIANCE_UNREACHABLE', 'answered with text that is not UTF-8');
  }
}

function parseJson(text: string): JsonObject | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as JsonObject)
      : undefined;
  } catch {
    return undefined;
  }
}

/** `{"error":{"code","message","details"?}}`, the only shape of an appliance's refusal. */
function errorOf(
  json: JsonObject | undefined,
): { code: string; message: string; details: Details } | undefined {
  const error = json?.['error'];
  if (typeof error !== 'object' || error === null || Array.isArray(error)) return undefined;
  const { code, message, details } = error as Record<string, unknown>;
  if (typeof code !== 'string' || !/^[A-Z][A-Z0-9_]{0,63}$/.test(code)) return undefined;
  if (typeof message !== 'string') return undefined;
  const kept: Details = {};
  if (typeof details === 'object' && details !== null && !Array.isArray(details)) {
    for (const [key, value] of Object.entries(details).slice(0, 16)) {
      if (typeof value === 'number' || typeof value === 'boolean') kept[key] = value;
      else if (typeof value === 'string') kept[key] = clean(value);
    }
  }
  return { code, message: clean(message), details: kept };
}

/** Codes an SDK caller can meet anyway keep their meaning; HTTP-only ones stay the appliance's. */
function isSdkCode(code: string): code is ErrorCode {
  return Object.hasOwn(ERROR_CODES, code) && ERROR_CODES[code as ErrorCode].http < 500;
}

function clean(text: string): string {
  return text.replace(/\p{Cc}+/gu, ' ').slice(0, MAX_MESSAGE_LENGTH);
}

function causeOf(error: unknown): string {
  // Node's fetch says "fetch failed" and keeps the reason (ECONNREFUSED, ENOTFOUND…) as cause.
  const cause = (error as { cause?: { code?: unknown; message?: unknown } } | null)?.cause;
  if (typeof cause?.code === 'string') return clean(cause.code);
  if (typeof cause?.message === 'string') return clean(cause.message);
  return error instanceof Error ? clean(error.message) : 'network error';
}

function reader(json: JsonObject, bad: (field: string) => AirlockError) {
  const get = (field: string) => (Object.hasOwn(json, field) ? json[field] : undefined);
  return {
    string(field: string): string {
      const v = get(field);
      if (typeof v !== 'string' || v.length > MAX_ANSWER_BYTES) throw bad(field);
      return v;
    },
    strings(field: string): string[] {
      const v = get(field);
      if (!Array.isArray(v) || !v.every((s) => typeof s === 'string')) throw bad(field);
      return v as string[];
    },
    boolean(field: string): boolean {
      const v = get(field);
      if (typeof v !== 'boolean') throw bad(field);
      return v;
    },
    count(field: string): number {
      const v = get(field);
      if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw bad(field);
      return v;
    },
    time(field: string, nullable: boolean): number | null {
      const v = get(field);
      if (v === null && nullable) return null;
      if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0 || v > 0xffffffff) {
        throw bad(field);
      }
      return v;
    },
    object(field: string): JsonObject {
      const v = get(field);
      if (typeof v !== 'object' || v === null || Array.isArray(v)) throw bad(field);
      return v as JsonObject;
    },
  };
}
