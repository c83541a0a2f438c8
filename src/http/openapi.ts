// The OpenAPI 3.1 description of /api/v1, served at /api/v1/openapi.json. Written by hand next to
// the routes; test/http/openapi.test.ts checks that it lists exactly the routes the server has.

import { ACCESS_SCHEMAS, accessPaths } from './openapi-access.ts';
import { LEDGER_SCHEMAS, ledgerPaths } from './openapi-ledger.ts';
import { ok, operation, query } from './openapi-operation.ts';
import {
  jsonContent,
  LICENSE,
  nullable,
  object,
  OFFLINE_REQUIRED,
  OFFLINE_RESPONSE,
  ref,
  SCHEMAS,
  str,
} from './openapi-schemas.ts';
import { MAX_SEARCH } from './routes/licenses.ts';

const codeField = (what: string) =>
  str(`The ${what}: typed form (groups with dashes; confusable characters forgiven) or QR text.`, {
    maxLength: 4096,
  });

const ID_PARAMETER = (description: string) => ({
  name: 'id',
  in: 'path',
  required: true,
  description,
  schema: { type: 'string' },
});
const REASON = str(
  'lost-or-stolen, retired, key-compromise, superseded, non-payment, fraud, or your own words (at most 200 characters).',
);

const DAY = { type: 'string', format: 'date', pattern: '^\\d{4}-\\d{2}-\\d{2}$' };

const SVG_PARAMETER = query(
  'svg',
  'true: the answer also holds its QR code as SVG (qrSvg). Default false: drawing it costs more than the rest of the answer.',
  { enum: ['true', 'false'] },
);

