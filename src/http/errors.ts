// Refusals only the HTTP layer makes (authentication, routing, body limits, rate limits), and how
// every error becomes a status and a `{"error":{"code","message"}}` body. Koa's rule holds: the
// message of a 4xx is shown, a 5xx only names its code and is logged in full.
// These codes exist only over HTTP (no CLI command can give them), so their table lives here;
// docs/ERRORS.md lists them under "HTTP API".

import { AirlockError, type ErrorCode, httpStatusOf } from '../core/errors.ts';

export const HTTP_ERROR_CODES = {
  /** No bearer token, or one that is unknown, malformed or expired. */
  UNAUTHORIZED: 401,
  /** A valid token or session whose role may not use this endpoint. */
  FORBIDDEN: 403,
  /** A console change without the session's CSRF token. */
  CSRF_INVALID: 403,
  /** A wrong user name or password at sign-in (which of the two is not said). */
  SIGN_IN_FAILED: 401,
  /** The account is locked after repeated failed sign-ins. */
  ACCOUNT_LOCKED: 403,
  /** A signed-in user changing their password gave the wrong current one. */
  PASSWORD_WRONG: 403,
  /** No such endpoint. */
  NOT_FOUND: 404,
  /** The endpoint exists, with other methods (listed in Allow). */
  METHOD_NOT_ALLOWED: 405,
  /** The request body is larger than the endpoint accepts. */
  BODY_TOO_LARGE: 413,
  /** The body's Content-Type is not one the endpoint reads. */
  MEDIA_TYPE_UNSUPPORTED: 415,
  /** Too many activation requests from this address (Retry-After says when to come back). */
  RATE_LIMITED: 429,
  /** An uploaded photo holds no QR code that could be read. */
  QR_NOT_FOUND: 400,
  /** A verification of the ledger is already running in this server (one at a time). */
  VERIFY_RUNNING: 409,
  /** The server was given no file ledger (a test or embedded setup): no journal to administer. */
  LEDGER_IN_MEMORY: 501,
} as const satisfies Record<string, number>;

export type HttpErrorCode = keyof typeof HTTP_ERROR_CODES;

export class HttpError extends Error {
  override readonly name = 'HttpError';
  readonly code: HttpErrorCode;
  readonly headers: Readonly<Record<string, string>>;

  constructor(code: HttpErrorCode, message: string, headers: Record<string, string> = {}) {
    super(message);
    this.code = code;
    this.headers = headers;
  }
}

export interface ErrorBody {
  readonly error: {
    readonly code: ErrorCode | HttpErrorCode;
    readonly message: string;
    readonly details?: Readonly<Record<string, string | number | boolean>>;
  };
}

export interface RenderedError {
  readonly status: number;
  readonly body: ErrorBody;
  readonly headers: Readonly<Record<string, string>>;
  /** Whether the server should log it: a 5xx or an unexpected exception. */
  readonly log: boolean;
}

/** Details that could reveal the server's file system are never sent. */
const PRIVATE_DETAILS = new Set(['path']);

export function renderError(error: unknown): RenderedError {
  if (error instanceof HttpError) {
    return {
      status: HTTP_ERROR_CODES[error.code],
      body: { error: { code: error.code, message: error.message } },
      headers: error.headers,
      log: false,
    };
  }
  if (error instanceof AirlockError) {
    const status = httpStatusOf(error.code);
    if (status >= 500) {
      return {
        status,
        body: {
          error: {
            code: error.code,
            message: `The appliance could not complete this request (${error.code}); its log has the details.`,
          },
        },
        headers: {},
        log: true,
      };
    }
    const details = Object.fromEntries(
      Object.entries(error.details).filter(([key]) => !PRIVATE_DETAILS.has(key)),
    );
    return {
      status,
      body: {
        error: {
          code: error.code,
          message: error.message,
          ...(Object.keys(details).length > 0 ? { details } : {}),
        },
      },
      headers: {},
      log: false,
    };
  }
  return {
    status: 500,
    body: { error: { code: 'INTERNAL', message: 'unexpected error' } },
    headers: {},
    log: true,
  };
}
