// The OpenAPI entries of signing in (/session) and of the ledger's administration (/ledger…), with
// their schemas: the parts of the document a console needs beyond the desk and the licenses.

import { DEFAULT_EVENTS, MAX_EVENTS } from './routes/ledger.ts';
import { ok, operation, query } from './openapi-operation.ts';
import { nullable, object, ref, str } from './openapi-schemas.ts';

const HASH = str('64 hex digits (SHA-256).');
const HEAD = object({ seq: { type: 'integer' }, hash: HASH });

export const LEDGER_SCHEMAS = {
  Session: object(
    {
      role: { enum: ['admin', 'operator', 'auditor'] },
      tokenId: str('With an API token: tok_ and 8 hex digits, as `airlock token list` shows it.'),
      user: str('In a console session: the user’s name.'),
      csrfToken: str('In a console session: send it as X-CSRF-Token with every change.'),
      idleSeconds: { type: 'integer', description: 'In a console session: idle time-out.' },
      endsAt: { type: 'integer', description: 'In a console session: Unix seconds it ends.' },
      appliance: object({
        applianceId: str('apl_ and 8 hex digits.'),
        mode: { enum: ['standalone', 'delegated'] },
        certificateExpiresAt: {
          ...nullable('integer'),
          description: 'Unix seconds; null while a delegated appliance waits for its certificate.',
        },
      }),
      version: str('The appliance software’s version.'),
    },
    ['role', 'appliance', 'version'],
  ),
  LedgerStatus: object({
    head: HEAD,
    lastRecordAt: {
      ...nullable('integer'),
      description: 'Unix milliseconds of the last durable record; null for an empty ledger.',
    },
    opened: object({
      snapshotSeq: {
        ...nullable('integer'),
        description: 'The snapshot the state was loaded from at start-up; null: none was used.',
      },
      replayed: { type: 'integer', description: 'Records replayed after it.' },
    }),
    available: {
      type: 'boolean',
      description: 'false after a failed write (disk full?), until a probe write succeeds.',
    },
  }),
  LedgerEvent: object({
    seq: { type: 'integer' },
    at: { type: 'integer', description: 'Unix milliseconds.' },
    type: str('license.added, activation.granted, activation.ended, audit, …'),
    data: {
      type: 'object',
      description:
        'The record’s data as stored, less what stands in for a secret (the keyed hash of an appliance-held key).',
    },
  }),
  VerifyLine: {
    description:
      'One line: progress (bytes of journal files read), then the result; an error line only if reading failed after the answer had begun.',
    oneOf: [
      object({ progress: object({ done: { type: 'integer' }, total: { type: 'integer' } }) }),
      object({
        result: object(
          {
            ok: { type: 'boolean' },
            records: { type: 'integer', description: 'Records that passed every check.' },
            lastSeq: { type: 'integer', description: 'The last good record (0: none).' },
            lastHash: HASH,
            firstBad: object({
              seq: { type: 'integer' },
              file: str('The journal segment’s file name.'),
              line: { type: 'integer' },
              reason: { enum: ['torn', 'checksum', 'chain', 'sequence', 'malformed'] },
            }),
          },
          ['ok', 'records', 'lastSeq', 'lastHash'],
        ),
      }),
      ref('Error'),
    ],
  },
};

export const ledgerPaths = {
  '/session': {
    get: operation({
      id: 'session',
      summary:
        'Who is calling (a token’s role and ID, or the signed-in user and the session’s CSRF token) and which appliance answers.',
      tag: 'meta',
      access: 'read',
      ok: ok(ref('Session')),
    }),
  },
  '/ledger': {
    get: operation({
      id: 'ledgerStatus',
      summary: 'Where the hash chain stands, when it was last written, how the state was loaded.',
      tag: 'ledger',
      access: 'audit',
      ok: ok(ref('LedgerStatus')),
      errors: [501],
    }),
  },
  '/ledger/events': {
    get: operation({
      id: 'ledgerEvents',
      summary: 'The newest durable records, newest first, a page at a time going backwards.',
      tag: 'ledger',
      access: 'audit',
      parameters: [
        query('limit', 'Page size.', {
          type: 'integer',
          minimum: 1,
          maximum: MAX_EVENTS,
          default: DEFAULT_EVENTS,
        }),
        query('before', 'Only records before this seq: nextBefore of the page before.', {
          type: 'integer',
          minimum: 1,
        }),
      ],
      ok: ok(
        object({
          events: { type: 'array', items: ref('LedgerEvent') },
          nextBefore: { ...nullable('integer'), description: 'null on the page with record 1.' },
        }),
      ),
      errors: [501],
    }),
  },
  '/ledger/verify': {
    post: operation({
      id: 'verifyLedger',
      summary:
        'Verify every durable record (checksums, sequence, hash chain), streaming progress as JSON lines (at most ~10 a second, the first and last always) and then the result. A journal that fails is a result (ok: false), not an error. One at a time (VERIFY_RUNNING). No body.',
      tag: 'ledger',
      access: 'audit',
      ok: {
        '200': {
          description: 'Newline-delimited JSON, one VerifyLine per line.',
          content: { 'application/x-ndjson': { schema: ref('VerifyLine') } },
        },
      },
      errors: [409, 501],
    }),
  },
  '/ledger/checkpoint': {
    post: operation({
      id: 'checkpointLedger',
      summary:
        'Write a snapshot of the state now, so that a restart replays only what follows it. No body.',
      tag: 'ledger',
      access: 'admin',
      ok: ok(
        object({
          seq: { type: 'integer', description: 'The record the snapshot is as of.' },
          hash: HASH,
          at: { type: 'integer', description: 'When it was written, Unix milliseconds.' },
        }),
      ),
      errors: [501, 503],
    }),
  },
};
