// Writes the format test vectors in test/vectors/ (docs/FORMATS.md §12) from fixed seeds and fixed
// times, so every byte is reproducible. renderVectorFiles() is pure: test/core/vectors.test.ts calls
// it and fails when the committed files drifted from what the code produces. `npm run vectors`
// rewrites the files.

import { mkdirSync, realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ByteWriter, concatBytes, toHex, utf8 } from '../src/core/bytes.ts';
import type { Signer } from '../src/core/crypto.ts';
import { encodeDuration } from '../src/core/duration.ts';
import { nobleSuite } from '../src/core/ed25519-noble.ts';
import type { ErrorCode } from '../src/core/errors.ts';
import {
  type Certificate,
  type CertificateFields,
  certificateCompact,
  certificateText,
  issueCertificate,
} from '../src/core/formats/certificate.ts';
import {
  type Challenge,
  challengeTag,
  challengeText,
  commitmentOf,
  encodeChallenge,
} from '../src/core/formats/challenge.ts';
import {
  type Deactivation,
  deactivationText,
  encodeDeactivation,
} from '../src/core/formats/deactivation.ts';
import {
  issueLicense,
  type LicenseFields,
  type LicenseKey,
  licenseKeyText,
} from '../src/core/formats/license-key.ts';
import {
  combinedResponseText,
  type Grant,
  type Response,
  responseText,
  signResponse,
} from '../src/core/formats/response.ts';
import {
  type BundleContents,
  type RevocationBundle,
  signBundle,
} from '../src/core/formats/revocation-bundle.ts';
import {
  issueRootHandover,
  rootHandoverCompact,
  type RootHandoverFields,
  rootHandoverText,
} from '../src/core/formats/root-handover.ts';
import { formatId, keyIdOf, productTag } from '../src/core/ids.ts';
import { kindByte, type KindLetter } from '../src/core/kinds.ts';
import { CONTEXT, signingInput } from '../src/core/signing.ts';
import { ALPHABET, encodeCompact, encodeTyped } from '../src/core/typed-code.ts';
import {
  computeFingerprint,
  FINGERPRINT_SLOTS,
  type MachineComponents,
  matchFingerprint,
} from '../src/core/fingerprint.ts';

// ---------------------------------------------------------------------------------------------
// Fixed inputs

const fill = (byte: number, length = 32): Uint8Array => new Uint8Array(length).fill(byte);
const seq = (start: number, length: number): Uint8Array =>
  Uint8Array.from({ length }, (_, i) => (start + i) & 0xff);
const hexBytes = (hex: string): Uint8Array =>
  Uint8Array.from(hex.match(/../g)!, (pair) => parseInt(pair, 16));

/** The seeds of every key the vectors use. Never use these keys for anything else. */
export const SEEDS = {
  vendor: fill(0x01),
  appliance: fill(0x02),
  /** A key nobody trusts: signatures by the wrong key. */
  other: fill(0x03),
  /** A second appliance, certified for every product. */
  appliance2: fill(0x04),
  /** A second vendor root: the one a root hand-over names (§16). */
  vendor2: fill(0x05),
} as const;
export type KeyName = keyof typeof SEEDS;

/** 2026-01-01T00:00:00Z. Every time in the vectors is counted from here. */
export const T0 = 1767225600;
const MINUTE = 60;
const HOUR = 3600;
const DAY = 86400;

/** The DER prefix of an Ed25519 SubjectPublicKeyInfo (RFC 8410); the raw 32-byte key follows. */
export const SPKI_ED25519_PREFIX = '302a300506032b6570032100';

/** The group order of Ed25519: a signature whose S is not below it is refused (RFC 8032 §5.1.7). */
const ED25519_L = (1n << 252n) + 27742317777372353535851937790883648493n;

// ---------------------------------------------------------------------------------------------
// Shapes of the files

type Json = null | boolean | number | string | readonly Json[] | { readonly [k: string]: Json };

/** Where a bad vector is refused, in the order a verifier works (docs/FORMATS.md §12). */
export type Stage = 'decode' | 'signature' | 'parse' | 'binding' | 'import';

/** The input and expectation of a bad vector. */
export interface BadCore {
  readonly description: string;
  /** Exactly one of text and hex is the input. */
  readonly text?: string;
  readonly hex?: string;
  readonly code: ErrorCode;
  readonly stage: Stage;
  /** For CODE_GROUP_MISTYPED and friends: the first group the error names. */
  readonly group?: number;
}

/** A bad vector: its input, and any context the check needs (the challenge a response answers...). */
export interface BadVector extends BadCore {
  readonly [context: string]: Json | undefined;
}

// ---------------------------------------------------------------------------------------------
// Small helpers

const signers = Object.fromEntries(
  Object.entries(SEEDS).map(([name, seed]) => [name, nobleSuite.signer(seed)]),
) as Record<KeyName, Signer>;

function keyInfo(name: KeyName): Record<string, Json> {
  const publicKey = signers[name].publicKey;
  return {
    seed: toHex(SEEDS[name]),
    publicKey: toHex(publicKey),
    keyId: toHex(keyIdOf(publicKey)),
    keyIdText: formatId('key', keyIdOf(publicKey)),
    spkiDer: SPKI_ED25519_PREFIX + toHex(publicKey),
    pem: spkiPem(publicKey),
  };
}

/** The PEM form OpenSSL reads (`-pubin -inkey`): base64 of the SPKI DER prefix and the raw key. */
export function spkiPem(publicKey: Uint8Array): string {
  const der = Buffer.from(SPKI_ED25519_PREFIX + toHex(publicKey), 'hex');
  return `-----BEGIN PUBLIC KEY-----\n${der.toString('base64')}\n-----END PUBLIC KEY-----\n`;
}

function flipBit(bytes: Uint8Array, byteIndex: number, bit = 0): Uint8Array {
  const out = bytes.slice();
  const i = byteIndex < 0 ? out.length + byteIndex : byteIndex;
  out[i] = out[i]! ^ (1 << bit);
  return out;
}

/** The same signature with S replaced by S + L: valid under lax rules, refused by strict RFC 8032. */
function sPlusL(signature: Uint8Array): Uint8Array {
  let s = 0n;
  for (let i = 63; i >= 32; i--) s = (s << 8n) | BigInt(signature[i]!);
  s += ED25519_L;
  const out = signature.slice();
  for (let i = 32; i < 64; i++) {
    out[i] = Number(s & 0xffn);
    s >>= 8n;
  }
  if (s !== 0n) throw new Error('S + L does not fit in 32 bytes');
  return out;
}

function withSignature(bytes: Uint8Array, signature: Uint8Array): Uint8Array {
  return concatBytes(bytes.subarray(0, bytes.length - 64), signature);
}

const kind = (letter: KindLetter, version = 1): number => kindByte(letter, version);

function groupsOf(text: string): string[] {
  return text.split('-');
}

/** Replaces the check character of group n (1-based) with the next alphabet character. */
function wrongCheck(text: string, n: number): string {
  const groups = groupsOf(text);
  const g = groups[n - 1]!;
  const next = ALPHABET[(ALPHABET.indexOf(g[8]!) + 1) % 32]!;
  groups[n - 1] = g.slice(0, 8) + next;
  return groups.join('-');
}

/** Replaces data character `position` (0-7) of group n with the next alphabet character. */
function wrongData(text: string, n: number, position: number): string {
  const groups = groupsOf(text);
  const g = groups[n - 1]!;
  const next = ALPHABET[(ALPHABET.indexOf(g[position]!) + 1) % 32]!;
  groups[n - 1] = g.slice(0, position) + next + g.slice(position + 1);
  return groups.join('-');
}

/** Swaps the first two adjacent, different data characters of group n. */
function transposeInGroup(text: string, n: number): string {
  const groups = groupsOf(text);
  const g = groups[n - 1]!;
  for (let i = 0; i < 8; i++) {
    if (g[i] !== g[i + 1]) {
      groups[n - 1] = g.slice(0, i) + g[i + 1]! + g[i]! + g.slice(i + 2);
      return groups.join('-');
    }
  }
  throw new Error('no adjacent pair differs');
}

function swapGroups(text: string, a: number, b: number): string {
  const groups = groupsOf(text);
  [groups[a - 1], groups[b - 1]] = [groups[b - 1]!, groups[a - 1]!];
  return groups.join('-');
}

/** Lower-cases the first letter after the first character (digits have no case). */
function lowerCaseOneLetter(text: string): string {
  const i = text.slice(1).search(/[A-Z]/) + 1;
  return text.slice(0, i) + text[i]!.toLowerCase() + text.slice(i + 1);
}

function dropGroups(text: string, keep: number): string {
  return groupsOf(text).slice(0, keep).join('-');
}

/** Bytes of a given kind and version filled with a pattern, typed with valid check characters. */
function typedFiller(letter: KindLetter, version: number, length: number): string {
  const bytes = Uint8Array.from({ length }, (_, i) => (i * 37 + 11) & 0xff);
  bytes[0] = kind(letter, version);
  return encodeTyped(bytes);
}

function patched(bytes: Uint8Array, offset: number, values: readonly number[]): Uint8Array {
  const out = bytes.slice();
  out.set(values, offset);
  return out;
}

const u32 = (n: number): number[] => [n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];

function file(
  title: string,
  section: string,
  good: readonly Json[],
  bad: readonly BadVector[],
  extra: Record<string, Json> = {},
): Json {
  return {
    title,
    spec: `docs/FORMATS.md ${section}`,
    generatedBy: 'scripts/make-vectors.ts (npm run vectors) from the fixed seeds in keys.json',
    ...extra,
    good,
    bad: bad as unknown as Json[],
  };
}

// ---------------------------------------------------------------------------------------------
// §5 Machine fingerprints

const MACHINES: Record<string, MachineComponents> = {
  workstation: {
    'machine-id': '4f1c2a9e8b7d4c3a9e0f1b2c3d4e5f60',
    'product-uuid': '4C4C4544-0042-3510-8051-B4C04F395A32',
    mac: '00:1a:2b:3c:4d:5e',
    hostname: 'cad-ws-017',
  },
  'workstation, new network card': {
    'machine-id': '4f1c2a9e8b7d4c3a9e0f1b2c3d4e5f60',
    'product-uuid': '4C4C4544-0042-3510-8051-B4C04F395A32',
    mac: '00:1a:2b:99:88:77',
    hostname: 'cad-ws-017',
  },
  'workstation, new network card and renamed': {
    'machine-id': '4f1c2a9e8b7d4c3a9e0f1b2c3d4e5f60',
    'product-uuid': '4C4C4544-0042-3510-8051-B4C04F395A32',
    mac: '00:1a:2b:99:88:77',
    hostname: 'cad-ws-099',
  },
  'container without product UUID or MAC': {
    'machine-id': '0d6f5e4c3b2a19080706050403020100',
    hostname: 'build-runner-3',
  },
};