export const OPENAPI_DOCUMENT = {
  openapi: '3.1.0',
  info: {
    title: 'Airlock appliance API',
    version: '1',
    description:
      'Offline and online activation of software licenses. JSON in and out; unknown fields are refused. Errors are {"error":{"code","message","details"?}} with the HTTP status of the code.',
  },
  servers: [{ url: '/api/v1' }],
  tags: [
    { name: 'offline', description: 'The operator desk for air-gapped machines.' },
    { name: 'online', description: 'Hybrid clients that reach the appliance.' },
    { name: 'admin', description: 'Licenses and the activation ledger.' },
    { name: 'sync', description: 'Revocation bundles and usage reports by USB stick.' },
    {
      name: 'ledger',
      description: 'The activation ledger’s journal: its head, events, verification.',
    },
    { name: 'meta', description: 'Probes and this document.' },
  ],
  paths: {
    '/offline/respond': {
      post: operation({
        id: 'respondOffline',
        summary: 'Answer a challenge with a signed response (text and QR code).',
        tag: 'offline',
        access: 'operator',
        limited: true,
        parameters: [SVG_PARAMETER],
        body: jsonContent(object({ challenge: codeField('challenge') })),
        ok: ok(ref('OfflineResponse')),
        errors: [403, 404, 409],
      }),
    },
    '/offline/respond-image': {
      post: operation({
        id: 'respondOfflineImage',
        summary: 'Answer the challenge in a photo or screenshot of its QR code.',
        tag: 'offline',
        access: 'operator',
        limited: true,
        parameters: [SVG_PARAMETER],
        body: {
          'image/png': { schema: { type: 'string', contentMediaType: 'image/png' } },
          'image/jpeg': { schema: { type: 'string', contentMediaType: 'image/jpeg' } },
        },
        ok: ok(
          object({ challenge: str('The challenge read from the picture.'), ...OFFLINE_RESPONSE }, [
            'challenge',
            ...OFFLINE_REQUIRED,
          ]),
        ),
        errors: [403, 404, 409],
      }),
    },
    '/scan': {
      post: operation({
        id: 'scanImage',
        summary:
          'Read every QR code in a photo or screenshot, each with the kind of code it looks like.',
        tag: 'offline',
        access: 'operator',
        limited: true,
        body: {
          'image/png': { schema: { type: 'string', contentMediaType: 'image/png' } },
          'image/jpeg': { schema: { type: 'string', contentMediaType: 'image/jpeg' } },
        },
        ok: ok(
          object({
            codes: {
              type: 'array',
              items: object({
                text: str('The code as read.'),
                kind: {
                  enum: [
                    'challenge',
                    'response',
                    'deactivation',
                    'license',
                    'held-license',
                    'certificate',
                    'unknown',
                  ],
                },
              }),
            },
          }),
        ),
        errors: [],
      }),
    },
    '/offline/deactivate': {
      post: operation({
        id: 'deactivateOffline',
        summary: 'Free a seat with the deactivation code the machine showed.',
        tag: 'offline',
        access: 'operator',
        limited: true,
        body: jsonContent(object({ code: codeField('deactivation code') })),
        ok: ok(ref('Deactivated')),
        errors: [404],
      }),
    },
    '/offline/qr.png': {
      get: operation({
        id: 'qrPng',
        summary: 'Draw a code as a QR image (PNG, error correction M).',
        tag: 'offline',
        access: 'operator',
        parameters: [
          {
            ...query('text', 'The code; write the "+" of a combined response as %2B.', {
              type: 'string',
              maxLength: 512,
              pattern: '^[0-9A-Z+-]+$',
            }),
            required: true,
          },
        ],
        ok: {
          '200': {
            description: 'The QR code.',
            content: { 'image/png': { schema: { type: 'string', contentMediaType: 'image/png' } } },
          },
        },
      }),
    },
    '/activate': {
      post: operation({
        id: 'activate',
        summary: 'Activate online: the same challenge and signed response as offline.',
        tag: 'online',
        access: 'operator',
        limited: true,
        body: jsonContent(
          object(
            {
              challenge: codeField('challenge'),
              clientId: str('The caller’s own name for the machine (recorded).', {
                maxLength: 128,
              }),
            },
            ['challenge'],
          ),
        ),
        ok: ok(ref('Activated')),
        errors: [403, 404, 409],
      }),
    },
    '/redeem': {
      post: operation({
        id: 'redeem',
        summary:
          'Trade an appliance-held key (S…, from `airlock license create`) for its signed license key.',
        tag: 'online',
        access: 'operator',
        limited: true,
        body: jsonContent(object({ key: codeField('appliance-held license key') })),
        ok: ok(ref('Redeemed')),
        errors: [404],
      }),
    },
    '/validate': {
      post: operation({
        id: 'validate',
        summary: 'Revalidate an activation: its status in the ledger and why it is not in force.',
        tag: 'online',
        access: 'operator',
        limited: true,
        body: jsonContent(
          object({
            licenseId: str('lic_ and 16 hex digits.'),
            activationId: str('act_ and 8 hex digits.'),
          }),
        ),
        ok: ok(ref('Validation')),
        errors: [404],
      }),
    },
    '/deactivate': {
      post: operation({
        id: 'deactivate',
        summary: 'Free a seat with the deactivation code.',
        tag: 'online',
        access: 'operator',
        limited: true,
        body: jsonContent(object({ code: codeField('deactivation code') })),
        ok: ok(ref('Deactivated')),
        errors: [404],
      }),
    },
    '/licenses': {
      get: operation({
        id: 'listLicenses',
        summary: 'The licenses this appliance holds, or those a search finds.',
        tag: 'admin',
        access: 'read',
        parameters: [
          query(
            'q',
            'Only licenses with this text in their ID, product, type or a feature (any case; blank: all).',
            { type: 'string', maxLength: MAX_SEARCH },
          ),
        ],
        ok: ok(object({ licenses: { type: 'array', items: ref('License') } })),
      }),
      post: operation({
        id: 'addLicense',
        summary: 'Add a vendor license key (adding one already held is not an error).',
        tag: 'admin',
        access: 'admin',
        body: jsonContent(object({ key: str('The typed license key.', { maxLength: 8192 }) })),
        ok: {
          ...ok(ref('LicenseAdded'), 'Added.', '201'),
          ...ok(ref('LicenseAdded'), 'Already held.'),
        },
        errors: [409],
      }),
    },
    '/licenses/{id}': {
      get: operation({
        id: 'getLicense',
        summary: 'One license with its activations and seats.',
        tag: 'admin',
        access: 'read',
        parameters: [
          {
            name: 'id',
            in: 'path',
            required: true,
            description: 'lic_ and 16 hex digits.',
            schema: { type: 'string' },
          },
        ],
        ok: ok(object({ ...LICENSE, activations: { type: 'array', items: ref('Activation') } })),
        errors: [404],
      }),
    },
    '/licenses/{id}/revoke': {
      post: operation({
        id: 'revokeLicense',
        summary: 'Revoke a license at this site: no new activations; revalidation answers revoked.',
        tag: 'admin',
        access: 'admin',
        parameters: [ID_PARAMETER('lic_ and 16 hex digits.')],
        body: jsonContent(object({ reason: REASON })),
        ok: ok(ref('Revoked')),
        errors: [404],
      }),
    },
    '/activations/{id}/revoke': {
      post: operation({
        id: 'revokeActivation',
        summary:
          'Revoke one machine’s activation (stolen, dead): its seat is freed, the machine may not activate again, the next site bundle names it. Limited per license (REVOCATION_LIMIT).',
        tag: 'admin',
        access: 'admin',
        parameters: [ID_PARAMETER('act_ and 8 hex digits.')],
        body: jsonContent(object({ reason: REASON })),
        ok: ok(ref('Revoked')),
        errors: [404, 409],
      }),
    },
    '/sync/import': {
      post: operation({
        id: 'importBundle',
        summary:
          'Import a vendor revocation bundle (the file itself as the body): verified in full, applied or refused whole.',
        tag: 'sync',
        access: 'admin',
        body: {
          'application/octet-stream': {
            schema: { type: 'string', contentMediaType: 'application/octet-stream' },
          },
        },
        ok: ok(ref('Imported')),
        errors: [409],
      }),
    },
    '/sync/export': {
      get: operation({
        id: 'exportSync',
        summary:
          'The USB export as one tar file: a new site bundle, the signed usage report and the manifest. Unpack it onto the stick.',
        tag: 'sync',
        access: 'admin',
        ok: {
          '200': {
            description: 'A tar archive.',
            content: { 'application/x-tar': { schema: { type: 'string' } } },
          },
        },
      }),
    },
    '/sync/status': {
      get: operation({
        id: 'syncStatus',
        summary: 'The revocation bundles held, their staleness, and the last export.',
        tag: 'sync',
        access: 'read',
        ok: ok(ref('SyncStatus')),
      }),
    },
    '/activations': {
      get: operation({
        id: 'listActivations',
        summary:
          'Activations, filtered and paged in the order they were granted (by activation ID).',
        tag: 'admin',
        access: 'read',
        parameters: [
          query('licenseId', 'Only this license’s.', { type: 'string' }),
          query('status', 'Only those with this status.', ref('ActivationStatus')),
          query('from', 'Only those granted on this UTC day or later (YYYY-MM-DD).', DAY),
          query('to', 'Only those granted on this UTC day or before (YYYY-MM-DD).', DAY),
          query('order', 'oldest first (the default) or newest first.', {
            enum: ['oldest', 'newest'],
            default: 'oldest',
          }),
          query('limit', 'Page size.', {
            type: 'integer',
            minimum: 1,
            maximum: 1000,
            default: 100,
          }),
          query('cursor', 'nextCursor of the page before (with the same filters and order).', {
            type: 'string',
          }),
        ],
        ok: ok(
          object({
            activations: { type: 'array', items: ref('Activation') },
            nextCursor: { ...nullable('string'), description: 'null on the last page.' },
          }),
        ),
      }),
    },
    ...ledgerPaths,
    ...accessPaths,
    '/health': {
      get: operation({
        id: 'health',
        summary: 'The process answers.',
        tag: 'meta',
        access: 'public',
        ok: ok(object({ status: { const: 'ok' } })),
      }),
    },
    '/ready': {
      get: operation({
        id: 'ready',
        summary:
          'The appliance can sign responses: it holds a current certificate, and its ledger writes (a PostgreSQL ledger: its database answers this node now).',
        tag: 'meta',
        access: 'public',
        ok: {
          ...ok(
            object({
              status: { const: 'ready' },
              certificateExpiresAt: { type: 'integer' },
              ledger: object(
                {
                  kind: { enum: ['file', 'postgres', 'memory'] },
                  database: str('host:port/database of a PostgreSQL ledger (no user or password).'),
                },
                ['kind'],
              ),
            }),
            'Ready.',
          ),
          ...ok(
            object({
              status: { const: 'not_ready' },
              code: {
                enum: [
                  'CERTIFICATE_UNKNOWN',
                  'CERTIFICATE_EXPIRED',
                  'LEDGER_UNAVAILABLE',
                  'LEDGER_CORRUPT',
                ],
              },
              message: { type: 'string' },
            }),
            'Not ready: no certificate yet, or it expired; the ledger cannot write, or its database cannot be reached.',
            '503',
          ),
        },
      }),
    },
    '/openapi.json': {
      get: operation({
        id: 'openapi',
        summary: 'This document.',
        tag: 'meta',
        access: 'public',
        ok: ok({ type: 'object' }),
      }),
    },
  },
  components: {
    securitySchemes: {
      bearer: {
        type: 'http',
        scheme: 'bearer',
        description:
          'An API token from `airlock token create --role admin|operator|auditor` (or POST /tokens). `x-airlock-role` on each operation says who may call it: read (every role), operator (admins and operators), audit (admins and auditors), admin.',
      },
      session: {
        type: 'apiKey',
        in: 'cookie',
        name: 'airlock_session',
        description:
          'The console’s session, from POST /auth/sign-in. Every request that changes something also sends the session’s CSRF token as the X-CSRF-Token header.',
      },
    },
    schemas: { ...SCHEMAS, ...LEDGER_SCHEMAS, ...ACCESS_SCHEMAS },
  },
} as const;
