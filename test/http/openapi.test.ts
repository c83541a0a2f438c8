// The OpenAPI document: served without a token, valid JSON of OpenAPI 3.1, every $ref resolves,
// and it lists exactly the routes the server has (each documented operation is routed).

import test from 'ava';
import { setup } from './helpers.ts';

/** Every route, with who may call it (`x-airlock-role`: see src/http/route.ts). */
const ROUTES: Readonly<Record<string, string>> = {
  'POST /offline/respond': 'operator',
  'POST /offline/respond-image': 'operator',
  'POST /offline/deactivate': 'operator',
  'POST /scan': 'operator',
  'GET /offline/qr.png': 'operator',
  'POST /activate': 'operator',
  'POST /validate': 'operator',
  'POST /redeem': 'operator',
  'POST /deactivate': 'operator',
  'GET /licenses': 'read',
  'POST /licenses': 'admin',
  'GET /licenses/{id}': 'read',
  'GET /activations': 'read',
  'POST /licenses/{id}/revoke': 'admin',
  'POST /activations/{id}/revoke': 'admin',
  'POST /sync/import': 'admin',
  'GET /sync/export': 'admin',
  'GET /sync/status': 'read',
  'GET /session': 'read',
  'POST /auth/sign-in': 'public',
  'POST /auth/sign-out': 'read',
  'POST /auth/sign-out-everywhere': 'read',
  'POST /auth/password': 'read',
  'GET /users': 'admin',
  'POST /users': 'admin',
  'POST /users/{name}/password': 'admin',
  'POST /users/{name}/unlock': 'admin',
  'POST /users/{name}/remove': 'admin',
  'GET /tokens': 'admin',
  'POST /tokens': 'admin',
  'POST /tokens/{id}/revoke': 'admin',
  'GET /audit': 'audit',
  'GET /alerts': 'audit',
  'GET /ledger': 'audit',
  'GET /ledger/events': 'audit',
  'POST /ledger/verify': 'audit',
  'POST /ledger/checkpoint': 'admin',
  'GET /health': 'public',
  'GET /ready': 'public',
  'GET /openapi.json': 'public',
};

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
  t.deepEqual(documented.sort(), Object.keys(ROUTES).sort());

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
    t.is(op['x-airlock-role'], ROUTES[route], route);
    t.is(isPublic, ROUTES[route] === 'public', route);
    const url = path.replace('{id}', s.licenseId).replace('{name}', 'nobody');
    const answer = await s.call(method, url, {
      ...(isPublic ? {} : { token: s.tokens.admin }),
      ...(method === 'POST' ? { body: {} } : {}),
    });
    t.false(['NOT_FOUND', 'METHOD_NOT_ALLOWED'].includes(answer.json?.error?.code), route);
    t.not(answer.status, 500, route);
    if (!isPublic) t.is((await s.call(method, url)).status, 401, `${route} needs a token`);
  }
});
