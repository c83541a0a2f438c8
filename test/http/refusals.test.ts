// Every way a request is refused, from a table: auth, roles, validation, body limits, routing.
// Each row is sent over real HTTP and must give its status and error code, and nothing of the
// server's insides (stack lines, file paths).

import test from 'ava';
import { createChallenge, emptyState } from '../../src/sdk/index.ts';
import { setup } from './helpers.ts';

type Token = 'admin' | 'operator' | 'expired' | 'bogus' | 'none';

interface Row {
  readonly title: string;
  readonly method: string;
  readonly url: string;
  readonly body?: unknown;
  readonly token: Token;
  readonly status: number;
  readonly code: string;
  readonly headers?: Record<string, string>;
}

const BOGUS = `alt_${'A'.repeat(43)}`;
const LIC_UNKNOWN = 'lic_0123456789abcdef';

/** A typed challenge with one character of group 3 changed. */
function mistype(challenge: string): string {
  const groups = challenge.split('-');
  const g = groups[2]!;
  groups[2] = (g[0] === 'A' ? 'B' : 'A') + g.slice(1);
  return groups.join('-');
}

// prettier-ignore
const rows = (challenge: string): Row[] => [
  // Authentication and roles
  { title: 'no token', method: 'POST', url: '/offline/respond', body: { challenge }, token: 'none', status: 401, code: 'UNAUTHORIZED' },
  { title: 'an unknown token', method: 'GET', url: '/licenses', token: 'bogus', status: 401, code: 'UNAUTHORIZED' },
  { title: 'an expired token', method: 'GET', url: '/licenses', token: 'expired', status: 401, code: 'UNAUTHORIZED' },
  { title: 'a malformed Authorization header', method: 'GET', url: '/licenses', token: 'none', headers: { authorization: 'Basic dXNlcjpwYXNz' }, status: 401, code: 'UNAUTHORIZED' },
  { title: 'an operator adding a license', method: 'POST', url: '/licenses', body: { key: 'K' }, token: 'operator', status: 403, code: 'FORBIDDEN' },
  { title: 'no token for the activation list', method: 'GET', url: '/activations', token: 'none', status: 401, code: 'UNAUTHORIZED' },
  // Bodies
  { title: 'malformed JSON', method: 'POST', url: '/offline/respond', body: '{"challenge":', token: 'operator', status: 400, code: 'FORMAT_INVALID' },
  { title: 'a JSON array instead of an object', method: 'POST', url: '/activate', body: '[]', token: 'operator', status: 400, code: 'FORMAT_INVALID' },
  { title: 'an empty body', method: 'POST', url: '/activate', body: '', token: 'operator', status: 400, code: 'FORMAT_INVALID' },
  { title: 'invalid UTF-8', method: 'POST', url: '/activate', body: new Uint8Array([0x7b, 0xff, 0x7d]), token: 'operator', status: 400, code: 'FORMAT_INVALID' },
  { title: 'an unknown field', method: 'POST', url: '/offline/respond', body: { challenge, extra: 1 }, token: 'operator', status: 400, code: 'FORMAT_INVALID' },
  { title: 'a __proto__ field', method: 'POST', url: '/offline/respond', body: `{"challenge":"${challenge}","__proto__":{"x":1}}`, token: 'operator', status: 400, code: 'FORMAT_INVALID' },
  { title: 'a challenge of the wrong type', method: 'POST', url: '/offline/respond', body: { challenge: 42 }, token: 'operator', status: 400, code: 'FORMAT_INVALID' },
  { title: 'a null challenge', method: 'POST', url: '/activate', body: { challenge: null }, token: 'operator', status: 400, code: 'FORMAT_INVALID' },
  { title: 'a missing challenge', method: 'POST', url: '/offline/respond', body: {}, token: 'operator', status: 400, code: 'FORMAT_INVALID' },
  { title: 'a clientId with control characters', method: 'POST', url: '/activate', body: { challenge, clientId: 'a\nb' }, token: 'operator', status: 400, code: 'FORMAT_INVALID' },
  { title: 'a body over 64 KiB', method: 'POST', url: '/offline/respond', body: { challenge: 'x'.repeat(70_000) }, token: 'operator', status: 413, code: 'BODY_TOO_LARGE' },
  { title: 'a form body instead of JSON', method: 'POST', url: '/offline/respond', body: 'challenge=abc', headers: { 'content-type': 'application/x-www-form-urlencoded' }, token: 'operator', status: 415, code: 'MEDIA_TYPE_UNSUPPORTED' },
  { title: 'a compressed body', method: 'POST', url: '/offline/respond', body: '{}', headers: { 'content-encoding': 'gzip' }, token: 'operator', status: 415, code: 'MEDIA_TYPE_UNSUPPORTED' },
  { title: 'JSON sent to the photo endpoint', method: 'POST', url: '/offline/respond-image', body: { challenge }, token: 'operator', status: 415, code: 'MEDIA_TYPE_UNSUPPORTED' },
  { title: 'a picture that is not an image', method: 'POST', url: '/offline/respond-image', body: 'not a png', headers: { 'content-type': 'image/png' }, token: 'operator', status: 400, code: 'FORMAT_INVALID' },
  // Codes
  { title: 'an empty challenge', method: 'POST', url: '/offline/respond', body: { challenge: '  ' }, token: 'operator', status: 400, code: 'CODE_EMPTY' },
  { title: 'a mistyped challenge group', method: 'POST', url: '/offline/respond', body: { challenge: mistype(challenge) }, token: 'operator', status: 400, code: 'CODE_GROUP_MISTYPED' },
  { title: 'characters that codes never use', method: 'POST', url: '/activate', body: { challenge: 'not-a-code!' }, token: 'operator', status: 400, code: 'CODE_MALFORMED' },
  { title: 'a challenge given as a deactivation code', method: 'POST', url: '/deactivate', body: { code: challenge }, token: 'operator', status: 400, code: 'CODE_WRONG_KIND' },
  { title: 'a license key that is not one', method: 'POST', url: '/licenses', body: { key: 'ABC' }, token: 'admin', status: 400, code: 'CODE_MALFORMED' },
  // Things that are not there
  { title: 'an unknown license', method: 'GET', url: `/licenses/${LIC_UNKNOWN}`, token: 'operator', status: 404, code: 'LICENSE_UNKNOWN' },
  { title: 'a malformed license ID', method: 'GET', url: '/licenses/nope', token: 'operator', status: 400, code: 'FORMAT_INVALID' },
  { title: 'validating an unknown license', method: 'POST', url: '/validate', body: { licenseId: LIC_UNKNOWN, activationId: 'act_00000001' }, token: 'operator', status: 404, code: 'LICENSE_UNKNOWN' },
  { title: 'an unknown endpoint', method: 'GET', url: '/nothing', token: 'admin', status: 404, code: 'NOT_FOUND' },
  { title: 'a path outside the API', method: 'GET', url: '/../../etc/passwd', token: 'none', status: 404, code: 'NOT_FOUND' },
  { title: 'a method the endpoint lacks', method: 'DELETE', url: '/licenses', token: 'admin', status: 405, code: 'METHOD_NOT_ALLOWED' },
  // Query strings
  { title: 'an unknown query parameter', method: 'GET', url: '/activations?sort=desc', token: 'operator', status: 400, code: 'FORMAT_INVALID' },
  { title: 'a repeated query parameter', method: 'GET', url: '/activations?limit=1&limit=2', token: 'operator', status: 400, code: 'FORMAT_INVALID' },
  { title: 'a limit out of range', method: 'GET', url: '/activations?limit=0', token: 'operator', status: 400, code: 'FORMAT_INVALID' },
  { title: 'an unknown status filter', method: 'GET', url: '/activations?status=sleeping', token: 'operator', status: 400, code: 'FORMAT_INVALID' },
  { title: 'a bad cursor', method: 'GET', url: '/activations?cursor=zzz', token: 'operator', status: 400, code: 'FORMAT_INVALID' },
  { title: 'a QR image of text that is not a code', method: 'GET', url: '/offline/qr.png?text=%3Cscript%3E', token: 'operator', status: 400, code: 'FORMAT_INVALID' },
  { title: 'a QR image without text', method: 'GET', url: '/offline/qr.png', token: 'operator', status: 400, code: 'FORMAT_INVALID' },
];

