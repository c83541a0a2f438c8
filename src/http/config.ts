// The serving configuration of `airlock serve`: each setting from a flag, an environment variable,
// the TOML file or its default (in that order of precedence), validated into one typed value
// before anything listens. Pure: the caller reads the file and the environment and passes them in.
// Every refusal names the setting and where its value came from (docs/CONFIG.md lists them all).

import { isIP } from 'node:net';
import { isAbsolute, join, dirname } from 'node:path';
import { parse as parseToml, TomlError } from 'smol-toml';
import { AirlockError } from '../core/errors.ts';
import { isCertificateHost } from '../node/tls-certificate.ts';
import { DEFAULT_RATE_LIMIT, type RateLimitOptions } from './rate-limit.ts';

export interface ServerTimeouts {
  /** Time to receive a request's headers (and to finish the TLS handshake). */
  readonly headersMs: number;
  /** Time to receive a whole request, body included. */
  readonly requestMs: number;
  /** How long an idle keep-alive connection stays open. */
  readonly keepAliveMs: number;
  /** How long a stop waits for requests in flight before cutting them. */
  readonly shutdownMs: number;
}

export interface ServeConfig {
  readonly host: string;
  readonly port: number;
  /** HTTPS (the default), or plain HTTP. */
  readonly tls: boolean;
  /** The certificate and key files; undefined: DATA/tls (made when missing). */
  readonly tlsCert: string | undefined;
  readonly tlsKey: string | undefined;
  /** Names and addresses a generated certificate is valid for, besides the loopback ones. */
  readonly tlsHosts: readonly string[];
  readonly allowPlainHttp: boolean;
  readonly proxy: boolean;
  readonly rateLimit: RateLimitOptions;
  readonly timeouts: ServerTimeouts;
  /** A PostgreSQL URL for the activation ledger; undefined: the data directory's own folder. */
  readonly ledger: string | undefined;
  /** Where each setting's value came from: "--port", "AIRLOCK_PORT", "port in FILE", "default". */
  readonly sources: Readonly<Record<SettingName, string>>;
}

type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false };
const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const bad: Parsed<never> = { ok: false };

interface Kind<T> {
  /** What a good value is, after "NAME must be". */
  readonly rule: string;
  /** From a flag's or an environment variable's text. */
  text(text: string): Parsed<T>;
  /** From a TOML value; `base` is the file's directory, for relative paths. */
  toml(value: unknown, base: string): Parsed<T>;
}

const WHOLE = /^\d{1,9}$/;

function integer(min: number, max: number): Kind<number> {
  const inRange = (n: number) => Number.isSafeInteger(n) && n >= min && n <= max;
  return {
    rule: `a whole number from ${min} to ${max}`,
    text: (text) => (WHOLE.test(text) && inRange(Number(text)) ? ok(Number(text)) : bad),
    toml: (value) => (typeof value === 'number' && inRange(value) ? ok(value) : bad),
  };
}

const BOOLEAN_TEXT: Readonly<Record<string, boolean>> = {
  true: true,
  false: false,
  '1': true,
  '0': false,
};
const boolean: Kind<boolean> = {
  rule: 'true or false',
  text: (text) => {
    const value = BOOLEAN_TEXT[text.toLowerCase()];
    return value === undefined ? bad : ok(value);
  },
  toml: (value) => (typeof value === 'boolean' ? ok(value) : bad),
};

const address: Kind<string> = {
  rule: 'an IP address to listen on (127.0.0.1, 0.0.0.0, ::) or localhost',
  text: (text) => (text === 'localhost' || isIP(text) !== 0 ? ok(text) : bad),
  toml: (value) => (typeof value === 'string' ? address.text(value) : bad),
};

const file: Kind<string> = {
  rule: 'a file path',
  text: (text) => (text !== '' && text.length <= 4096 && !text.includes('\0') ? ok(text) : bad),
  toml: (value, base) => {
    if (typeof value !== 'string') return bad;
    const checked = file.text(value);
    return checked.ok && !isAbsolute(value) ? ok(join(base, value)) : checked;
  },
};

