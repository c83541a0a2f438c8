// The pure part of `airlock health`: where a server with given settings is reached from its own
// machine, and the verdict on the answers of /api/v1/health and /api/v1/ready.

import test from 'ava';
import { AirlockError } from '../../src/core/errors.ts';
import { parseServeConfig } from '../../src/http/config.ts';
import { judgeHealth, probeTargetOf } from '../../src/http/health-probe.ts';

const configOf = (env: Record<string, string>, file?: string) =>
  parseServeConfig({
    flags: {},
    env,
    ...(file === undefined ? {} : { file: { path: '/etc/airlock/airlock.toml', text: file } }),
  });

const targets = [
  { env: {}, origin: 'https://127.0.0.1:8080', pin: '/data/tls/cert.pem' },
  { env: { AIRLOCK_HOST: '0.0.0.0', AIRLOCK_PORT: '8443' }, origin: 'https://127.0.0.1:8443' },
  { env: { AIRLOCK_HOST: '::' }, origin: 'https://[::1]:8080' },
  { env: { AIRLOCK_HOST: '::1' }, origin: 'https://[::1]:8080' },
  { env: { AIRLOCK_HOST: 'localhost' }, origin: 'https://localhost:8080' },
  { env: { AIRLOCK_HOST: '10.20.0.5' }, origin: 'https://10.20.0.5:8080' },
  { env: { AIRLOCK_TLS: 'false' }, origin: 'http://127.0.0.1:8080', pin: undefined },
] as const;

for (const row of targets) {
  test(`settings ${JSON.stringify(row.env)} are probed at ${row.origin}`, (t) => {
    const target = probeTargetOf(configOf(row.env), '/data');
    t.is(target.origin, row.origin);
    if ('pin' in row) t.is(target.pinnedCertFile, row.pin);
  });
}

test('a configured certificate is the one pinned; relative paths are the file’s', (t) => {
  const config = configOf({}, 'port = 8443\ntls_cert = "site.pem"\ntls_key = "site.key"\n');
  t.deepEqual(probeTargetOf(config, '/var/lib/airlock'), {
    origin: 'https://127.0.0.1:8443',
    pinnedCertFile: '/etc/airlock/site.pem',
  });
});

test('port 0 cannot be probed from the settings', (t) => {
  const error = t.throws(() => probeTargetOf(configOf({ AIRLOCK_PORT: '0' }), '/data'), {
    instanceOf: AirlockError,
  });
  t.is(error?.code, 'CONFIG_INVALID');
  t.regex(error?.message ?? '', /port is 0 \(from AIRLOCK_PORT\)/);
});

const ok = { status: 200, body: { status: 'ok' } };
const ready = { status: 200, body: { status: 'ready', certificateExpiresAt: 2_000_000_000 } };
const origin = 'https://127.0.0.1:8443';

test('both probes yes: healthy, with the certificate’s expiry', (t) => {
  t.deepEqual(judgeHealth(origin, ok, ready), {
    status: 'ready',
    origin,
    certificateExpiresAt: 2_000_000_000,
  });
});

test('not ready: APPLIANCE_NOT_READY with the server’s reason, its text masked and bounded', (t) => {
  const error = t.throws(
    () =>
      judgeHealth(origin, ok, {
        status: 503,
        body: {
          status: 'not_ready',
          code: 'LEDGER_UNAVAILABLE',
          message: `The ledger\u001b[31m cannot be written.${'x'.repeat(1000)}`,
        },
      }),
    { instanceOf: AirlockError },
  )!;
  t.is(error.code, 'APPLIANCE_NOT_READY');
  t.deepEqual(error.details, { reason: 'LEDGER_UNAVAILABLE' });
  t.false(error.message.includes('\u001b'));
  t.true(error.message.length < 450);
});

const notAppliance = [
  ['health is a 404 page', { status: 404, body: undefined }, ready],
  ['health says something else', { status: 200, body: { status: 'fine' } }, ready],
  ['ready is a 500', ok, { status: 500, body: { error: { code: 'INTERNAL' } } }],
  ['ready has no expiry', ok, { status: 200, body: { status: 'ready' } }],
  [
    'a 503 with a made-up reason',
    ok,
    { status: 503, body: { status: 'not_ready', code: 'x y', message: 'm' } },
  ],
  ['a 503 without a message', ok, { status: 503, body: { status: 'not_ready', code: 'DOWN' } }],
] as const;

for (const [title, health, readiness] of notAppliance) {
  test(`not an appliance's answer (${title}): APPLIANCE_UNREACHABLE`, (t) => {
    const error = t.throws(() => judgeHealth(origin, health, readiness), {
      instanceOf: AirlockError,
    });
    t.is(error?.code, 'APPLIANCE_UNREACHABLE');
  });
}