/** Stack frames ("at fn (file:line)") or absolute paths of this machine. */
const LEAK =
  /\bat [\w$.<>]+ \(|\bat (?:file:|\/)|\/(?:tmp|work|home|usr|var)\/|node_modules|\.ts\b/;

test('every refusal has its status, its code, a sentence and nothing of the insides', async (t) => {
  const s = await setup(t);
  const challenge = createChallenge(emptyState(), s.key, s.machine('table')).text;
  const tokens: Record<Token, string | undefined> = {
    ...s.tokens,
    bogus: BOGUS,
    none: undefined,
  };
  for (const row of rows(challenge)) {
    const token = tokens[row.token];
    const res = await s.call(row.method, row.url, {
      ...(token === undefined ? {} : { token }),
      ...(row.body === undefined ? {} : { body: row.body }),
      ...(row.headers ? { headers: row.headers } : {}),
    });
    t.is(res.status, row.status, `${row.title}: ${res.text}`);
    t.is(res.json?.error?.code, row.code, `${row.title}: ${res.text}`);
    t.regex(res.json?.error?.message ?? '', /^[A-Z"].{10,}[.)]$/s, `${row.title}: a sentence`);
    t.deepEqual(Object.keys(res.json), ['error'], row.title);
    t.notRegex(res.text, LEAK, `${row.title} leaks: ${res.text}`);
    t.is(res.headers.get('x-content-type-options'), 'nosniff', row.title);
    t.regex(res.headers.get('content-type') ?? '', /^application\/json/, row.title);
  }
});

test('a mistyped group is named in a sentence and in the details', async (t) => {
  const s = await setup(t);
  const challenge = createChallenge(emptyState(), s.key, s.machine('typo')).text;
  const res = await s.call('POST', '/offline/respond', {
    token: s.tokens.operator,
    body: { challenge: mistype(challenge) },
  });
  t.is(res.status, 400);
  t.deepEqual(res.json, {
    error: {
      code: 'CODE_GROUP_MISTYPED',
      message: 'Group 3 of the challenge looks mistyped: check it against the original.',
      details: { group: 3, groups: '3' },
    },
  });
});

test('a refused token is told how to authenticate', async (t) => {
  const s = await setup(t);
  const missing = await s.call('GET', '/licenses');
  t.is(missing.headers.get('www-authenticate'), 'Bearer realm="airlock"');
  const bad = await s.call('GET', '/licenses', { token: BOGUS });
  t.regex(bad.headers.get('www-authenticate') ?? '', /error="invalid_token"/);
  const wrongMethod = await s.call('PUT', '/licenses', { token: s.tokens.admin });
  t.is(wrongMethod.headers.get('allow'), 'GET, HEAD, POST');
});

test('a body that exceeds the limit while streaming is refused without reading it all', async (t) => {
  const s = await setup(t);
  // No Content-Length: chunks arrive until the limit is passed.
  const chunk = new TextEncoder().encode(' '.repeat(16 * 1024));
  let sent = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent++ < 8) controller.enqueue(chunk);
      else controller.close();
    },
  });
  const res = await fetch(`${s.url}/activate`, {
    method: 'POST',
    headers: { authorization: `Bearer ${s.tokens.operator}`, 'content-type': 'application/json' },
    body: stream,
    duplex: 'half',
  } as RequestInit);
  t.is(res.status, 413);
  t.is(((await res.json()) as any).error.code, 'BODY_TOO_LARGE');
});