function fingerprintOf(machine: string, product = 'cad-suite'): Uint8Array {
  return computeFingerprint(product, MACHINES[machine]!);
}

function fingerprintFile(): Json {
  const good: Json[] = [];
  for (const product of ['cad-suite', 'demo']) {
    for (const [machine, components] of Object.entries(MACHINES)) {
      const fp = computeFingerprint(product, components);
      const key = concatBytes(utf8('airlock-fingerprint-v1'), new Uint8Array([0]), utf8(product));
      good.push({
        name: `${machine}, product ${product}`,
        product,
        components: Object.fromEntries(
          FINGERPRINT_SLOTS.map((slot) => [slot, components[slot] ?? null]),
        ),
        hmacKeyInput: toHex(key),
        fingerprint: toHex(fp),
        fingerprintText: formatId('fingerprint', fp),
      });
    }
  }
  const reference = fingerprintOf('workstation');
  const matches: Json[] = Object.keys(MACHINES).map((machine) => {
    const candidate = fingerprintOf(machine);
    const m = matchFingerprint(reference, candidate);
    return {
      reference: toHex(reference),
      candidate: toHex(candidate),
      candidateMachine: machine,
      present: m.present,
      equal: m.equal,
      matches: m.matches,
    };
  });
  return {
    title: 'Machine fingerprints',
    spec: 'docs/FORMATS.md §5',
    generatedBy: 'scripts/make-vectors.ts (npm run vectors)',
    slots: [...FINGERPRINT_SLOTS],
    good,
    matches,
  };
}

// ---------------------------------------------------------------------------------------------
// §2 Typed form and §3.4 durations

function gfMul(a: number, b: number): number {
  let p = 0;
  for (let i = 0; i < 5; i++) if (b & (1 << i)) p ^= a << i;
  for (let bit = 9; bit >= 5; bit--) if (p & (1 << bit)) p ^= 0b100101 << (bit - 5);
  return p;
}

const WEIGHTS = (() => {
  const w: number[] = [];
  for (let j = 0, x = 1; j < 9; j++) w.push((x = gfMul(x, 2)));
  return w;
})();

/** Every step of one group's check character, for the worked example of §2.2. */
function workedGroup(bytes: Uint8Array, groupNumber: number): Json {
  const data = encodeCompact(bytes);
  const values = [...data].map((c) => ALPHABET.indexOf(c));
  const products = values.map((v, j) => gfMul(WEIGHTS[j]!, v));
  const groupTerm = gfMul(WEIGHTS[8]!, groupNumber % 32);
  const sum = products.reduce((a, b) => a ^ b, groupTerm);
  return {
    bytes: toHex(bytes),
    groupNumber,
    data,
    values,
    weights: WEIGHTS.slice(0, 8),
    products,
    groupWeight: WEIGHTS[8]!,
    groupTerm,
    sum,
    check: ALPHABET[sum]!,
    group: data + ALPHABET[sum]!,
  };
}

/** Typed inputs that decode like their canonical form (§2.3). */
function forgivenExamples(): Json[] {
  const ten = encodeTyped(seq(0, 10));
  const zeros = encodeTyped(new Uint8Array(5));
  // Five bytes whose eight data characters are all '1' (value 1 in every 5-bit slot).
  const ones = encodeTyped(Uint8Array.from([0x08, 0x42, 0x10, 0x84, 0x21]));
  return [
    { rule: 'lower case', typed: ten.toLowerCase(), means: ten },
    { rule: 'O for 0', typed: zeros.slice(0, 8).replaceAll('0', 'O') + zeros[8]!, means: zeros },
    { rule: 'I and L for 1', typed: 'iIlLiIlL' + ones[8]!, means: ones },
    { rule: 'spaces for dashes', typed: ten.replace('-', '  '), means: ten },
    { rule: 'no separators', typed: ten.replace('-', ''), means: ten },
    { rule: 'surrounding white space', typed: `  ${ten}\n`, means: ten },
  ];
}

function typedFile(challenge: Challenge): Json {
  const samples: [string, Uint8Array][] = [
    ['five zero bytes', new Uint8Array(5)],
    ['five 0xff bytes', fill(0xff, 5)],
    ['ten counting bytes', seq(0, 10)],
    ['the challenge of challenge.json (good[0])', challenge.bytes],
  ];
  return {
    title: 'Typed form: groups, check characters, compact form',
    spec: 'docs/FORMATS.md §2',
    generatedBy: 'scripts/make-vectors.ts (npm run vectors)',
    alphabet: ALPHABET,
    field: 'GF(32), x^5 + x^2 + 1, alpha = x (2)',
    weights: WEIGHTS.slice(0, 8),
    groupWeight: WEIGHTS[8]!,
    workedExample: workedGroup(challenge.bytes.subarray(0, 5), 1),
    workedExampleLaterGroup: workedGroup(challenge.bytes.subarray(10, 15), 3),
    good: samples.map(([name, bytes]) => ({
      name,
      hex: toHex(bytes),
      text: encodeTyped(bytes),
      compact: encodeCompact(bytes),
    })),
    forgiven: forgivenExamples(),
  };
}

function durationFile(): Json {
  const good: Json[] = [
    [0, 'none'],
    [60, 'one minute'],
    [90, 'rounded down to one minute'],
    [8 * HOUR, '480 minutes (the finest unit that fits)'],
    [16383 * MINUTE, 'the most minutes'],
    [274 * HOUR, 'the fewest hours that do not fit in minutes'],
    [30 * DAY, '720 hours'],
    [16383 * HOUR, 'the most hours'],
    [683 * DAY, 'the fewest days that do not fit in hours'],
    [16383 * DAY, 'the longest duration'],
  ].map(([seconds, name]) => {
    const value = encodeDuration(seconds as number);
    const unit = value >>> 14;
    const count = value & 0x3fff;
    return {
      name: name as string,
      seconds: seconds as number,
      value: value.toString(16).padStart(4, '0'),
      unit: ['none', 'minutes', 'hours', 'days'][value === 0 ? 0 : unit + 1]!,
      count,
      decodedSeconds: value === 0 ? 0 : count * [MINUTE, HOUR, DAY][unit]!,
    };
  });
  const bad: Json[] = [
    [0x4000, 'zero hours (only 0x0000 means none)'],
    [0x8000, 'zero days'],
    [0x4001, 'one hour: fits in minutes (60)'],
    [0x4111, '273 hours: fits in minutes (16380)'],
    [0x8001, 'one day: fits in hours (24)'],
    [0x82aa, '682 days: fits in hours (16368)'],
    [0xc000, 'unit 3 is not defined'],
    [0xc001, 'unit 3 is not defined'],
    [0xffff, 'unit 3 is not defined'],
  ].map(([value, description]) => ({
    description: description as string,
    value: (value as number).toString(16).padStart(4, '0'),
    code: 'FORMAT_INVALID',
  }));
  return {
    title: 'Durations (two bytes)',
    spec: 'docs/FORMATS.md §3.4',
    generatedBy: 'scripts/make-vectors.ts (npm run vectors)',
    good,
    bad,
  };
}

// ---------------------------------------------------------------------------------------------
// §6 License keys

const LICENSE_INPUTS: readonly { name: string; fields: LicenseFields }[] = [
  {
    name: 'perpetual, no features, no binding (the shortest key: 20 groups)',
    fields: {
      licenseId: hexBytes('0102030405060708'),
      type: 'perpetual',
      issuedAt: T0,
      expiresAt: null,
      seats: 0,
      leaseSeconds: 0,
      graceSeconds: 0,
      product: 'demo',
      features: [],
    },
  },
  {
    name: 'trial for 30 days, one seat, one feature',
    fields: {
      licenseId: hexBytes('7a1a000000000002'),
      type: 'trial',
      issuedAt: T0,
      expiresAt: T0 + 30 * DAY,
      seats: 1,
      leaseSeconds: 0,
      graceSeconds: 0,
      product: 'cad-suite',
      features: ['export'],
    },
  },
  {
    name: 'subscription bound to a machine, leases of 30 days with 7 days of grace',
    fields: {
      licenseId: hexBytes('5b5c000000000003'),
      type: 'subscription',
      issuedAt: T0,
      expiresAt: T0 + 365 * DAY,
      seats: 5,
      leaseSeconds: 30 * DAY,
      graceSeconds: 7 * DAY,
      product: 'cad-suite',
      features: ['export', 'render', 'solver.pro'],
      fingerprint: fingerprintOf('workstation'),
    },
  },
  {
    name: 'floating, 10 concurrent seats, 8-hour leases, bound to a user (UTF-8)',
    fields: {
      licenseId: hexBytes('f1f1000000000004'),
      type: 'floating',
      issuedAt: T0,
      expiresAt: null,
      seats: 10,
      leaseSeconds: 8 * HOUR,
      graceSeconds: HOUR,
      product: 'cad-suite',
      features: ['render'],
      user: 'Zoë Müller <zoe@example.com>',
    },
  },
  {
    name: 'perpetual bound to both a machine and a user',
    fields: {
      licenseId: hexBytes('b0b0000000000005'),
      type: 'perpetual',
      issuedAt: T0 + 12 * HOUR,
      expiresAt: null,
      seats: 1,
      leaseSeconds: 0,
      graceSeconds: 0,
      product: 'demo',
      features: ['pro'],
      fingerprint: fingerprintOf('container without product UUID or MAC', 'demo'),
      user: 'ops@example.com',
    },
  },
  {
    name: 'the longest key: 32-character product, 16 features of 32 characters, 64-byte user',
    fields: {
      licenseId: hexBytes('ffffffffffffffff'),
      type: 'subscription',
      issuedAt: 0,
      expiresAt: 0xffffffff,
      seats: 0xffff,
      leaseSeconds: 16383 * DAY,
      graceSeconds: 16383 * DAY,
      product: 'p'.repeat(32),
      features: Array.from({ length: 16 }, (_, i) =>
        `feature-${String(i).padStart(2, '0')}`.padEnd(32, 'x'),
      ),
      fingerprint: fill(0xff, 8),
      user: 'u'.repeat(64),
    },
  },
];

function licenseFieldsJson(f: LicenseFields): Json {
  return {
    licenseId: toHex(f.licenseId),
    type: f.type,
    issuedAt: f.issuedAt,
    expiresAt: f.expiresAt,
    seats: f.seats,
    leaseSeconds: f.leaseSeconds,
    graceSeconds: f.graceSeconds,
    product: f.product,
    features: [...f.features],
    fingerprint: f.fingerprint === undefined ? null : toHex(f.fingerprint),
    user: f.user ?? null,
  };
}