const MAX_HOSTS = 64;
function hostList(names: readonly unknown[]): Parsed<readonly string[]> {
  if (names.length > MAX_HOSTS) return bad;
  const strings = names.filter((name): name is string => typeof name === 'string');
  return strings.length === names.length && strings.every(isCertificateHost) ? ok(strings) : bad;
}
const hosts: Kind<readonly string[]> = {
  rule: `host names or IP addresses (at most ${MAX_HOSTS}), e.g. "airlock.example.lan,10.0.0.5"`,
  text: (text) => hostList(text.split(',').map((name) => name.trim())),
  toml: (value) => (Array.isArray(value) ? hostList(value) : bad),
};

const rateLimit: Kind<RateLimitOptions> = {
  rule: 'requests per minute per client address, optionally with a burst: 120 or "120/40"',
  text: (text) => {
    const match = /^(\d{1,7})(?:\/(\d{1,7}))?$/.exec(text);
    const perMinute = Number(match?.[1] ?? 0);
    const burst = match?.[2] === undefined ? Math.max(1, perMinute >> 1) : Number(match[2]);
    return match === null || perMinute === 0 || burst === 0 ? bad : ok({ perMinute, burst });
  },
  toml: (value) =>
    typeof value === 'number' || typeof value === 'string' ? rateLimit.text(String(value)) : bad,
};

