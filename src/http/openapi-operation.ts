// One operation of the OpenAPI document: its summary, who may call it, its parameters and body,
// and the error responses that follow from those (401/403 behind a token, 400 with input, …).

import { IMAGE_LIMIT, JSON_LIMIT } from './body.ts';
import { jsonContent, ref, type Schema } from './openapi-schemas.ts';
import type { Access } from './route.ts';

const ERRORS: Record<number, string> = {
  400: 'Bad input: malformed JSON, an unknown field, a wrong type, a mistyped or malformed code.',
  401: 'No API token or console session, an unknown, revoked or expired token, or an ended session (UNAUTHORIZED).',
  403: 'The caller’s role may not use this endpoint (FORBIDDEN), a console change without its CSRF token (CSRF_INVALID), or the license refuses (REVOKED, LICENSE_EXPIRED, …).',
  404: 'The license or activation is not held by this appliance.',
  409: 'A conflict with the ledger: every seat in use (SEATS_EXHAUSTED), another license with this ID, or a verification already running (VERIFY_RUNNING).',
  413: `The body is larger than the endpoint accepts (BODY_TOO_LARGE): ${JSON_LIMIT / 1024} KiB of JSON, ${IMAGE_LIMIT / 1048576} MiB of image.`,
  415: 'The Content-Type is not one the endpoint reads (MEDIA_TYPE_UNSUPPORTED).',
  429: 'Too many requests from this address (RATE_LIMITED); the Retry-After header gives seconds to wait. Also DEACTIVATION_LIMIT.',
  501: 'This server keeps its ledger in memory (LEDGER_IN_MEMORY): there is no journal to administer.',
  503: 'The ledger is locked by another process or unavailable.',
};

function errorResponses(statuses: number[]) {
  return Object.fromEntries(
    statuses.map((status) => [
      String(status),
      {
        description: ERRORS[status],
        content: jsonContent(ref('Error')),
        ...(status === 429
          ? { headers: { 'Retry-After': { schema: { type: 'integer' }, description: 'Seconds.' } } }
          : {}),
      },
    ]),
  );
}

export interface Operation {
  readonly id: string;
  readonly summary: string;
  readonly tag: string;
  readonly access: Access;
  readonly limited?: boolean;
  /** Only a console session can call it (signing out, one's own password): tokens get 403. */
  readonly sessionOnly?: boolean;
  readonly body?: Readonly<Record<string, { schema: Schema }>>;
  readonly parameters?: readonly Schema[];
  readonly ok: Readonly<Record<string, unknown>>;
  readonly errors?: number[];
}

export function operation(o: Operation) {
  const statuses = new Set(o.errors ?? []);
  if (o.access !== 'public') [401, 403].forEach((s) => statuses.add(s));
  if (o.limited) statuses.add(429);
  if (o.body) [400, 413, 415].forEach((s) => statuses.add(s));
  if (o.parameters) statuses.add(400);
  return {
    operationId: o.id,
    summary: o.summary,
    tags: [o.tag],
    security:
      o.access === 'public'
        ? []
        : o.sessionOnly
          ? [{ session: [] }]
          : [{ bearer: [] }, { session: [] }],
    'x-airlock-role': o.access,
    ...(o.parameters ? { parameters: o.parameters } : {}),
    ...(o.body ? { requestBody: { required: true, content: o.body } } : {}),
    responses: {
      ...o.ok,
      ...errorResponses([...statuses].sort()),
      '500': { description: 'An unexpected fault (INTERNAL); the server log has the details.' },
    },
  };
}

export const ok = (schema: Schema, description = 'Done.', status = '200') => ({
  [status]: { description, content: jsonContent(schema) },
});

export const query = (name: string, description: string, schema: Schema) => ({
  name,
  in: 'query',
  required: false,
  description,
  schema,
});