function signedParts(bytes: Uint8Array, context: Uint8Array): Record<string, Json> {
  return { signingInput: toHex(context), signature: toHex(bytes.subarray(bytes.length - 64)) };
}

interface RawLicense {
  kind: number;
  keyId: Uint8Array;
  licenseId: Uint8Array;
  type: number;
  issuedAt: number;
  expiry: number;
  seats: number;
  lease: number;
  grace: number;
  flags: number;
  product: Uint8Array;
  featureCount?: number;
  features: readonly Uint8Array[];
  fingerprint?: Uint8Array;
  user?: Uint8Array;
  /** Replaces the canonical zero padding. */
  padding?: Uint8Array;
}

function baseRawLicense(): RawLicense {
  return {
    kind: kind('K'),
    keyId: keyIdOf(signers.vendor.publicKey),
    licenseId: hexBytes('bad0000000000001'),
    type: 2,
    issuedAt: T0,
    expiry: T0 + 365 * DAY,
    seats: 5,
    lease: encodeDuration(30 * DAY),
    grace: encodeDuration(7 * DAY),
    flags: 0,
    product: utf8('cad-suite'),
    features: [utf8('export'), utf8('render')],
  };
}

function canonicalPadding(bodyLength: number): number {
  return (5 - ((bodyLength + 64) % 5)) % 5;
}

function rawLicenseBody(raw: RawLicense): Uint8Array {
  const w = new ByteWriter()
    .u8(raw.kind)
    .bytes(raw.keyId)
    .bytes(raw.licenseId)
    .u8(raw.type)
    .u32(raw.issuedAt)
    .u32(raw.expiry)
    .u16(raw.seats)
    .u16(raw.lease)
    .u16(raw.grace)
    .u8(raw.flags)
    .u8(raw.product.length)
    .bytes(raw.product)
    .u8(raw.featureCount ?? raw.features.length);
  for (const f of raw.features) w.u8(f.length).bytes(f);
  if (raw.fingerprint) w.bytes(raw.fingerprint);
  if (raw.user) w.u8(raw.user.length).bytes(raw.user);
  const body = w.finish();
  return concatBytes(body, raw.padding ?? new Uint8Array(canonicalPadding(body.length)));
}

function signLicenseBody(body: Uint8Array, signer: Signer = signers.vendor): Uint8Array {
  return concatBytes(body, signer.sign(signingInput('license', body)));
}

function licenseBad(
  description: string,
  change: Partial<RawLicense>,
  code: ErrorCode = 'FORMAT_INVALID',
): BadVector {
  const body = rawLicenseBody({ ...baseRawLicense(), ...change });
  const bytes = signLicenseBody(body);
  if (bytes.length % 5 !== 0) throw new Error(`license vector "${description}" is not typeable`);
  return { description, text: encodeTyped(bytes), code, stage: 'parse' };
}

function licenseFile(): { json: Json; keys: LicenseKey[] } {
  const keys = LICENSE_INPUTS.map((v) => issueLicense(v.fields, signers.vendor));
  const good = LICENSE_INPUTS.map((v, i) => {
    const key = keys[i]!;
    const body = key.bytes.subarray(0, key.bytes.length - 64);
    return {
      name: v.name,
      fields: licenseFieldsJson(v.fields),
      licenseIdText: formatId('license', key.licenseId),
      vendorKeyId: toHex(key.vendorKeyId),
      publicKey: toHex(signers.vendor.publicKey),
      groups: key.bytes.length / 5,
      text: licenseKeyText(key),
      hex: toHex(key.bytes),
      ...signedParts(key.bytes, signingInput('license', body)),
    };
  });

  const text = licenseKeyText(keys[2]!);
  const sig = keys[2]!.bytes.subarray(keys[2]!.bytes.length - 64);
  const otherKeyBody = rawLicenseBody({
    ...baseRawLicense(),
    keyId: keyIdOf(signers.other.publicKey),
  });
  // A product name whose length leaves room for padding, for the padding vectors.
  let paddedProduct = 'cad-suite';
  while (
    canonicalPadding(
      rawLicenseBody({
        ...baseRawLicense(),
        product: utf8(paddedProduct),
        padding: new Uint8Array(0),
      }).length,
    ) === 0
  ) {
    paddedProduct += 'x';
  }
  const withPadding = (padding: (n: number) => Uint8Array): Partial<RawLicense> => {
    const plain = rawLicenseBody({
      ...baseRawLicense(),
      product: utf8(paddedProduct),
      padding: new Uint8Array(0),
    });
    return { product: utf8(paddedProduct), padding: padding(canonicalPadding(plain.length)) };
  };

  const bad: BadVector[] = [
    { description: 'empty input', text: '   ', code: 'CODE_EMPTY', stage: 'decode' },
    {
      description: 'wrong check character in group 3',
      text: wrongCheck(text, 3),
      code: 'CODE_GROUP_MISTYPED',
      stage: 'decode',
      group: 3,
    },
    {
      description: 'one data character changed in group 12',
      text: wrongData(text, 12, 5),
      code: 'CODE_GROUP_MISTYPED',
      stage: 'decode',
      group: 12,
    },
    {
      description: 'two adjacent characters swapped in group 7',
      text: transposeInGroup(text, 7),
      code: 'CODE_GROUP_MISTYPED',
      stage: 'decode',
      group: 7,
    },
    {
      description: 'groups 2 and 5 swapped (both are reported, group 2 first)',
      text: swapGroups(text, 2, 5),
      code: 'CODE_GROUP_MISTYPED',
      stage: 'decode',
      group: 2,
    },
    {
      description: 'a character that codes never use (U) in group 4',
      text: groupsOf(text)
        .map((g, i) => (i === 3 ? 'U' + g.slice(1) : g))
        .join('-'),
      code: 'CODE_MALFORMED',
      stage: 'decode',
      group: 4,
    },
    {
      description: 'group 6 has 8 characters',
      text: groupsOf(text)
        .map((g, i) => (i === 5 ? g.slice(1) : g))
        .join('-'),
      code: 'CODE_MALFORMED',
      stage: 'decode',
      group: 6,
    },
    {
      description: 'only 19 groups (fewer than any license key has)',
      text: dropGroups(text, 19),
      code: 'CODE_MALFORMED',
      stage: 'decode',
    },
    {
      description: '151 groups (more than any license key has)',
      text: typedFiller('K', 1, 151 * 5),
      code: 'CODE_TOO_LONG',
      stage: 'decode',
    },
    {
      description: 'a challenge where a license key is expected',
      text: challengeText(CHALLENGES[0]!),
      code: 'CODE_WRONG_KIND',
      stage: 'decode',
    },
    {
      description: 'format version 2 (kind byte K|2)',
      text: encodeTyped(
        signLicenseBody(rawLicenseBody({ ...baseRawLicense(), kind: kind('K', 2) })),
      ),
      code: 'FORMAT_UNSUPPORTED_VERSION',
      stage: 'decode',
    },
    {
      description: 'the last group is missing: only the signature check can tell',
      text: dropGroups(text, groupsOf(text).length - 1),
      code: 'SIGNATURE_INVALID',
      stage: 'signature',
    },
    {
      description: 'one bit flipped in the signature (check characters recomputed)',
      text: encodeTyped(flipBit(keys[2]!.bytes, -1)),
      code: 'SIGNATURE_INVALID',
      stage: 'signature',
    },
    {
      description: 'seats changed from 5 to 4 (check characters recomputed)',
      text: encodeTyped(flipBit(keys[2]!.bytes, 23, 0)),
      code: 'SIGNATURE_INVALID',
      stage: 'signature',
    },
    {
      description: 'non-canonical signature: S replaced by S + L',
      text: encodeTyped(withSignature(keys[2]!.bytes, sPlusL(sig))),
      code: 'SIGNATURE_INVALID',
      stage: 'signature',
    },
    {
      description: "signed by another key but naming the vendor's key ID",
      text: encodeTyped(signLicenseBody(rawLicenseBody(baseRawLicense()), signers.other)),
      code: 'SIGNATURE_INVALID',
      stage: 'signature',
    },
    {
      description: 'signed by a key that is not trusted (its own key ID)',
      text: encodeTyped(signLicenseBody(otherKeyBody, signers.other)),
      code: 'KEY_UNKNOWN',
      stage: 'signature',
    },
    licenseBad('unknown license type 4', { type: 4 }),
    licenseBad('unknown flag bit 0x04', { flags: 4 }),
    licenseBad('non-canonical lease: one day written in days (0x8001)', { lease: 0x8001 }),
    licenseBad('non-canonical grace: unit 3 (0xc001)', { grace: 0xc001 }),
    licenseBad(
      'non-zero padding byte',
      withPadding((n) => fill(0, n).fill(1, n - 1)),
    ),
    licenseBad(
      'five more zero bytes of padding than needed',
      withPadding((n) => new Uint8Array(n + 5)),
    ),
    licenseBad('features not sorted', { features: [utf8('render'), utf8('export')] }),
    licenseBad('the same feature twice', { features: [utf8('export'), utf8('export')] }),
    licenseBad('17 features', {
      features: Array.from({ length: 17 }, (_, i) => utf8(`f${String(i).padStart(2, '0')}`)),
    }),
    licenseBad('a feature name with an upper-case letter', { features: [utf8('Export')] }),
    licenseBad('an empty feature name (length 0)', { features: [new Uint8Array(0)] }),
    licenseBad('product name with an upper-case letter', { product: utf8('CAD-suite') }),
    licenseBad('product name of 33 bytes', { product: utf8('c'.repeat(33)) }),
    licenseBad('trial without an expiry (0)', { type: 1, expiry: 0 }),
    licenseBad('subscription without an expiry (0)', { type: 2, expiry: 0 }),
    licenseBad('expiry equal to the issue time', { expiry: T0 }),
    licenseBad('floating with 0 seats', { type: 3, seats: 0 }),
    licenseBad('floating without a lease length', { type: 3, lease: 0 }),
    licenseBad('user binding that is not valid UTF-8', {
      flags: 2,
      user: Uint8Array.from([0x61, 0xc3, 0x28]),
    }),
    licenseBad('user binding with a control character', { flags: 2, user: utf8('ops\nroot') }),
    licenseBad('user binding not in NFC (e + combining acute)', {
      flags: 2,
      user: utf8('Zoe\u0301'),
    }),
    licenseBad('user binding of 65 bytes', { flags: 2, user: utf8('u'.repeat(65)) }),
    licenseBad('flag says machine binding, but the key ends before the fingerprint', {
      flags: 1,
    }),
    licenseBad('feature count 3 but only 2 features: runs into the padding', {
      featureCount: 3,
    }),
  ];
  const json = file('License keys', '§6', good, bad, {
    vendorPublicKey: toHex(signers.vendor.publicKey),
    context: CONTEXT.license,
  });
  return { json, keys };
}

