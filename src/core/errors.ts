// Every way Airlock refuses bad data: one error class, a stable code per failure, and the one
// table that maps each code to an HTTP status and a CLI exit code (docs/ERRORS.md lists them).

export const ERROR_CODES = {
  // Typed codes and binary framing (docs/FORMATS.md §2)
  CODE_EMPTY: { http: 400, exit: 3 },
  CODE_TOO_LONG: { http: 400, exit: 3 },
  CODE_MALFORMED: { http: 400, exit: 3 },
  CODE_GROUP_MISTYPED: { http: 400, exit: 3 },
  CODE_WRONG_KIND: { http: 400, exit: 3 },
  FORMAT_UNSUPPORTED_VERSION: { http: 400, exit: 3 },
  FORMAT_INVALID: { http: 400, exit: 3 },
  // Signatures and keys
  SIGNATURE_INVALID: { http: 400, exit: 4 },
  KEY_UNKNOWN: { http: 400, exit: 4 },
  CERTIFICATE_UNKNOWN: { http: 400, exit: 4 },
  CERTIFICATE_EXPIRED: { http: 400, exit: 4 },
  CERTIFICATE_SCOPE: { http: 403, exit: 4 },
  // Licenses
  LICENSE_UNKNOWN: { http: 404, exit: 5 },
  LICENSE_EXPIRED: { http: 403, exit: 5 },
  LICENSE_NOT_YET_VALID: { http: 403, exit: 5 },
  PRODUCT_MISMATCH: { http: 403, exit: 5 },
  FEATURE_MISSING: { http: 403, exit: 5 },
  FINGERPRINT_MISMATCH: { http: 403, exit: 5 },
  USER_MISMATCH: { http: 403, exit: 5 },
  REVOKED: { http: 403, exit: 5 },
  // The client's activation flow
  NOT_ACTIVATED: { http: 409, exit: 6 },
  NO_PENDING_CHALLENGE: { http: 409, exit: 6 },
  ACTIVATION_HELD: { http: 409, exit: 6 },
  RESPONSE_WRONG_CHALLENGE: { http: 400, exit: 6 },
  RESPONSE_STALE: { http: 400, exit: 6 },
  LEASE_EXPIRED: { http: 403, exit: 6 },
  CLOCK_ROLLBACK: { http: 403, exit: 6 },
  BUNDLE_ROLLBACK: { http: 409, exit: 6 },
  BUNDLE_BASE_MISMATCH: { http: 409, exit: 6 },
  BUNDLE_NOT_YET_VALID: { http: 400, exit: 6 },
  DEACTIVATION_INVALID: { http: 400, exit: 6 },
  // The vendor reading an appliance's usage reports (docs/FORMATS.md §15)
  REPORT_ROLLBACK: { http: 409, exit: 6 },
  // Local files and environment
  STORE_UNREADABLE: { http: 500, exit: 7 },
  STORE_FOREIGN: { http: 403, exit: 7 },
  TRUST_INVALID: { http: 400, exit: 7 },
  KEY_FILE_INVALID: { http: 500, exit: 7 },
  KEY_FILE_EXPOSED: { http: 500, exit: 7 },
  PASSPHRASE_REQUIRED: { http: 500, exit: 7 },
  PASSPHRASE_WRONG: { http: 500, exit: 7 },
  FILE_NOT_FOUND: { http: 404, exit: 7 },
  FILE_EXISTS: { http: 409, exit: 7 },
  FILE_TOO_LARGE: { http: 413, exit: 7 },
  // Serving the appliance: its configuration and its TLS certificate (docs/CONFIG.md)
  CONFIG_INVALID: { http: 500, exit: 7 },
  TLS_INVALID: { http: 500, exit: 7 },
  // USB sync folders
  SYNC_PATH_UNSAFE: { http: 400, exit: 7 },
  SYNC_MANIFEST_MISMATCH: { http: 409, exit: 7 },
  SYNC_EXPORT_OLDER: { http: 409, exit: 7 },
  // The appliance's decisions
  SEATS_EXHAUSTED: { http: 409, exit: 5 },
  ACTIVATION_UNKNOWN: { http: 404, exit: 5 },
  DEACTIVATION_LIMIT: { http: 429, exit: 5 },
  REVOCATION_LIMIT: { http: 429, exit: 5 },
  LICENSE_EXISTS: { http: 409, exit: 5 },
  LICENSE_SUPERSEDED: { http: 409, exit: 5 },
  VENDOR_KEY_REQUIRED: { http: 409, exit: 7 },
  COUNTER_EXHAUSTED: { http: 409, exit: 5 },
  // The appliance's users (the console's sign-in)
  USER_EXISTS: { http: 409, exit: 7 },
  USER_UNKNOWN: { http: 404, exit: 7 },
  PASSWORD_WEAK: { http: 400, exit: 2 },
  LAST_ADMIN: { http: 409, exit: 7 },
  // The appliance's ledger
  LEDGER_LOCKED: { http: 503, exit: 8 },
  LEDGER_CORRUPT: { http: 500, exit: 8 },
  LEDGER_UNAVAILABLE: { http: 503, exit: 8 },
  LEDGER_SCHEMA_NEWER: { http: 500, exit: 8 },
  LEDGER_NOT_EMPTY: { http: 409, exit: 8 },
  LEDGER_MOVED: { http: 503, exit: 8 },
  REVOCATIONS_CHANGED: { http: 409, exit: 8 },
  // Backups, restores and the data directory's format (docs/OPERATIONS.md)
  BACKUP_INVALID: { http: 400, exit: 7 },
  BACKUP_MISMATCH: { http: 409, exit: 7 },
  BACKUP_CHANGING: { http: 503, exit: 7 },
  DATA_FORMAT_NEWER: { http: 500, exit: 7 },
  DATA_FORMAT_OLDER: { http: 500, exit: 7 },
  // Online mode: the client talking to the appliance over HTTP (src/sdk/online.ts)
  APPLIANCE_UNREACHABLE: { http: 502, exit: 9 },
  APPLIANCE_REFUSED: { http: 502, exit: 9 },
  // Installing the appliance on a host, and probing a running one (docs/INSTALL.md)
  ROOT_REQUIRED: { http: 500, exit: 7 },
  SERVICE_ACTIVE: { http: 409, exit: 7 },
  APPLIANCE_NOT_READY: { http: 503, exit: 9 },
  // Command line
  USAGE: { http: 400, exit: 2 },
  INTERNAL: { http: 500, exit: 1 },
} as const satisfies Record<string, { http: number; exit: number }>;

export type ErrorCode = keyof typeof ERROR_CODES;

/** A refusal caused by data (a mistyped code, a forged response, an expired license). */
export class AirlockError extends Error {
  override readonly name = 'AirlockError';
  readonly code: ErrorCode;
  /** Extra facts for callers and JSON output (e.g. the mistyped group's number). */
  readonly details: Readonly<Record<string, string | number | boolean>>;

  constructor(
    code: ErrorCode,
    message: string,
    details: Record<string, string | number | boolean> = {},
  ) {
    super(message);
    this.code = code;
    this.details = details;
  }
}

export function isAirlockError(value: unknown): value is AirlockError {
  return value instanceof AirlockError;
}

export function httpStatusOf(code: ErrorCode): number {
  return ERROR_CODES[code].http;
}

export function exitCodeOf(code: ErrorCode): number {
  return ERROR_CODES[code].exit;
}
