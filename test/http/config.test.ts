// The serving configuration (src/http/config.ts) as a table: good inputs from flags, environment
// and file with their precedence, and bad ones refused with a message naming the setting and
// where its value came from. docs/CONFIG.md must list every setting.

import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import test from 'ava';
import { AirlockError } from '../../src/core/errors.ts';
import {
  type ConfigSources,
  envName,
  flagOf,
  parseServeConfig,
  readSetting,
  SETTING_NAMES,
  type ServeConfig,
} from '../../src/http/config.ts';

const FILE = '/etc/airlock/airlock.toml';

function sources(
  flags: ConfigSources['flags'] = {},
  env: Record<string, string> = {},
  toml?: string,
): ConfigSources {
  return { flags, env, ...(toml === undefined ? {} : { file: { path: FILE, text: toml } }) };
}

test('with nothing set, HTTPS on 127.0.0.1:8080 with the data directory’s certificate', (t) => {
  const config = parseServeConfig(sources());
  t.like(config, {
    host: '127.0.0.1',
    port: 8080,
    tls: true,
    tlsCert: undefined,
    tlsKey: undefined,
    tlsHosts: [],
    allowPlainHttp: false,
    proxy: false,
    rateLimit: { perMinute: 60, burst: 30 },
    timeouts: { headersMs: 20_000, requestMs: 60_000, keepAliveMs: 5_000, shutdownMs: 10_000 },
  });
  t.true(Object.values(config.sources).every((from) => from === 'default'));
});

const GOOD: readonly {
  readonly title: string;
  readonly input: ConfigSources;
  readonly expect: Partial<Record<keyof ServeConfig, unknown>>;
}[] = [
  {
    title: 'a flag wins over the environment, which wins over the file',
    input: sources(
      { port: '9001' },
      { AIRLOCK_PORT: '9002', AIRLOCK_HOST: '::1' },
      'port = 9003\nhost = "0.0.0.0"\nproxy = true',
    ),
    expect: {
      port: 9001,
      host: '::1',
      proxy: true,
      sources: {
        ...Object.fromEntries(SETTING_NAMES.map((name) => [name, 'default'])),
        port: '--port',
        host: 'AIRLOCK_HOST',
        proxy: `proxy in ${FILE}`,
      },
    },
  },
  {
    title: 'an empty environment variable counts as unset',
    input: sources({}, { AIRLOCK_PORT: '' }, 'port = 0'),
    expect: { port: 0 },
  },
  {
    title: '--http is tls off; plain HTTP on loopback needs nothing more',
    input: sources({ tls: true, host: '127.0.0.2' }),
    expect: { tls: false, host: '127.0.0.2' },
  },
  {
    title: 'plain HTTP beyond loopback when allowed, from the environment',
    input: sources(
      {},
      { AIRLOCK_TLS: 'false', AIRLOCK_HOST: '0.0.0.0', AIRLOCK_ALLOW_PLAIN_HTTP: '1' },
    ),
    expect: { tls: false, host: '0.0.0.0', allowPlainHttp: true },
  },
  {
    title: 'HTTPS on every address needs no permission',
    input: sources({ host: '::' }),
    expect: { tls: true, host: '::' },
  },
  {
    title: 'certificate paths in the file are relative to the file',
    input: sources({}, {}, 'tls_cert = "tls/site.pem"\ntls_key = "/secrets/site.key"'),
    expect: { tlsCert: '/etc/airlock/tls/site.pem', tlsKey: '/secrets/site.key' },
  },
  {
    title: 'certificate paths from the environment are kept as given',
    input: sources({}, { AIRLOCK_TLS_CERT: 'site.pem', AIRLOCK_TLS_KEY: 'site.key' }),
    expect: { tlsCert: 'site.pem', tlsKey: 'site.key' },
  },
  {
    title: 'host names for the certificate: a comma list, or a TOML array',
    input: sources({}, { AIRLOCK_TLS_HOSTS: 'airlock.lan, 10.0.0.5 ,fd00::1' }),
    expect: { tlsHosts: ['airlock.lan', '10.0.0.5', 'fd00::1'] },
  },
  {
    title: 'host names from the file',
    input: sources({}, {}, 'tls_hosts = ["desk.example.lan"]'),
    expect: { tlsHosts: ['desk.example.lan'] },
  },
  {
    title: 'durations in ms, s or m, and bare numbers as seconds',
    input: sources(
      {},
      { AIRLOCK_HEADERS_TIMEOUT: '250ms', AIRLOCK_KEEP_ALIVE_TIMEOUT: '2m' },
      'request_timeout = 30\nshutdown_timeout = "0s"',
    ),
    expect: {
      timeouts: { headersMs: 250, requestMs: 30_000, keepAliveMs: 120_000, shutdownMs: 0 },
    },
  },
  {
    title: 'a rate limit with or without its burst',
    input: sources({ rate_limit: '120/40' }),
    expect: { rateLimit: { perMinute: 120, burst: 40 } },
  },
  {
    title: 'a rate limit as a TOML number takes half of it as burst',
    input: sources({}, {}, 'rate_limit = 100'),
    expect: { rateLimit: { perMinute: 100, burst: 50 } },
  },
  {
    title: 'booleans in the environment: true, false, 1, 0 in any case',
    input: sources({}, { AIRLOCK_PROXY: 'TRUE', AIRLOCK_TLS: '0' }),
    expect: { proxy: true, tls: false },
  },
];