// ---------------------------------------------------------------------------------------------
// §7 Appliance certificates

const CERTIFICATE_INPUTS: readonly { name: string; fields: CertificateFields }[] = [
  {
    name: 'appliance certified for one product, quota 500 seats, two years',
    fields: {
      applianceId: hexBytes('ab12cd34'),
      publicKey: signers.appliance.publicKey,
      notAfter: T0 + 730 * DAY,
      seatQuota: 500,
      product: 'cad-suite',
    },
  },
  {
    name: 'second appliance certified for every product, no quota',
    fields: {
      applianceId: hexBytes('00000001'),
      publicKey: signers.appliance2.publicKey,
      notAfter: T0 + 365 * DAY,
      seatQuota: 0,
      product: null,
    },
  },
];

function rawCertificate(
  change: { kind?: number; keyId?: Uint8Array; applianceId?: Uint8Array } = {},
  signer: Signer = signers.vendor,
): Uint8Array {
  const body = new ByteWriter()
    .u8(change.kind ?? kind('A'))
    .bytes(change.keyId ?? keyIdOf(signer.publicKey))
    .bytes(change.applianceId ?? hexBytes('ab12cd34'))
    .bytes(signers.appliance.publicKey)
    .u32(T0 + 730 * DAY)
    .u16(500)
    .bytes(productTag('cad-suite'))
    .finish();
  return concatBytes(body, signer.sign(signingInput('certificate', body)));
}

function certificateFile(): { json: Json; certs: Certificate[] } {
  const certs = CERTIFICATE_INPUTS.map((v) => issueCertificate(v.fields, signers.vendor));
  const good = CERTIFICATE_INPUTS.map((v, i) => {
    const c = certs[i]!;
    return {
      name: v.name,
      fields: {
        applianceId: toHex(v.fields.applianceId),
        publicKey: toHex(v.fields.publicKey),
        notAfter: v.fields.notAfter,
        seatQuota: v.fields.seatQuota,
        product: v.fields.product,
      },
      productTag: c.productTag === null ? null : toHex(c.productTag),
      applianceIdText: formatId('appliance', c.applianceId),
      certificateId: toHex(c.certificateId),
      certificateIdText: formatId('certificate', c.certificateId),
      vendorKeyId: toHex(c.vendorKeyId),
      publicKey: toHex(signers.vendor.publicKey),
      text: certificateText(c),
      compact: certificateCompact(c),
      hex: toHex(c.bytes),
      ...signedParts(c.bytes, signingInput('certificate', c.bytes.subarray(0, 51))),
    };
  });
  const c = certs[0]!;
  const text = certificateText(c);
  const compact = certificateCompact(c);
  const bad: BadVector[] = [
    {
      description: 'wrong check character in group 23 (the last)',
      text: wrongCheck(text, 23),
      code: 'CODE_GROUP_MISTYPED',
      stage: 'decode',
      group: 23,
    },
    {
      description: 'only 22 groups',
      text: dropGroups(text, 22),
      code: 'CODE_MALFORMED',
      stage: 'decode',
    },
    {
      description: '24 groups (one extra group of valid characters)',
      text: encodeTyped(concatBytes(c.bytes, new Uint8Array(5))),
      code: 'CODE_TOO_LONG',
      stage: 'decode',
    },
    {
      description: 'compact form with a lower-case character (nothing is forgiven there)',
      text: compact.slice(0, 100) + compact[100]!.toLowerCase() + compact.slice(101),
      code: 'CODE_MALFORMED',
      stage: 'decode',
    },
    {
      description: 'a license key where a certificate is expected',
      text: licenseKeyText(issueLicense(LICENSE_INPUTS[0]!.fields, signers.vendor)),
      code: 'CODE_WRONG_KIND',
      stage: 'decode',
    },
    {
      description: 'format version 2 (kind byte A|2)',
      text: encodeTyped(rawCertificate({ kind: kind('A', 2) })),
      code: 'FORMAT_UNSUPPORTED_VERSION',
      stage: 'decode',
    },
    {
      description: 'all-zero appliance ID',
      text: encodeTyped(rawCertificate({ applianceId: new Uint8Array(4) })),
      code: 'FORMAT_INVALID',
      stage: 'decode',
    },
    {
      description: 'binary: 114 bytes (truncated)',
      hex: toHex(c.bytes.subarray(0, 114)),
      code: 'FORMAT_INVALID',
      stage: 'decode',
    },
    {
      description: 'binary: 116 bytes (one trailing byte)',
      hex: toHex(concatBytes(c.bytes, new Uint8Array(1))),
      code: 'FORMAT_INVALID',
      stage: 'decode',
    },
    {
      description: 'one bit flipped in the signature',
      text: encodeTyped(flipBit(c.bytes, 80, 3)),
      code: 'SIGNATURE_INVALID',
      stage: 'signature',
    },
    {
      description: 'seat quota changed (check characters recomputed)',
      text: encodeTyped(flipBit(c.bytes, 46, 7)),
      code: 'SIGNATURE_INVALID',
      stage: 'signature',
    },
    {
      description: 'non-canonical signature: S replaced by S + L',
      text: encodeTyped(withSignature(c.bytes, sPlusL(c.bytes.subarray(51)))),
      code: 'SIGNATURE_INVALID',
      stage: 'signature',
    },
    {
      description: "signed by another key but naming the vendor's key ID",
      text: encodeTyped(
        rawCertificate({ keyId: keyIdOf(signers.vendor.publicKey) }, signers.other),
      ),
      code: 'SIGNATURE_INVALID',
      stage: 'signature',
    },
    {
      description: 'signed by a key that is not trusted (its own key ID)',
      text: encodeTyped(rawCertificate({}, signers.other)),
      code: 'KEY_UNKNOWN',
      stage: 'signature',
    },
  ];
  const json = file('Appliance certificates', '§7', good, bad, {
    vendorPublicKey: toHex(signers.vendor.publicKey),
    context: CONTEXT.certificate,
  });
  return { json, certs };
}

// ---------------------------------------------------------------------------------------------
// §8 Challenges

const SECRETS = [seq(0x10, 16), seq(0xa0, 16), fill(0x5a, 16)] as const;

const CHALLENGES: readonly Challenge[] = [
  encodeChallenge({
    licenseId: LICENSE_INPUTS[2]!.fields.licenseId,
    fingerprint: fingerprintOf('workstation'),
    nonce: seq(1, 8),
    clientTime: T0 + 10 * DAY + 3 * HOUR + 25 * MINUTE + 7,
    commitment: commitmentOf(SECRETS[0]),
  }),
  encodeChallenge({
    licenseId: LICENSE_INPUTS[3]!.fields.licenseId,
    fingerprint: fingerprintOf('workstation, new network card'),
    nonce: hexBytes('ffeeddccbbaa9988'),
    clientTime: T0 + 40 * DAY,
    commitment: commitmentOf(SECRETS[1]),
  }),
  encodeChallenge({
    licenseId: LICENSE_INPUTS[4]!.fields.licenseId,
    fingerprint: new Uint8Array(8),
    nonce: new Uint8Array(8),
    clientTime: 0xffffffff,
    commitment: commitmentOf(SECRETS[2]),
  }),
];

function challengeFile(): Json {
  const names = [
    'subscription license on the workstation',
    'floating license, workstation with a new network card',
    'no fingerprint components, zero nonce, the largest client time',
  ];
  const good = CHALLENGES.map((ch, i) => ({
    name: names[i]!,
    fields: {
      licenseId: toHex(ch.licenseId),
      fingerprint: toHex(ch.fingerprint),
      nonce: toHex(ch.nonce),
      clientTime: ch.clientTime,
      commitment: toHex(ch.commitment),
    },
    secret: toHex(SECRETS[i as 0 | 1 | 2]),
    commitmentInput: toHex(
      concatBytes(utf8('airlock-deactivation-v1'), new Uint8Array([0]), SECRETS[i as 0 | 1 | 2]),
    ),
    challengeTag: toHex(challengeTag(ch.bytes)),
    text: challengeText(ch),
    hex: toHex(ch.bytes),
  }));
  const ch = CHALLENGES[0]!;
  const text = challengeText(ch);
  const bad: BadVector[] = [
    { description: 'empty input', text: '', code: 'CODE_EMPTY', stage: 'decode' },
    {
      description: 'wrong check character in group 1',
      text: wrongCheck(text, 1),
      code: 'CODE_GROUP_MISTYPED',
      stage: 'decode',
      group: 1,
    },
    {
      description: 'one data character changed in group 5',
      text: wrongData(text, 5, 0),
      code: 'CODE_GROUP_MISTYPED',
      stage: 'decode',
      group: 5,
    },
    {
      description: 'two adjacent characters swapped in group 4',
      text: transposeInGroup(text, 4),
      code: 'CODE_GROUP_MISTYPED',
      stage: 'decode',
      group: 4,
    },
    {
      description: 'groups 3 and 8 swapped (both are reported, group 3 first)',
      text: swapGroups(text, 3, 8),
      code: 'CODE_GROUP_MISTYPED',
      stage: 'decode',
      group: 3,
    },
    {
      description: 'wrong check characters in groups 2 and 9 (group 2 is named first)',
      text: wrongCheck(wrongCheck(text, 9), 2),
      code: 'CODE_GROUP_MISTYPED',
      stage: 'decode',
      group: 2,
    },
    {
      description: 'a character that codes never use (#) in group 2',
      text: text.slice(0, 12) + '#' + text.slice(13),
      code: 'CODE_MALFORMED',
      stage: 'decode',
      group: 2,
    },
    {
      description: 'only 8 groups',
      text: dropGroups(text, 8),
      code: 'CODE_MALFORMED',
      stage: 'decode',
    },
    {
      description: '10 groups (a trailing group of valid characters)',
      text: encodeTyped(concatBytes(ch.bytes, seq(7, 5))),
      code: 'CODE_TOO_LONG',
      stage: 'decode',
    },
    {
      description: 'far too long: 200 characters',
      text: 'A'.repeat(200),
      code: 'CODE_TOO_LONG',
      stage: 'decode',
    },
    {
      description: 'a deactivation code where a challenge is expected',
      text: deactivationText(DEACTIVATIONS[0]!),
      code: 'CODE_WRONG_KIND',
      stage: 'decode',
    },
    {
      description: 'format version 0 (kind byte C|0)',
      text: encodeTyped(patched(ch.bytes, 0, [kind('C', 0)])),
      code: 'FORMAT_UNSUPPORTED_VERSION',
      stage: 'decode',
    },
    {
      description: 'binary: 44 bytes (truncated)',
      hex: toHex(ch.bytes.subarray(0, 44)),
      code: 'FORMAT_INVALID',
      stage: 'decode',
    },
    {
      description: 'binary: 46 bytes (one trailing byte)',
      hex: toHex(concatBytes(ch.bytes, new Uint8Array(1))),
      code: 'FORMAT_INVALID',
      stage: 'decode',
    },
    {
      description: 'binary: a response where a challenge is expected',
      hex: toHex(patched(ch.bytes, 0, [kind('R')])),
      code: 'CODE_WRONG_KIND',
      stage: 'decode',
    },
  ];
  return file('Challenges', '§8', good, bad, { commitmentContext: 'airlock-deactivation-v1' });
}

