// The JSON Schemas (2020-12, as OpenAPI 3.1 uses) of the API's bodies, and the small builders the
// document is written with. Objects refuse properties they do not list, as the server does.

import { ERROR_CODES } from '../core/errors.ts';
import { LICENSE_TYPES } from '../core/formats/license-key.ts';
import { HTTP_ERROR_CODES } from './errors.ts';

export type Schema = Readonly<Record<string, unknown>>;

export const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });
export const nullable = (type: string): Schema => ({ type: [type, 'null'] });
export const str = (description: string, extra: Schema = {}): Schema => ({
  type: 'string',
  description,
  ...extra,
});
export const object = (
  properties: Record<string, Schema>,
  requiredFields = Object.keys(properties),
) => ({
  type: 'object',
  additionalProperties: false,
  required: requiredFields,
  properties,
});
export const jsonContent = (schema: Schema) => ({ 'application/json': { schema } });

const ACTIVATED = {
  response: str('The response, typed form (at most 150 characters).'),
  qr: str('The combined form for a QR code: response and appliance certificate.'),
  activationId: str('act_ and 8 hex digits.'),
  licenseId: str('lic_ and 16 hex digits.'),
  product: { type: 'string' },
  features: { type: 'array', items: { type: 'string' } },
  leaseEndsAt: { ...nullable('integer'), description: 'Unix seconds; null without a lease.' },
  renewal: { type: 'boolean', description: 'true when this machine already held a seat.' },
  seats: { type: 'integer', description: '0 means no limit.' },
  seatsUsed: { type: 'integer' },
};

/** qrSvg only when asked for. */
export const OFFLINE_REQUIRED = Object.keys(ACTIVATED);

export const OFFLINE_RESPONSE = {
  ...ACTIVATED,
  qrSvg: str('The QR code of `qr`, as SVG (only with ?svg=true).'),
};

export const LICENSE = {
  licenseId: { type: 'string' },
  product: { type: 'string' },
  type: { enum: [...LICENSE_TYPES] },
  seats: { type: 'integer', description: '0 means no limit.' },
  seatsUsed: { type: 'integer' },
  seatsFree: { ...nullable('integer'), description: 'null without a seat limit.' },
  expiresAt: nullable('integer'),
  features: { type: 'array', items: { type: 'string' } },
  revoked: { type: 'boolean' },
  key: str('The typed license key.'),
  held: {
    type: 'boolean',
    description: 'true for a license created on the appliance (its S… key is kept hashed).',
  },
};

const OUTCOMES = ['applied', 'unchanged', 'superseded', 'not for this appliance'];

export const SCHEMAS = {
  Revoked: object(
    {
      outcome: { enum: ['revoked', 'already'] },
      licenseId: str('lic_ and 16 hex digits.'),
      activationId: str('act_ and 8 hex digits (activations only).'),
    },
    ['outcome', 'licenseId'],
  ),
  SyncStatus: object(
    {
      vendor: {
        oneOf: [
          { type: 'null' },
          object({
            sequence: { type: 'integer' },
            issuedAt: { type: 'integer' },
            nextUpdate: { type: 'integer' },
            stale: { type: 'boolean', description: 'past its next update: import a newer one.' },
          }),
        ],
      },
      siteSequence: {
        type: 'integer',
        description:
          'The last site bundle exported, or the sequence a restore moved past (0: none); the next export takes the one after.',
      },
      lastExport: {
        oneOf: [{ type: 'null' }, object({ seq: { type: 'integer' }, hash: { type: 'string' } })],
      },
      files: object({
        bundle: { type: 'string' },
        report: { type: 'string' },
        manifest: { type: 'string' },
      }),
    },
    ['vendor', 'siteSequence', 'lastExport'],
  ),
  Imported: object({
    bundles: {
      type: 'array',
      items: object({
        name: { type: 'string' },
        stream: { type: 'string' },
        sequence: { type: 'integer' },
        scope: { enum: ['full', 'delta'] },
        outcome: { enum: OUTCOMES },
      }),
    },
    status: ref('SyncStatus'),
  }),
  Error: object({
    error: object(
      {
        code: {
          type: 'string',
          enum: [...Object.keys(ERROR_CODES), ...Object.keys(HTTP_ERROR_CODES)],
        },
        message: { type: 'string' },
        details: {
          type: 'object',
          additionalProperties: { type: ['string', 'number', 'boolean'] },
        },
      },
      ['code', 'message'],
    ),
  }),
  Activated: object(ACTIVATED),
  OfflineResponse: object(OFFLINE_RESPONSE, OFFLINE_REQUIRED),
  Deactivated: object({
    outcome: { enum: ['freed', 'already'] },
    activationId: { type: 'string' },
    licenseId: { type: 'string' },
  }),
  Validation: object({
    valid: { type: 'boolean' },
    applianceId: str(
      'apl_ and 8 hex digits: the appliance that answers (activation IDs are per appliance).',
    ),
    code: {
      enum: ['VALID', 'REVOKED', 'NOT_ACTIVATED', 'LICENSE_EXPIRED', 'LEASE_EXPIRED'],
      description: 'VALID, or the first reason the activation is not in force.',
    },
    message: { type: 'string' },
    licenseId: { type: 'string' },
    activationId: { type: 'string' },
    status: ref('ActivationStatus'),
    leaseEndsAt: nullable('integer'),
    lastSeenAt: { type: 'integer' },
    license: object({
      product: { type: 'string' },
      revoked: { type: 'boolean' },
      expiresAt: nullable('integer'),
      expired: { type: 'boolean' },
    }),
    checkedAt: { type: 'integer' },
  }),
  ActivationStatus: { enum: ['active', 'deactivated', 'revoked'] },
  License: object(LICENSE),
  Redeemed: object({ license: ref('License') }),
  LicenseAdded: object({ outcome: { enum: ['added', 'existing'] }, license: ref('License') }),
  Activation: object(
    {
      activationId: { type: 'string' },
      licenseId: { type: 'string' },
      fingerprint: str('fp_ and 16 hex digits.'),
      status: ref('ActivationStatus'),
      activatedAt: { type: 'integer' },
      lastSeenAt: { type: 'integer' },
      leaseEndsAt: nullable('integer'),
      channel: { enum: ['offline', 'online'] },
      ip: { type: 'string' },
      clientId: { type: 'string' },
      endedAt: { type: 'integer' },
    },
    [
      'activationId',
      'licenseId',
      'fingerprint',
      'status',
      'activatedAt',
      'lastSeenAt',
      'leaseEndsAt',
      'channel',
    ],
  ),
};
