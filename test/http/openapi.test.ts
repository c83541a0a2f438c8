// The OpenAPI document: served without a token, valid JSON of OpenAPI 3.1, every $ref resolves,
// and it lists exactly the routes the server has (each documented operation is routed).

import test from 'ava';
import { setup } from './helpers.ts';

const ROUTES = [
  'POST /offline/respond',
  'POST /offline/respond-image',
  'POST /offline/deactivate',
  'POST /scan',
  'GET /offline/qr.png',
  'POST /activate',
  'POST /validate',
  'POST /redeem',
  'POST /deactivate',
  'GET /licenses',
  'POST /licenses',
  'GET /licenses/{id}',
  'GET /activations',
  'POST /licenses/{id}/revoke',
  'POST /activations/{id}/revoke',
  'POST /sync/import',
  'GET /sync/export',
  'GET /sync/status',
  'GET /session',
  'GET /ledger',
  'GET /ledger/events',
  'POST /ledger/verify',
  'POST /ledger/checkpoint',
  'GET /health',
  'GET /ready',
  'GET /openapi.json',
];

function refs(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) value.forEach((v) => refs(v, out));
  else if (typeof value === 'object' && value !== null) {
    for (const [k, v] of Object.entries(value)) {
      if (k === '$ref' && typeof v === 'string') out.push(v);
      else refs(v, out);
    }
  }
  return out;
}

test('openapi.json describes every route, and the server routes everything it describes', async (t) => {
  const s = await setup(t);
  const res = await s.call('GET', '/openapi.json');
  t.is(res.status, 200);
  t.regex(res.headers.get('content-type') ?? '', /^application\/json/);
  const doc = res.json;
  t.regex(doc.openapi, /^3\.1\./);
  t.deepEqual(doc.servers, [{ url: '/api/v1' }]);

  const documented = Object.entries(doc.paths).flatMap(([path, ops]) =>
    Object.keys(ops as object).map((method) => `${method.toUpperCase()} ${path}`),
  );
  t.deepEqual(documented.sort(), [...ROUTES].sort());

  for (const ref of refs(doc)) {
    const target = ref
      .replace(/^#\//, '')
      .split('/')
      .reduce<any>((node, key) => node?.[key], doc);
    t.truthy(target, `${ref} resolves`);
  }

  for (const route of documented) {
    const [method, path] = route.split(' ') as [string, string];
    const op = doc.paths[path][method.toLowerCase()];
    const isPublic = op.security.length === 0;
    t.is(isPublic, ['/health', '/ready', '/openapi.json'].includes(path), route);
    const url = path.replace('{id}', s.licenseId);
    const answer = await s.call(method, url, {
      ...(isPublic ? {} : { token: s.tokens.admin }),
      ...(method === 'POST' ? { body: {} } : {}),
    });
    t.false(['NOT_FOUND', 'METHOD_NOT_ALLOWED'].includes(answer.json?.error?.code), route);
    t.not(answer.status, 500, route);
    if (!isPublic) t.is((await s.call(method, url)).status, 401, `${route} needs a token`);
  }
});