// ---------------------------------------------------------------------------------------------
// §9 Responses

interface ResponseInput {
  name: string;
  challenge: number;
  certificate: number;
  grant: Grant;
  combined: boolean;
}

const RESPONSE_INPUTS: readonly ResponseInput[] = [
  {
    name: 'first activation of the subscription: all three features, 30-day lease, QR carries the certificate',
    challenge: 0,
    certificate: 0,
    grant: { activationId: 1, leaseSeconds: 30 * DAY, featureMask: 0b111 },
    combined: true,
  },
  {
    name: 'floating seat: 8-hour lease, first feature',
    challenge: 1,
    certificate: 0,
    grant: { activationId: 0x00012345, leaseSeconds: 8 * HOUR, featureMask: 0b1 },
    combined: false,
  },
  {
    name: 'second appliance: no lease end, no features, the largest activation ID',
    challenge: 2,
    certificate: 1,
    grant: { activationId: 0xffffffff, leaseSeconds: 0, featureMask: 0 },
    combined: true,
  },
];

function rawResponse(
  challenge: Challenge,
  change: { kind?: number; activationId?: number; lease?: number; mask?: number; tag?: Uint8Array },
  signer: Signer = signers.appliance,
): Uint8Array {
  const body = new ByteWriter()
    .u8(change.kind ?? kind('R'))
    .bytes(change.tag ?? challengeTag(challenge.bytes))
    .u32(change.activationId ?? 7)
    .u16(change.lease ?? encodeDuration(30 * DAY))
    .u16(change.mask ?? 0b11)
    .finish();
  return concatBytes(body, signer.sign(signingInput('response', challenge.bytes, body)));
}

function responseFile(certs: readonly Certificate[]): { json: Json; responses: Response[] } {
  const applianceSigner = [signers.appliance, signers.appliance2];
  const responses = RESPONSE_INPUTS.map((v) =>
    signResponse(CHALLENGES[v.challenge]!, v.grant, applianceSigner[v.certificate]!),
  );
  const good = RESPONSE_INPUTS.map((v, i) => {
    const r = responses[i]!;
    const ch = CHALLENGES[v.challenge]!;
    const cert = certs[v.certificate]!;
    return {
      name: v.name,
      challenge: challengeText(ch),
      challengeHex: toHex(ch.bytes),
      certificate: certificateText(cert),
      appliancePublicKey: toHex(cert.publicKey),
      fields: {
        challengeTag: toHex(r.challengeTag),
        activationId: v.grant.activationId,
        leaseSeconds: v.grant.leaseSeconds,
        featureMask: v.grant.featureMask,
      },
      activationIdText: formatId('activation', Uint8Array.from(u32(v.grant.activationId))),
      leaseEndsAt: v.grant.leaseSeconds === 0 ? null : ch.clientTime + v.grant.leaseSeconds,
      text: responseText(r),
      compact: encodeCompact(r.bytes),
      combined: v.combined ? combinedResponseText(r, cert) : null,
      hex: toHex(r.bytes),
      ...signedParts(r.bytes, signingInput('response', ch.bytes, r.bytes.subarray(0, 11))),
    };
  });

  const ch = CHALLENGES[0]!;
  const r = responses[0]!;
  const text = responseText(r);
  const cert = certs[0]!;
  const context = {
    challenge: challengeText(ch),
    certificate: certificateText(cert),
  };
  const bad = (v: BadCore): BadVector => ({ ...v, ...context });
  const otherVendorCert = rawCertificate({}, signers.other);
  const combined = combinedResponseText(r, cert);
  const bads: BadVector[] = [
    bad({ description: 'empty input', text: ' \n', code: 'CODE_EMPTY', stage: 'decode' }),
    bad({
      description: 'wrong check character in group 15 (the last)',
      text: wrongCheck(text, 15),
      code: 'CODE_GROUP_MISTYPED',
      stage: 'decode',
      group: 15,
    }),
    bad({
      description: 'one data character changed in group 9',
      text: wrongData(text, 9, 7),
      code: 'CODE_GROUP_MISTYPED',
      stage: 'decode',
      group: 9,
    }),
    bad({
      description: 'groups 14 and 15 swapped',
      text: swapGroups(text, 14, 15),
      code: 'CODE_GROUP_MISTYPED',
      stage: 'decode',
      group: 14,
    }),
    bad({
      description: 'only 14 groups',
      text: dropGroups(text, 14),
      code: 'CODE_MALFORMED',
      stage: 'decode',
    }),
    bad({
      description: '16 groups',
      text: encodeTyped(concatBytes(r.bytes, seq(9, 5))),
      code: 'CODE_TOO_LONG',
      stage: 'decode',
    }),
    bad({
      description: 'more than 400 characters',
      text: combined + '+' + 'A'.repeat(100),
      code: 'CODE_TOO_LONG',
      stage: 'decode',
    }),
    bad({
      description: 'the challenge itself where a response is expected',
      text: challengeText(ch),
      code: 'CODE_WRONG_KIND',
      stage: 'decode',
    }),
    bad({
      description: 'format version 2 (kind byte R|2)',
      text: encodeTyped(rawResponse(ch, { kind: kind('R', 2) })),
      code: 'FORMAT_UNSUPPORTED_VERSION',
      stage: 'decode',
    }),
    bad({
      description: 'activation ID 0',
      text: encodeTyped(rawResponse(ch, { activationId: 0 })),
      code: 'FORMAT_INVALID',
      stage: 'decode',
    }),
    bad({
      description: 'non-canonical lease: 30 days written as 30 days instead of 720 hours (0x801e)',
      text: encodeTyped(rawResponse(ch, { lease: 0x801e })),
      code: 'FORMAT_INVALID',
      stage: 'decode',
    }),
    bad({
      description: 'lease with the undefined unit 3 (0xc001)',
      text: encodeTyped(rawResponse(ch, { lease: 0xc001 })),
      code: 'FORMAT_INVALID',
      stage: 'decode',
    }),
    bad({
      description: 'combined form: lower-case character in the compact response',
      text: lowerCaseOneLetter(combined),
      code: 'CODE_MALFORMED',
      stage: 'decode',
    }),
    bad({
      description: 'combined form: certificate cut short by one character',
      text: combined.slice(0, -1),
      code: 'CODE_MALFORMED',
      stage: 'decode',
    }),
    bad({
      description: 'combined form: the compact response with its check characters and dashes',
      text: text + '+' + certificateCompact(cert),
      code: 'CODE_TOO_LONG',
      stage: 'decode',
    }),
    {
      ...bad({
        description: 'answers another challenge (the tag does not match)',
        text: responseText(responses[1]!),
        code: 'RESPONSE_WRONG_CHALLENGE',
        stage: 'binding',
      }),
    },
    bad({
      description: 'one bit flipped in the signature',
      text: encodeTyped(flipBit(r.bytes, 40, 5)),
      code: 'SIGNATURE_INVALID',
      stage: 'signature',
    }),
    bad({
      description: 'feature mask widened (check characters recomputed)',
      text: encodeTyped(flipBit(r.bytes, 10, 3)),
      code: 'SIGNATURE_INVALID',
      stage: 'signature',
    }),
    bad({
      description: 'non-canonical signature: S replaced by S + L',
      text: encodeTyped(withSignature(r.bytes, sPlusL(r.signature))),
      code: 'SIGNATURE_INVALID',
      stage: 'signature',
    }),
    bad({
      description: 'signed by another key than the certified appliance key',
      text: encodeTyped(
        rawResponse(
          ch,
          { activationId: 1, lease: encodeDuration(30 * DAY), mask: 7 },
          signers.other,
        ),
      ),
      code: 'SIGNATURE_INVALID',
      stage: 'signature',
    }),
    {
      ...bad({
        description: 'combined form whose certificate was signed by an untrusted key',
        text: encodeCompact(r.bytes) + '+' + encodeCompact(otherVendorCert),
        code: 'KEY_UNKNOWN',
        stage: 'signature',
      }),
      certificate: encodeTyped(otherVendorCert),
    },
  ];
  const json = file('Activation responses', '§9', good, bads, { context: CONTEXT.response });
  return { json, responses };
}

// ---------------------------------------------------------------------------------------------
// §10 Deactivation codes

const DEACTIVATIONS: readonly Deactivation[] = [
  encodeDeactivation({
    applianceId: hexBytes('ab12cd34'),
    activationId: 1,
    secret: SECRETS[0],
    clientTime: T0 + 20 * DAY,
    reason: 'retired',
  }),
  encodeDeactivation({
    applianceId: hexBytes('ab12cd34'),
    activationId: 0x00012345,
    secret: SECRETS[1],
    clientTime: T0 + 41 * DAY,
    reason: 'reinstalling',
  }),
  encodeDeactivation({
    applianceId: hexBytes('00000001'),
    activationId: 0xffffffff,
    secret: SECRETS[2],
    clientTime: 0,
    reason: 'unspecified',
  }),
];

function rawDeactivation(change: {
  kind?: number;
  activationId?: number;
  reason?: number;
}): Uint8Array {
  return new ByteWriter()
    .u8(change.kind ?? kind('D'))
    .bytes(hexBytes('ab12cd34'))
    .u32(change.activationId ?? 1)
    .bytes(SECRETS[0])
    .u32(T0 + 20 * DAY)
    .u8(change.reason ?? 1)
    .finish();
}