for (const row of GOOD) {
  test(`good: ${row.title}`, (t) => {
    t.like(parseServeConfig(row.input), row.expect);
  });
}

const BAD: readonly {
  readonly title: string;
  readonly input: ConfigSources;
  readonly message: string | RegExp;
  readonly setting?: string;
}[] = [
  {
    title: 'a port that is not a number, from the environment',
    input: sources({}, { AIRLOCK_PORT: 'abc' }),
    message: 'AIRLOCK_PORT=abc: port must be a whole number from 0 to 65535.',
    setting: 'port',
  },
  {
    title: 'a port out of range, from a flag',
    input: sources({ port: '70000' }),
    message: '--port 70000: port must be a whole number from 0 to 65535.',
    setting: 'port',
  },
  {
    title: 'a port given as a TOML string',
    input: sources({}, {}, 'port = "8080"'),
    message: `${FILE}: port = "8080": port must be a whole number from 0 to 65535.`,
    setting: 'port',
  },
  {
    title: 'a fractional port in the file',
    input: sources({}, {}, 'port = 80.5'),
    message: `${FILE}: port = 80.5: port must be a whole number from 0 to 65535.`,
  },
  {
    title: 'an unknown key in the file, by name',
    input: sources({}, {}, 'prot = 8080'),
    message:
      /^\/etc\/airlock\/airlock\.toml: "prot" is not a setting of airlock serve; the settings are host, port, tls, /,
  },
  {
    title: 'a table where a value belongs',
    input: sources({}, {}, '[tls]\ncert = "x"'),
    message: `${FILE}: tls = {"cert":"x"}: tls must be true or false.`,
  },
  {
    title: 'a file that is not TOML, with its line and column',
    input: sources({}, {}, 'host = "::1"\nport = \n'),
    message: `${FILE} is not valid TOML: line 2, column 8: invalid value.`,
  },
  {
    title: 'a boolean word the parser does not take',
    input: sources({}, { AIRLOCK_ALLOW_PLAIN_HTTP: 'yes' }),
    message: 'AIRLOCK_ALLOW_PLAIN_HTTP=yes: allow_plain_http must be true or false.',
  },
  {
    title: 'a host name where an address to listen on belongs',
    input: sources({}, { AIRLOCK_HOST: 'airlock.lan' }),
    message: /^AIRLOCK_HOST=airlock\.lan: host must be an IP address to listen on/,
  },
  {
    title: 'a wildcard among the certificate’s names',
    input: sources({}, { AIRLOCK_TLS_HOSTS: 'a.lan,*.lan' }),
    message: /^AIRLOCK_TLS_HOSTS=a\.lan,\*\.lan: tls_hosts must be host names or IP addresses/,
  },
  {
    title: 'certificate names in the file that are not strings',
    input: sources({}, {}, 'tls_hosts = "a.lan"'),
    message: /^\/etc\/airlock\/airlock\.toml: tls_hosts = "a\.lan": tls_hosts must be/,
  },
  {
    title: 'a time-out too short, and one with a unit not read',
    input: sources({}, { AIRLOCK_HEADERS_TIMEOUT: '10ms' }),
    message:
      'AIRLOCK_HEADERS_TIMEOUT=10ms: headers_timeout must be a duration from 100ms to 600s, such as "500ms", "20s" or "2m" (a bare number is seconds).',
  },
  {
    title: 'a time-out in hours',
    input: sources({}, { AIRLOCK_REQUEST_TIMEOUT: '1h' }),
    message: /^AIRLOCK_REQUEST_TIMEOUT=1h: request_timeout must be a duration/,
  },
  {
    title: 'a rate limit of zero',
    input: sources({ rate_limit: '0' }),
    message: /^--rate-limit 0: rate_limit must be requests per minute/,
  },
  {
    title: 'a burst of zero',
    input: sources({}, { AIRLOCK_RATE_LIMIT: '60/0' }),
    message: /^AIRLOCK_RATE_LIMIT=60\/0: rate_limit must be/,
  },
  {
    title: 'plain HTTP beyond loopback, naming the setting that would allow it',
    input: sources({ tls: true, host: '0.0.0.0' }),
    message:
      /^Plain HTTP \(tls off, from --http\) on 0\.0\.0\.0 \(from --host\) would carry API tokens and passwords in clear .* allow_plain_http \(--allow-plain-http, AIRLOCK_ALLOW_PLAIN_HTTP=true, allow_plain_http = true in the file\)/,
    setting: 'allow_plain_http',
  },
  {
    title: 'plain HTTP beyond loopback set in the file',
    input: sources({}, {}, 'tls = false\nhost = "10.0.0.2"'),
    message:
      /^Plain HTTP \(tls off, from tls in \/etc\/airlock\/airlock\.toml\) on 10\.0\.0\.2 \(from host in /,
  },
  {
    title: 'a certificate without its key',
    input: sources({}, { AIRLOCK_TLS_CERT: '/x/cert.pem' }),
    message:
      "tls_cert is set (from AIRLOCK_TLS_CERT) but tls_key is not: give both the certificate and its key, or neither to serve the data directory's own (DATA/tls).",
    setting: 'tls_key',
  },
  {
    title: 'headers allowed longer than the whole request',
    input: sources({}, { AIRLOCK_HEADERS_TIMEOUT: '2m' }),
    message:
      /^headers_timeout \(from AIRLOCK_HEADERS_TIMEOUT\) must not be longer than request_timeout \(from default\)/,
  },
  {
    title: 'control characters in a value are not echoed',
    input: sources({}, { AIRLOCK_PORT: '80\u001b[31m' }),
    message: 'AIRLOCK_PORT=80?[31m: port must be a whole number from 0 to 65535.',
  },
];

for (const row of BAD) {
  test(`bad: ${row.title}`, (t) => {
    const error = t.throws(() => parseServeConfig(row.input), { instanceOf: AirlockError });
    t.is(error?.code, 'CONFIG_INVALID');
    if (typeof row.message === 'string') t.is(error?.message, row.message);
    else t.regex(error?.message ?? '', row.message);
    if (row.setting !== undefined) t.is(error?.details['setting'], row.setting);
  });
}

test('one setting alone, e.g. the certificate’s names when it is made at init', (t) => {
  t.deepEqual(readSetting('tls_hosts', sources({}, { AIRLOCK_TLS_HOSTS: 'a.lan' })), ['a.lan']);
  t.deepEqual(readSetting('tls_hosts', sources({}, {}, 'tls_hosts = ["b.lan"]')), ['b.lan']);
  // Other settings are not checked for it.
  t.deepEqual(readSetting('tls_hosts', sources({}, { AIRLOCK_PORT: 'abc' })), []);
});

test('docs/CONFIG.md lists every setting with its environment variable and flag', async (t) => {
  const doc = await readFile(join(resolve(import.meta.dirname, '../..'), 'docs/CONFIG.md'), 'utf8');
  const rows = doc.split('\n').filter((line) => line.startsWith('| `'));
  for (const name of SETTING_NAMES) {
    const row = rows.find((line) => line.startsWith(`| \`${name}\``));
    t.truthy(row, `${name} has a row`);
    t.true(row?.includes(`\`${envName(name)}\``), `${name}'s row names ${envName(name)}`);
    const flag = flagOf(name);
    if (flag !== undefined) t.true(row?.includes(`\`${flag}`), `${name}'s row names ${flag}`);
  }
});