const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000 };
/** A duration in milliseconds: "250ms", "20s", "2m", or a bare number of seconds. */
function duration(minMs: number, maxMs: number): Kind<number> {
  const show = (ms: number) => (ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`);
  const inRange = (ms: number) => (ms >= minMs && ms <= maxMs ? ok(ms) : bad);
  return {
    rule: `a duration from ${show(minMs)} to ${show(maxMs)}, such as "500ms", "20s" or "2m" (a bare number is seconds)`,
    text: (text) => {
      const match = /^(\d{1,7})(ms|s|m)?$/.exec(text);
      return match === null ? bad : inRange(Number(match[1]) * UNIT_MS[match[2] ?? 's']!);
    },
    toml(value) {
      if (typeof value === 'number')
        return Number.isSafeInteger(value) ? inRange(value * 1000) : bad;
      return typeof value === 'string' ? this.text(value) : bad;
    },
  };
}

/** Where the activation ledger is kept when not in the data directory: a PostgreSQL URL. */
const ledgerUrl: Kind<string | undefined> = {
  rule: 'a PostgreSQL URL, postgres://USER@HOST:PORT/DATABASE (docs/POSTGRES.md)',
  text: (text) => {
    if (text.length > 2048 || !/^postgres(ql)?:\/\/[^\s]+$/.test(text)) return bad;
    try {
      return new URL(text).hostname === '' && !text.includes('host=') ? bad : ok(text);
    } catch {
      return bad;
    }
  },
  toml: (value) => (typeof value === 'string' ? ledgerUrl.text(value) : bad),
};

interface Setting<T> {
  readonly kind: Kind<T>;
  readonly default: T;
  /** The command-line flag that sets it, if any ("--http" sets tls to false). */
  readonly flag?: string;
}

const setting = <T>(kind: Kind<T>, defaultValue: T, flag?: string): Setting<T> => ({
  kind,
  default: defaultValue,
  ...(flag === undefined ? {} : { flag }),
});

export const DEFAULT_PORT = 8080;
/** The configuration file `airlock serve` reads from its data directory when no other is named. */
export const CONFIG_FILE_NAME = 'airlock.toml';

/** Every setting: its TOML key; its environment variable is AIRLOCK_ and the key in capitals. */
const SETTINGS = {
  host: setting(address, '127.0.0.1', '--host'),
  port: setting(integer(0, 65535), DEFAULT_PORT, '--port'),
  tls: setting(boolean, true, '--http'),
  tls_cert: setting<string | undefined>(file, undefined, '--tls-cert'),
  tls_key: setting<string | undefined>(file, undefined, '--tls-key'),
  tls_hosts: setting(hosts, [] as readonly string[]),
  allow_plain_http: setting(boolean, false, '--allow-plain-http'),
  proxy: setting(boolean, false, '--proxy'),
  rate_limit: setting(rateLimit, DEFAULT_RATE_LIMIT, '--rate-limit'),
  headers_timeout: setting(duration(100, 600_000), 20_000),
  request_timeout: setting(duration(100, 3_600_000), 60_000),
  keep_alive_timeout: setting(duration(100, 600_000), 5_000),
  shutdown_timeout: setting(duration(0, 600_000), 10_000),
  ledger: setting<string | undefined>(ledgerUrl, undefined, '--ledger'),
};

export type SettingName = keyof typeof SETTINGS;
type Value<K extends SettingName> = (typeof SETTINGS)[K]['default'];

export const SETTING_NAMES = Object.keys(SETTINGS) as SettingName[];
export const envName = (name: SettingName) => `AIRLOCK_${name.toUpperCase()}`;
export const flagOf = (name: SettingName): string | undefined => SETTINGS[name].flag;

export interface ConfigSources {
  /** Flag values as parsed: text, or true for a boolean flag that was given. */
  readonly flags: Readonly<Partial<Record<SettingName, string | boolean>>>;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The configuration file, when there is one: its path (for messages) and its text. */
  readonly file?: { readonly path: string; readonly text: string };
}

/** A value as a message shows it: control characters masked, at most 60 characters. */
const shown = (text: string) => {
  const clean = text.replace(/[\u0000-\u001f\u007f]/g, '?');
  return clean.length > 60 ? `${clean.slice(0, 60)}…` : clean;
};

function invalid(message: string, name: SettingName | undefined, source: string): AirlockError {
  return new AirlockError('CONFIG_INVALID', message, {
    ...(name === undefined ? {} : { setting: name }),
    source,
  });
}

/** The file's settings as an object, or CONFIG_INVALID naming the line or the unknown key. */
function readFile(file: NonNullable<ConfigSources['file']>): Record<string, unknown> {
  let document: Record<string, unknown>;
  try {
    document = parseToml(file.text) as Record<string, unknown>;
  } catch (error) {
    if (!(error instanceof TomlError)) throw error;
    const what = error.message.split('\n')[0]!.replace(/^Invalid TOML document: /, '');
    throw invalid(
      `${file.path} is not valid TOML: line ${error.line}, column ${error.column}: ${what}.`,
      undefined,
      file.path,
    );
  }
  for (const key of Object.keys(document)) {
    if (!(key in SETTINGS)) {
      throw invalid(
        `${file.path}: "${shown(key)}" is not a setting of airlock serve; the settings are ${SETTING_NAMES.join(', ')}.`,
        undefined,
        file.path,
      );
    }
  }
  return document;
}

/** The file's settings (or none) and the directory its relative paths start from. */
interface Document {
  readonly values: Readonly<Record<string, unknown>>;
  readonly path: string | undefined;
  readonly base: string;
}

function documentOf(sources: ConfigSources): Document {
  const file = sources.file;
  return file === undefined
    ? { values: {}, path: undefined, base: '.' }
    : { values: readFile(file), path: file.path, base: dirname(file.path) };
}

/** One setting's value and where it came from: a flag, else the environment, else the file. */
function resolve<K extends SettingName>(
  name: K,
  sources: ConfigSources,
  document: Document,
): { value: Value<K>; from: string } {
  const spec = SETTINGS[name] as unknown as Setting<Value<K>>;
  const rule = `${name} must be ${spec.kind.rule}`;
  const flag = sources.flags[name];
  if (flag !== undefined) {
    const from = spec.flag!;
    if (typeof flag === 'boolean')
      return { value: (name === 'tls' ? !flag : flag) as Value<K>, from };
    const parsed = spec.kind.text(flag);
    if (!parsed.ok) throw invalid(`${from} ${shown(flag)}: ${rule}.`, name, from);
    return { value: parsed.value, from };
  }
  const env = sources.env[envName(name)];
  if (env !== undefined && env !== '') {
    const from = envName(name);
    const parsed = spec.kind.text(env.trim());
    if (!parsed.ok) throw invalid(`${from}=${shown(env)}: ${rule}.`, name, from);
    return { value: parsed.value, from };
  }
  if (document.path !== undefined && name in document.values) {
    const raw = document.values[name];
    const parsed = spec.kind.toml(raw, document.base);
    if (!parsed.ok)
      throw invalid(
        `${document.path}: ${name} = ${shown(JSON.stringify(raw) ?? typeof raw)}: ${rule}.`,
        name,
        document.path,
      );
    return { value: parsed.value, from: `${name} in ${document.path}` };
  }
  return { value: spec.default, from: 'default' };
}

/** One setting alone (e.g. tls_hosts when a certificate is made), with the same precedence. */
export function readSetting<K extends SettingName>(name: K, sources: ConfigSources): Value<K> {
  return resolve(name, sources, documentOf(sources)).value;
}

/**
 * Validates every setting into one configuration. Throws CONFIG_INVALID with a message such as
 * "AIRLOCK_PORT=abc: port must be a whole number from 0 to 65535".
 */
export function parseServeConfig(sources: ConfigSources): ServeConfig {
  const document = documentOf(sources);
  const from: Partial<Record<SettingName, string>> = {};
  const get = <K extends SettingName>(name: K): Value<K> => {
    const resolved = resolve(name, sources, document);
    from[name] = resolved.from;
    return resolved.value;
  };
  const config = {
    host: get('host'),
    port: get('port'),
    tls: get('tls'),
    tlsCert: get('tls_cert'),
    tlsKey: get('tls_key'),
    tlsHosts: get('tls_hosts'),
    allowPlainHttp: get('allow_plain_http'),
    proxy: get('proxy'),
    rateLimit: get('rate_limit'),
    timeouts: {
      headersMs: get('headers_timeout'),
      requestMs: get('request_timeout'),
      keepAliveMs: get('keep_alive_timeout'),
      shutdownMs: get('shutdown_timeout'),
    },
    ledger: get('ledger'),
    sources: from as Record<SettingName, string>,
  };
  checkTogether(config);
  return config;
}

/** 127.0.0.0/8, ::1 and localhost: what only this machine can reach. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || (isIP(host) === 4 && host.startsWith('127.'));
}

const ways = (name: SettingName, value: string) =>
  [SETTINGS[name].flag, `${envName(name)}=${value}`, `${name} = ${value} in the file`]
    .filter((way) => way !== undefined)
    .join(', ');

/** Rules between settings, once each is valid on its own. */
function checkTogether(config: ServeConfig): void {
  const { sources } = config;
  if (!config.tls && !isLoopback(config.host) && !config.allowPlainHttp) {
    throw invalid(
      `Plain HTTP (tls off, from ${sources.tls}) on ${config.host} (from ${sources.host}) would carry API tokens and passwords in clear over the network, so plain HTTP is served on loopback addresses only. Serve HTTPS (the default), or allow it with allow_plain_http (${ways('allow_plain_http', 'true')}) when a TLS-terminating reverse proxy is in front.`,
      'allow_plain_http',
      sources.allow_plain_http,
    );
  }
  if (config.tls && (config.tlsCert === undefined) !== (config.tlsKey === undefined)) {
    const [given, missing]: [SettingName, SettingName] =
      config.tlsCert === undefined ? ['tls_key', 'tls_cert'] : ['tls_cert', 'tls_key'];
    throw invalid(
      `${given} is set (from ${sources[given]}) but ${missing} is not: give both the certificate and its key, or neither to serve the data directory's own (DATA/tls).`,
      missing,
      sources[given],
    );
  }
  if (config.timeouts.headersMs > config.timeouts.requestMs) {
    throw invalid(
      `headers_timeout (from ${sources.headers_timeout}) must not be longer than request_timeout (from ${sources.request_timeout}): the headers are part of the request.`,
      'headers_timeout',
      sources.headers_timeout,
    );
  }
}