function deactivationFile(): Json {
  const good = DEACTIVATIONS.map((d, i) => ({
    name: `${d.reason}, activation ${d.activationId} of ${formatId('appliance', d.applianceId)}`,
    fields: {
      applianceId: toHex(d.applianceId),
      activationId: d.activationId,
      secret: toHex(d.secret),
      clientTime: d.clientTime,
      reason: d.reason,
    },
    commitment: toHex(commitmentOf(d.secret)),
    challenge: challengeText(CHALLENGES[i]!),
    text: deactivationText(d),
    hex: toHex(d.bytes),
  }));
  const d = DEACTIVATIONS[0]!;
  const text = deactivationText(d);
  const commitment = toHex(commitmentOf(d.secret));
  const bad = (v: BadCore): BadVector => ({ ...v, commitment });
  const bads: BadVector[] = [
    bad({ description: 'empty input', text: '', code: 'CODE_EMPTY', stage: 'decode' }),
    bad({
      description: 'wrong check character in group 6 (the last)',
      text: wrongCheck(text, 6),
      code: 'CODE_GROUP_MISTYPED',
      stage: 'decode',
      group: 6,
    }),
    bad({
      description: 'one data character changed in group 2',
      text: wrongData(text, 2, 3),
      code: 'CODE_GROUP_MISTYPED',
      stage: 'decode',
      group: 2,
    }),
    bad({
      description: 'only 5 groups',
      text: dropGroups(text, 5),
      code: 'CODE_MALFORMED',
      stage: 'decode',
    }),
    bad({
      description: '7 groups',
      text: encodeTyped(concatBytes(d.bytes, seq(3, 5))),
      code: 'CODE_TOO_LONG',
      stage: 'decode',
    }),
    bad({
      description: 'a challenge where a deactivation code is expected',
      text: challengeText(CHALLENGES[0]!),
      code: 'CODE_WRONG_KIND',
      stage: 'decode',
    }),
    bad({
      description:
        'a response code (149 characters): over the raw length bound, refused before its kind is read',
      text: typedFiller('R', 1, 75),
      code: 'CODE_TOO_LONG',
      stage: 'decode',
    }),
    bad({
      description: 'format version 2 (kind byte D|2)',
      text: encodeTyped(rawDeactivation({ kind: kind('D', 2) })),
      code: 'FORMAT_UNSUPPORTED_VERSION',
      stage: 'decode',
    }),
    bad({
      description: 'unknown reason 4',
      text: encodeTyped(rawDeactivation({ reason: 4 })),
      code: 'FORMAT_INVALID',
      stage: 'decode',
    }),
    bad({
      description: 'activation ID 0',
      text: encodeTyped(rawDeactivation({ activationId: 0 })),
      code: 'FORMAT_INVALID',
      stage: 'decode',
    }),
    bad({
      description: 'binary: 29 bytes (truncated)',
      hex: toHex(d.bytes.subarray(0, 29)),
      code: 'FORMAT_INVALID',
      stage: 'decode',
    }),
    bad({
      description: 'binary: 31 bytes (one trailing byte)',
      hex: toHex(concatBytes(d.bytes, new Uint8Array(1))),
      code: 'FORMAT_INVALID',
      stage: 'decode',
    }),
    bad({
      description: 'the secret does not match the commitment of the challenge (one bit changed)',
      text: encodeTyped(flipBit(d.bytes, 9, 0)),
      code: 'DEACTIVATION_INVALID',
      stage: 'binding',
    }),
  ];
  return file('Deactivation codes', '§10', good, bads, {
    commitmentContext: 'airlock-deactivation-v1',
  });
}

// ---------------------------------------------------------------------------------------------
// §11 Revocation bundles

interface RawEntry {
  key: Uint8Array;
  at: number;
  reason: number;
}

interface RawBundle {
  kind: number;
  issuer: number;
  scope: number;
  reserved: number;
  sequence: number;
  base: number;
  issuedAt: number;
  nextUpdate: number;
  signerKeyId: Uint8Array;
  certificate?: Uint8Array;
  licenses: RawEntry[];
  licenseCount?: number;
  activations: RawEntry[];
  certificates: RawEntry[];
  trailing?: Uint8Array;
}

function rawBundleBytes(raw: RawBundle, signer: Signer): Uint8Array {
  const w = new ByteWriter()
    .u8(raw.kind)
    .u8(raw.issuer)
    .u8(raw.scope)
    .u8(raw.reserved)
    .u32(raw.sequence)
    .u32(raw.base)
    .u32(raw.issuedAt)
    .u32(raw.nextUpdate)
    .bytes(raw.signerKeyId);
  if (raw.certificate) w.bytes(raw.certificate);
  const list = (entries: RawEntry[], n = entries.length): void => {
    w.u32(n);
    for (const e of entries) w.bytes(e.key).u32(e.at).u8(e.reason);
  };
  list(raw.licenses, raw.licenseCount);
  list(raw.activations);
  list(raw.certificates);
  if (raw.trailing) w.bytes(raw.trailing);
  const body = w.finish();
  return concatBytes(body, signer.sign(signingInput('revocations', body)));
}

const entry = (keyHex: string, at: number, reason = 0): RawEntry => ({
  key: hexBytes(keyHex),
  at,
  reason,
});

function vendorRaw(change: Partial<RawBundle> = {}): RawBundle {
  return {
    kind: kind('B'),
    issuer: 1,
    scope: 0,
    reserved: 0,
    sequence: 7,
    base: 0,
    issuedAt: T0 + 60 * DAY,
    nextUpdate: T0 + 90 * DAY,
    signerKeyId: keyIdOf(signers.vendor.publicKey),
    licenses: [
      entry('1000000000000001', T0 + 50 * DAY, 5),
      entry('2000000000000002', T0 + 55 * DAY, 6),
    ],
    activations: [],
    certificates: [],
    ...change,
  };
}

function siteRaw(cert: Certificate, change: Partial<RawBundle> = {}): RawBundle {
  return {
    kind: kind('B'),
    issuer: 2,
    scope: 0,
    reserved: 0,
    sequence: 3,
    base: 0,
    issuedAt: T0 + 61 * DAY,
    nextUpdate: T0 + 68 * DAY,
    signerKeyId: keyIdOf(cert.publicKey),
    certificate: cert.bytes,
    licenses: [],
    activations: [entry('ab12cd3400000001', T0 + 60 * DAY, 2)],
    certificates: [],
    ...change,
  };
}

const BUNDLE_INPUTS = (certs: readonly Certificate[]) =>
  [
    {
      name: 'vendor, full: two licenses and one appliance certificate revoked',
      signer: 'vendor',
      contents: {
        issuer: 'vendor',
        sequence: 1,
        baseSequence: 0,
        issuedAt: T0 + 45 * DAY,
        nextUpdate: T0 + 75 * DAY,
        // Deliberately unsorted: signBundle sorts, the bytes are canonical.
        licenses: [
          {
            licenseId: hexBytes('f1f1000000000004'),
            revokedAt: T0 + 44 * DAY,
            reason: 'non-payment',
          },
          {
            licenseId: hexBytes('7a1a000000000002'),
            revokedAt: T0 + 31 * DAY,
            reason: 'superseded',
          },
        ],
        activations: [],
        certificates: [
          {
            certificateId: certs[1]!.certificateId,
            revokedAt: T0 + 40 * DAY,
            reason: 'key-compromise',
          },
        ],
      },
    },
    {
      name: 'vendor, delta onto sequence 1: one more license',
      signer: 'vendor',
      contents: {
        issuer: 'vendor',
        sequence: 2,
        baseSequence: 1,
        issuedAt: T0 + 50 * DAY,
        nextUpdate: T0 + 80 * DAY,
        licenses: [
          { licenseId: hexBytes('0102030405060708'), revokedAt: T0 + 49 * DAY, reason: 'fraud' },
        ],
        activations: [],
        certificates: [],
      },
    },
    {
      name: 'vendor, full and empty',
      signer: 'vendor',
      contents: {
        issuer: 'vendor',
        sequence: 0xffffffff,
        baseSequence: 0,
        issuedAt: 0,
        nextUpdate: 0xffffffff,
        licenses: [],
        activations: [],
        certificates: [],
      },
    },
    {
      name: 'site (appliance apl_ab12cd34), full: two stolen machines',
      signer: 'appliance',
      certificate: certs[0]!,
      contents: {
        issuer: 'site',
        sequence: 1,
        baseSequence: 0,
        issuedAt: T0 + 60 * DAY,
        nextUpdate: T0 + 67 * DAY,
        licenses: [],
        activations: [
          {
            applianceId: hexBytes('ab12cd34'),
            activationId: 0x00012345,
            revokedAt: T0 + 59 * DAY,
            reason: 'lost-or-stolen',
          },
          {
            applianceId: hexBytes('ab12cd34'),
            activationId: 1,
            revokedAt: T0 + 58 * DAY,
            reason: 'lost-or-stolen',
          },
        ],
        certificates: [],
      },
    },
  ] as const satisfies readonly {
    name: string;
    signer: KeyName;
    certificate?: Certificate;
    contents: BundleContents;
  }[];

function bundleContentsJson(b: RevocationBundle): Json {
  return {
    issuer: b.issuer,
    sequence: b.sequence,
    baseSequence: b.baseSequence,
    issuedAt: b.issuedAt,
    nextUpdate: b.nextUpdate,
    licenses: b.licenses.map((l) => ({
      licenseId: toHex(l.licenseId),
      revokedAt: l.revokedAt,
      reason: l.reason,
    })),
    activations: b.activations.map((a) => ({
      applianceId: toHex(a.applianceId),
      activationId: a.activationId,
      revokedAt: a.revokedAt,
      reason: a.reason,
    })),
    certificates: b.certificates.map((c) => ({
      certificateId: toHex(c.certificateId),
      revokedAt: c.revokedAt,
      reason: c.reason,
    })),
  };
}

function bundleFile(certs: readonly Certificate[]): Json {
  const good = BUNDLE_INPUTS(certs).map((v) => {
    const cert = 'certificate' in v ? v.certificate : undefined;
    const b = signBundle(v.contents, signers[v.signer], cert);
    return {
      name: v.name,
      fields: bundleContentsJson(b),
      signerKeyId: toHex(b.signerKeyId),
      certificate: cert ? certificateText(cert) : null,
      publicKey: toHex(signers[v.signer].publicKey),
      vendorPublicKey: toHex(signers.vendor.publicKey),
      length: b.bytes.length,
      hex: toHex(b.bytes),
      ...signedParts(
        b.bytes,
        signingInput('revocations', b.bytes.subarray(0, b.bytes.length - 64)),
      ),
    };
  });
  const cert = certs[0]!;
  const vendorGood = rawBundleBytes(vendorRaw(), signers.vendor);
  const siteGood = rawBundleBytes(siteRaw(cert), signers.appliance);
  const b = (v: BadVector): BadVector => v;
  const bad: BadVector[] = [
    b({ description: 'empty', hex: '', code: 'FORMAT_INVALID', stage: 'decode' }),
    b({
      description: 'shorter than a signature (10 bytes)',
      hex: toHex(vendorGood.subarray(0, 10)),
      code: 'FORMAT_INVALID',
      stage: 'decode',
    }),
    b({
      description: 'the last byte of the signature is missing',
      hex: toHex(vendorGood.subarray(0, vendorGood.length - 1)),
      code: 'FORMAT_INVALID',
      stage: 'decode',
    }),
    b({
      description: 'a license key byte (K) where a bundle is expected',
      hex: toHex(rawBundleBytes(vendorRaw({ kind: kind('K') }), signers.vendor)),
      code: 'CODE_WRONG_KIND',
      stage: 'decode',
    }),
    b({
      description: 'format version 2 (kind byte B|2)',
      hex: toHex(rawBundleBytes(vendorRaw({ kind: kind('B', 2) }), signers.vendor)),
      code: 'FORMAT_UNSUPPORTED_VERSION',
      stage: 'decode',
    }),
    b({
      description: 'issuer byte 3',
      hex: toHex(rawBundleBytes(vendorRaw({ issuer: 3 }), signers.vendor)),
      code: 'FORMAT_INVALID',
      stage: 'decode',
    }),
    b({
      description: 'scope byte 2',
      hex: toHex(rawBundleBytes(vendorRaw({ scope: 2, base: 3 }), signers.vendor)),
      code: 'FORMAT_INVALID',
      stage: 'decode',
    }),
    b({
      description: 'reserved byte not zero',
      hex: toHex(rawBundleBytes(vendorRaw({ reserved: 1 }), signers.vendor)),
      code: 'FORMAT_INVALID',
      stage: 'decode',
    }),
    b({
      description: 'sequence 0',
      hex: toHex(rawBundleBytes(vendorRaw({ sequence: 0 }), signers.vendor)),
      code: 'FORMAT_INVALID',
      stage: 'decode',
    }),
    b({
      description: 'delta whose base equals its sequence',
      hex: toHex(rawBundleBytes(vendorRaw({ scope: 1, base: 7 }), signers.vendor)),
      code: 'FORMAT_INVALID',
      stage: 'decode',
    }),
    b({
      description: 'delta whose base is above its sequence',
      hex: toHex(rawBundleBytes(vendorRaw({ scope: 1, base: 8 }), signers.vendor)),
      code: 'FORMAT_INVALID',
      stage: 'decode',
    }),
    b({
      description: 'delta scope with base 0',
      hex: toHex(rawBundleBytes(vendorRaw({ scope: 1, base: 0 }), signers.vendor)),
      code: 'FORMAT_INVALID',
      stage: 'decode',
    }),
    b({
      description: 'full scope with a non-zero base',
      hex: toHex(rawBundleBytes(vendorRaw({ scope: 0, base: 6 }), signers.vendor)),
      code: 'FORMAT_INVALID',
      stage: 'decode',
    }),
    b({
      description: 'next update equal to the issue time',
      hex: toHex(rawBundleBytes(vendorRaw({ nextUpdate: T0 + 60 * DAY }), signers.vendor)),
      code: 'FORMAT_INVALID',
      stage: 'decode',
    }),
    b({
      description: 'license entries out of order',
      hex: toHex(
        rawBundleBytes(
          vendorRaw({ licenses: [entry('2000000000000002', T0), entry('1000000000000001', T0)] }),
          signers.vendor,
        ),
      ),
      code: 'FORMAT_INVALID',
      stage: 'decode',
    }),
    b({
      description: 'the same license listed twice',
      hex: toHex(
        rawBundleBytes(
          vendorRaw({
            licenses: [entry('1000000000000001', T0), entry('1000000000000001', T0 + 1)],
          }),
          signers.vendor,
        ),
      ),
      code: 'FORMAT_INVALID',
      stage: 'decode',
    }),
    b({
      description: 'activation entries out of order (same appliance, activation 9 before 2)',
      hex: toHex(
        rawBundleBytes(
          siteRaw(cert, {
            activations: [entry('ab12cd3400000009', T0), entry('ab12cd3400000002', T0)],
          }),
          signers.appliance,
        ),
      ),
      code: 'FORMAT_INVALID',
      stage: 'decode',
    }),
    b({
      description: 'certificate entries out of order',
      hex: toHex(
        rawBundleBytes(
          vendorRaw({
            certificates: [entry('ff00000000000000', T0), entry('0f00000000000000', T0)],
          }),
          signers.vendor,
        ),
      ),
      code: 'FORMAT_INVALID',
      stage: 'decode',
    }),
    b({
      description: 'activation 0',
      hex: toHex(
        rawBundleBytes(
          siteRaw(cert, { activations: [entry('ab12cd3400000000', T0)] }),
          signers.appliance,
        ),
      ),
      code: 'FORMAT_INVALID',
      stage: 'decode',
    }),
    b({
      description: 'unknown reason 7',
      hex: toHex(
        rawBundleBytes(vendorRaw({ licenses: [entry('1000000000000001', T0, 7)] }), signers.vendor),
      ),
      code: 'FORMAT_INVALID',
      stage: 'decode',
    }),
    b({
      description: 'announces 4294967295 license entries but holds 2',
      hex: toHex(rawBundleBytes(vendorRaw({ licenseCount: 0xffffffff }), signers.vendor)),
      code: 'FORMAT_INVALID',
      stage: 'decode',
    }),
    b({
      description: 'announces 3 license entries but holds 2',
      hex: toHex(rawBundleBytes(vendorRaw({ licenseCount: 3 }), signers.vendor)),
      code: 'FORMAT_INVALID',
      stage: 'decode',
    }),
    b({
      description: 'one byte between the last list and the signature',
      hex: toHex(rawBundleBytes(vendorRaw({ trailing: new Uint8Array(1) }), signers.vendor)),
      code: 'FORMAT_INVALID',
      stage: 'decode',
    }),
    b({
      description: 'site bundle whose certificate has an all-zero appliance ID',
      hex: toHex(
        rawBundleBytes(
          siteRaw(cert, { certificate: rawCertificate({ applianceId: new Uint8Array(4) }) }),
          signers.appliance,
        ),
      ),
      code: 'FORMAT_INVALID',
      stage: 'decode',
    }),
    b({
      description: 'vendor bundle signed by a key that is not trusted (its own key ID)',
      hex: toHex(
        rawBundleBytes(vendorRaw({ signerKeyId: keyIdOf(signers.other.publicKey) }), signers.other),
      ),
      code: 'KEY_UNKNOWN',
      stage: 'signature',
    }),
    b({
      description: "vendor bundle signed by another key but naming the vendor's key ID",
      hex: toHex(rawBundleBytes(vendorRaw(), signers.other)),
      code: 'SIGNATURE_INVALID',
      stage: 'signature',
    }),
    b({
      description: 'one bit flipped in the signature',
      hex: toHex(flipBit(vendorGood, -20, 6)),
      code: 'SIGNATURE_INVALID',
      stage: 'signature',
    }),
    b({
      description: 'one bit flipped in a revocation time (the signature no longer covers it)',
      hex: toHex(flipBit(vendorGood, 39, 0)),
      code: 'SIGNATURE_INVALID',
      stage: 'signature',
    }),
    b({
      description: 'non-canonical signature: S replaced by S + L',
      hex: toHex(withSignature(vendorGood, sPlusL(vendorGood.subarray(vendorGood.length - 64)))),
      code: 'SIGNATURE_INVALID',
      stage: 'signature',
    }),
    b({
      description: 'site bundle whose certificate was signed by an untrusted key',
      hex: toHex(
        rawBundleBytes(
          siteRaw(cert, { certificate: rawCertificate({}, signers.other) }),
          signers.appliance,
        ),
      ),
      code: 'KEY_UNKNOWN',
      stage: 'signature',
    }),
    b({
      description: 'site bundle whose certificate signature is broken',
      hex: toHex(
        rawBundleBytes(siteRaw(cert, { certificate: flipBit(cert.bytes, 100) }), signers.appliance),
      ),
      code: 'SIGNATURE_INVALID',
      stage: 'signature',
    }),
    b({
      description:
        "site bundle signed by another key under that key's own ID (not the certified key)",
      hex: toHex(
        rawBundleBytes(
          siteRaw(cert, { signerKeyId: keyIdOf(signers.other.publicKey) }),
          signers.other,
        ),
      ),
      code: 'SIGNATURE_INVALID',
      stage: 'signature',
    }),
    b({
      description: "site bundle naming the certified key's ID but signed by another key",
      hex: toHex(rawBundleBytes(siteRaw(cert), signers.other)),
      code: 'SIGNATURE_INVALID',
      stage: 'signature',
    }),
    b({
      description: 'site bundle revoking an activation of another appliance (apl_00000001)',
      hex: toHex(
        rawBundleBytes(
          siteRaw(cert, {
            activations: [entry('0000000100000005', T0), entry('ab12cd3400000001', T0)],
          }),
          signers.appliance,
        ),
      ),
      code: 'FORMAT_INVALID',
      stage: 'binding',
    }),
    {
      ...b({
        description: 'delta onto sequence 5 offered to a machine that holds sequence 6',
        hex: toHex(rawBundleBytes(vendorRaw({ scope: 1, base: 5, sequence: 7 }), signers.vendor)),
        code: 'BUNDLE_BASE_MISMATCH',
        stage: 'import',
      }),
      heldSequence: 6,
    },
    {
      ...b({
        description: 'delta offered to a machine that holds no bundle from this issuer',
        hex: toHex(rawBundleBytes(vendorRaw({ scope: 1, base: 5, sequence: 7 }), signers.vendor)),
        code: 'BUNDLE_BASE_MISMATCH',
        stage: 'import',
      }),
      heldSequence: null,
    },
    {
      ...b({
        description: 'full bundle 7 offered to a machine that holds sequence 8 (rollback)',
        hex: toHex(vendorGood),
        code: 'BUNDLE_ROLLBACK',
        stage: 'import',
      }),
      heldSequence: 8,
    },
    {
      ...b({
        description: 'site bundle 3 offered to a machine that holds site sequence 4 (rollback)',
        hex: toHex(siteGood),
        code: 'BUNDLE_ROLLBACK',
        stage: 'import',
      }),
      heldSequence: 4,
    },
  ];
  return file('Revocation bundles', '§11', good, bad, {
    vendorPublicKey: toHex(signers.vendor.publicKey),
    context: CONTEXT.revocations,
  });
}

// ---------------------------------------------------------------------------------------------
// §16 Root hand-overs

const HANDOVER_INPUTS: readonly { name: string; fields: RootHandoverFields }[] = [
  {
    name: 'the vendor root hands over to a new root and stays trusted',
    fields: {
      newPublicKey: signers.vendor2.publicKey,
      issuedAt: T0 + 100 * DAY,
      retiresSigner: false,
    },
  },
  {
    name: 'the vendor root hands over to the new root and retires itself',
    fields: {
      newPublicKey: signers.vendor2.publicKey,
      issuedAt: T0 + 400 * DAY,
      retiresSigner: true,
    },
  },
];

function rawHandover(
  change: {
    kind?: number;
    keyId?: Uint8Array;
    newKeyId?: Uint8Array;
    newPublicKey?: Uint8Array;
    flags?: number;
  } = {},
  signer: Signer = signers.vendor,
): Uint8Array {
  const newPublicKey = change.newPublicKey ?? signers.vendor2.publicKey;
  const body = new ByteWriter()
    .u8(change.kind ?? kind('H'))
    .bytes(change.keyId ?? keyIdOf(signer.publicKey))
    .bytes(change.newKeyId ?? keyIdOf(newPublicKey))
    .bytes(newPublicKey)
    .u32(T0 + 100 * DAY)
    .u8(change.flags ?? 0)
    .finish();
  return concatBytes(body, signer.sign(signingInput('rootHandover', body)));
}

function handoverFile(): Json {
  const good = HANDOVER_INPUTS.map((v) => {
    const h = issueRootHandover(v.fields, signers.vendor);
    return {
      name: v.name,
      fields: {
        newPublicKey: toHex(v.fields.newPublicKey),
        issuedAt: v.fields.issuedAt,
        retiresSigner: v.fields.retiresSigner,
      },
      signerKeyId: toHex(h.signerKeyId),
      newKeyId: toHex(h.newKeyId),
      newKeyIdText: formatId('key', h.newKeyId),
      publicKey: toHex(signers.vendor.publicKey),
      text: rootHandoverText(h),
      compact: rootHandoverCompact(h),
      hex: toHex(h.bytes),
      ...signedParts(h.bytes, signingInput('rootHandover', h.bytes.subarray(0, 46))),
    };
  });
  const h = issueRootHandover(HANDOVER_INPUTS[0]!.fields, signers.vendor);
  const text = rootHandoverText(h);
  const vendorKeyId = toHex(keyIdOf(signers.vendor.publicKey));
  const bad: BadVector[] = [
    {
      description: 'wrong check character in group 22 (the last)',
      text: wrongCheck(text, 22),
      code: 'CODE_GROUP_MISTYPED',
      stage: 'decode',
      group: 22,
    },
    {
      description: 'only 21 groups',
      text: dropGroups(text, 21),
      code: 'CODE_MALFORMED',
      stage: 'decode',
    },
    {
      description: 'an appliance certificate where a hand-over is expected',
      text: certificateText(issueCertificate(CERTIFICATE_INPUTS[0]!.fields, signers.vendor)),
      code: 'CODE_WRONG_KIND',
      stage: 'decode',
    },
    {
      description: 'format version 2 (kind byte H|2)',
      text: encodeTyped(rawHandover({ kind: kind('H', 2) })),
      code: 'FORMAT_UNSUPPORTED_VERSION',
      stage: 'decode',
    },
    {
      description: 'the new key ID is not the ID of the new key',
      text: encodeTyped(rawHandover({ newKeyId: keyIdOf(signers.other.publicKey) })),
      code: 'FORMAT_INVALID',
      stage: 'decode',
    },
    {
      description: 'the root hands over to itself',
      text: encodeTyped(rawHandover({ newPublicKey: signers.vendor.publicKey })),
      code: 'FORMAT_INVALID',
      stage: 'decode',
    },
    {
      description: 'an unknown flag bit (0x02)',
      text: encodeTyped(rawHandover({ flags: 0x02 })),
      code: 'FORMAT_INVALID',
      stage: 'decode',
    },
    {
      description: 'binary: 109 bytes (truncated)',
      hex: toHex(h.bytes.subarray(0, 109)),
      code: 'FORMAT_INVALID',
      stage: 'decode',
    },
    {
      description: 'binary: 111 bytes (one trailing byte)',
      hex: toHex(concatBytes(h.bytes, new Uint8Array(1))),
      code: 'FORMAT_INVALID',
      stage: 'decode',
    },
    {
      description: 'one bit flipped in the signature',
      text: encodeTyped(flipBit(h.bytes, 90, 2)),
      code: 'SIGNATURE_INVALID',
      stage: 'signature',
    },
    {
      description: 'the retire flag set after signing (check characters recomputed)',
      text: encodeTyped(flipBit(h.bytes, 45, 0)),
      code: 'SIGNATURE_INVALID',
      stage: 'signature',
    },
    {
      description: 'non-canonical signature: S replaced by S + L',
      text: encodeTyped(withSignature(h.bytes, sPlusL(h.bytes.subarray(46)))),
      code: 'SIGNATURE_INVALID',
      stage: 'signature',
    },
    {
      description: "signed by another key but naming the vendor's key ID",
      text: encodeTyped(rawHandover({ keyId: keyIdOf(signers.vendor.publicKey) }, signers.other)),
      code: 'SIGNATURE_INVALID',
      stage: 'signature',
    },
    {
      description: 'signed by a key that is not pinned (its own key ID)',
      text: encodeTyped(rawHandover({}, signers.other)),
      code: 'KEY_UNKNOWN',
      stage: 'signature',
    },
    {
      description: 'signed by a root this machine holds as retired',
      text,
      code: 'REVOKED',
      stage: 'signature',
      retired: [vendorKeyId],
    },
    {
      description: 'naming a new root this machine holds as retired',
      text,
      code: 'REVOKED',
      stage: 'import',
      retired: [toHex(keyIdOf(signers.vendor2.publicKey))],
    },
  ];
  return file('Root hand-overs', '§16', good, bad, {
    vendorPublicKey: toHex(signers.vendor.publicKey),
    context: CONTEXT.rootHandover,
  });
}

// ---------------------------------------------------------------------------------------------
// The files

const README = `# Format test vectors

Known-answer vectors for every Airlock format, specified in \`docs/FORMATS.md\` (§12 explains how
to use them). **Do not edit these files by hand.**

- **Where they come from:** generated by \`scripts/make-vectors.ts\` (\`npm run vectors\`) from fixed
  seeds (\`keys.json\`: the vendor key is the seed 32 × 0x01, the appliance key 32 × 0x02, an
  untrusted key 32 × 0x03, a second appliance 32 × 0x04, a second vendor root 32 × 0x05) and
  fixed times counted from 2026-01-01T00:00:00Z (1767225600). Ed25519 signatures are
  deterministic, so the files are reproducible byte for byte; \`test/core/vectors.test.ts\`
  regenerates them and fails if these files drifted from the code.
- **How they are checked:** \`test/core/vectors.test.ts\` decodes every good vector to its fields,
  re-encodes it to the same text and bytes and verifies its signature with @noble/curves (strict
  RFC 8032); every bad vector must fail with exactly its \`code\` at its \`stage\`. Every signature
  of a good vector is independently verified with OpenSSL (\`openssl pkeyutl -verify -rawin\`) by
  \`test/core/openssl.test.ts\`, which also checks that a flipped bit and S + L are refused.

| file | what |
| --- | --- |
| \`keys.json\` | seeds, raw public keys, key IDs, SPKI DER and PEM of every key |
| \`typed-code.json\` | typed and compact forms of byte strings, the check-character worked example (§2) |
| \`duration.json\` | two-byte durations, canonical and non-canonical (§3.4) |
| \`fingerprint.json\` | machine fingerprints and fuzzy matches (§5) |
| \`license-key.json\` | license keys (§6) |
| \`certificate.json\` | appliance certificates (§7) |
| \`challenge.json\` | challenges and their commitments and tags (§8) |
| \`response.json\` | activation responses, typed and combined QR forms (§9) |
| \`deactivation.json\` | deactivation codes (§10) |
| \`revocation-bundle.json\` | vendor and site revocation bundles (§11) |
| \`root-handover.json\` | root hand-overs (§16) |

Every file has \`good\` vectors (fields, \`text\` and/or \`hex\`, and for signed artefacts
\`signingInput\` and \`signature\` in hex) and \`bad\` vectors (\`text\` or \`hex\` as input, the
expected error \`code\`, the \`stage\` that refuses it, a one-line \`description\`, and any context
the check needs such as the challenge a response answers).
`;

/** Every file of test/vectors/, by name, exactly as it is written. Pure: no I/O. */
export function renderVectorFiles(): Record<string, string> {
  const licenses = licenseFile();
  const certificates = certificateFile();
  const responses = responseFile(certificates.certs);
  const files: Record<string, Json> = {
    'keys.json': {
      title: 'Keys used by the vectors (never use them for anything else)',
      spec: 'docs/FORMATS.md §3.3, §4',
      generatedBy: 'scripts/make-vectors.ts (npm run vectors)',
      keys: {
        vendor: keyInfo('vendor'),
        appliance: keyInfo('appliance'),
        other: keyInfo('other'),
        appliance2: keyInfo('appliance2'),
        vendor2: keyInfo('vendor2'),
      },
      times: { T0, T0Iso: new Date(T0 * 1000).toISOString() },
    },
    'typed-code.json': typedFile(CHALLENGES[0]!),
    'duration.json': durationFile(),
    'fingerprint.json': fingerprintFile(),
    'license-key.json': licenses.json,
    'certificate.json': certificates.json,
    'challenge.json': challengeFile(),
    'response.json': responses.json,
    'deactivation.json': deactivationFile(),
    'revocation-bundle.json': bundleFile(certificates.certs),
    'root-handover.json': handoverFile(),
  };
  const out: Record<string, string> = { 'README.md': README };
  for (const [name, json] of Object.entries(files))
    out[name] = JSON.stringify(json, null, 2) + '\n';
  return out;
}

export const VECTORS_DIR = fileURLToPath(new URL('../test/vectors/', import.meta.url));

function main(): void {
  mkdirSync(VECTORS_DIR, { recursive: true });
  for (const [name, text] of Object.entries(renderVectorFiles())) {
    writeFileSync(join(VECTORS_DIR, name), text);
    console.log(`wrote test/vectors/${name}`);
  }
}

const entryPoint = process.argv[1];
if (entryPoint !== undefined && import.meta.url === pathToFileURL(realpathSync(entryPoint)).href) {
  main();
}
