// The format vectors of test/vectors/ (docs/FORMATS.md §12): every good vector decodes to its
// fields, re-encodes to the same text and bytes and its signature verifies; every bad vector is
// refused with exactly its code at its stage; and the committed files are exactly what
// scripts/make-vectors.ts generates today, so they cannot drift from the code.

import test, { type ExecutionContext } from 'ava';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderVectorFiles, type Stage, VECTORS_DIR } from '../../scripts/make-vectors.ts';
import { concatBytes, equalBytes, fromHex, toHex, utf8 } from '../../src/core/bytes.ts';
import { sha256 } from '../../src/core/crypto.ts';
import { decodeDuration, encodeDuration } from '../../src/core/duration.ts';
import { nobleSuite } from '../../src/core/ed25519-noble.ts';
import { AirlockError, type ErrorCode } from '../../src/core/errors.ts';
import {
  type Certificate,
  certificateCompact,
  certificateText,
  decodeCertificate,
  issueCertificate,
  parseCertificate,
  verifyCertificateSignature,
} from '../../src/core/formats/certificate.ts';
import {
  type Challenge,
  challengeTag,
  challengeText,
  commitmentOf,
  decodeChallenge,
  encodeChallenge,
  parseChallenge,
} from '../../src/core/formats/challenge.ts';
import {
  type Deactivation,
  deactivationProves,
  deactivationText,
  decodeDeactivation,
  encodeDeactivation,
  parseDeactivation,
} from '../../src/core/formats/deactivation.ts';
import {
  decodeLicenseKey,
  issueLicense,
  type LicenseFields,
  type LicenseKey,
  licenseKeyText,
  licenseSignerKeyId,
  parseLicenseKey,
  verifyLicenseSignature,
} from '../../src/core/formats/license-key.ts';
import {
  combinedResponseText,
  decodeResponse,
  type DecodedResponse,
  responseText,
  signResponse,
  verifyResponseSignature,
} from '../../src/core/formats/response.ts';
import {
  type BundleContents,
  parseBundle,
  type RevocationBundle,
  signBundle,
  verifyBundleSignature,
} from '../../src/core/formats/revocation-bundle.ts';
import {
  decodeRootHandover,
  issueRootHandover,
  parseRootHandover,
  type RootHandover,
  rootHandoverCompact,
  rootHandoverText,
  verifyRootHandoverSignature,
} from '../../src/core/formats/root-handover.ts';
import { formatId, keyIdOf, productTag } from '../../src/core/ids.ts';
import { signingInput } from '../../src/core/signing.ts';
import {
  checkCharacter,
  decodeTyped,
  encodeCompact,
  encodeTyped,
} from '../../src/core/typed-code.ts';
import { computeFingerprint, matchFingerprint } from '../../src/core/fingerprint.ts';

// ---------------------------------------------------------------------------------------------
// Reading the files

type Obj = Record<string, unknown>;

function load(name: string): Obj {
  return JSON.parse(readFileSync(join(VECTORS_DIR, name), 'utf8')) as Obj;
}

function list(file: Obj, key: 'good' | 'bad'): Obj[] {
  return file[key] as Obj[];
}

function hex(value: unknown): Uint8Array {
  const bytes = typeof value === 'string' ? fromHex(value) : undefined;
  if (bytes === undefined) throw new Error(`not hex: ${String(value)}`);
  return bytes;
}

const str = (value: unknown): string => value as string;
const num = (value: unknown): number => value as number;

const keys = (load('keys.json')['keys'] as Record<string, Obj>)!;
const vendorPublicKey = hex(keys['vendor']!['publicKey']);
const signerFor = (publicKeyHex: unknown) => {
  const entry = Object.values(keys).find((k) => k['publicKey'] === publicKeyHex);
  if (entry === undefined) throw new Error(`no seed for ${String(publicKeyHex)}`);
  return nobleSuite.signer(hex(entry['seed']));
};

// ---------------------------------------------------------------------------------------------
// The reference verifier: each step of docs/FORMATS.md, in order, named by its stage

class Refusal extends Error {
  readonly stage: Stage;
  readonly error: AirlockError;
  constructor(stage: Stage, error: AirlockError) {
    super(`${stage}: ${error.code}: ${error.message}`);
    this.stage = stage;
    this.error = error;
  }
}

function at<T>(stage: Stage, step: () => T): T {
  try {
    return step();
  } catch (error) {
    if (error instanceof AirlockError) throw new Refusal(stage, error);
    throw error;
  }
}

function refuse(stage: Stage, code: ErrorCode): never {
  throw new Refusal(stage, new AirlockError(code, `refused: ${code}`));
}

/** The pinned roots: only the vendor key of keys.json. */
function trustedKey(keyId: Uint8Array): Uint8Array {
  if (!equalBytes(keyId, keyIdOf(vendorPublicKey))) refuse('signature', 'KEY_UNKNOWN');
  return vendorPublicKey;
}

function checkCertificateChain(cert: Certificate): void {
  at('signature', () => {
    const root = trustedKey(cert.vendorKeyId);
    if (!verifyCertificateSignature(cert, root, nobleSuite))
      refuse('signature', 'SIGNATURE_INVALID');
  });
}

/** §6: typed layer, then key lookup and signature over the exact bytes, then the fields. */
function verifyLicense(v: Obj): LicenseKey {
  const bytes = at('decode', () => decodeLicenseKey(v['text']));
  const root = at('signature', () => trustedKey(licenseSignerKeyId(bytes)));
  if (!verifyLicenseSignature(bytes, root, nobleSuite)) refuse('signature', 'SIGNATURE_INVALID');
  return at('parse', () => parseLicenseKey(bytes));
}

function verifyCertificate(v: Obj): Certificate {
  const cert = at('decode', () =>
    v['text'] !== undefined ? decodeCertificate(v['text']) : parseCertificate(hex(v['hex'])),
  );
  checkCertificateChain(cert);
  return cert;
}

function readChallenge(v: Obj): Challenge {
  return at('decode', () =>
    v['text'] !== undefined ? decodeChallenge(v['text']) : parseChallenge(hex(v['hex'])),
  );
}

/** §9.2: the tag names the challenge, the certified appliance key signed it, the root the key. */
function verifyResponse(v: Obj): DecodedResponse {
  const decoded = at('decode', () => decodeResponse(v['text']));
  const challenge = decodeChallenge(v['challenge']);
  if (!equalBytes(decoded.response.challengeTag, challengeTag(challenge.bytes))) {
    refuse('binding', 'RESPONSE_WRONG_CHALLENGE');
  }
  const cert = decoded.certificate ?? decodeCertificate(v['certificate']);
  if (!verifyResponseSignature(decoded.response, challenge, cert.publicKey, nobleSuite)) {
    refuse('signature', 'SIGNATURE_INVALID');
  }
  checkCertificateChain(cert);
  return decoded;
}

function verifyDeactivation(v: Obj): Deactivation {
  const d = at('decode', () =>
    v['text'] !== undefined ? decodeDeactivation(v['text']) : parseDeactivation(hex(v['hex'])),
  );
  if (!deactivationProves(d, hex(v['commitment']))) refuse('binding', 'DEACTIVATION_INVALID');
  return d;
}

/** §11.3 and §11.4: signer, certificate chain, scope of a site bundle, then sequence rules. */
function verifyBundle(v: Obj): RevocationBundle {
  const bundle = at('decode', () => parseBundle(hex(v['hex'])));
  if (bundle.issuer === 'vendor') {
    const root = at('signature', () => trustedKey(bundle.signerKeyId));
    if (!verifyBundleSignature(bundle, root, nobleSuite)) refuse('signature', 'SIGNATURE_INVALID');
  } else {
    const cert = bundle.certificate!;
    checkCertificateChain(cert);
    if (
      !equalBytes(bundle.signerKeyId, keyIdOf(cert.publicKey)) ||
      !verifyBundleSignature(bundle, cert.publicKey, nobleSuite)
    ) {
      refuse('signature', 'SIGNATURE_INVALID');
    }
    if (bundle.activations.some((a) => !equalBytes(a.applianceId, cert.applianceId))) {
      refuse('binding', 'FORMAT_INVALID');
    }
  }
  if ('heldSequence' in v) {
    const held = v['heldSequence'] as number | null;
    if (held !== null && bundle.sequence < held) refuse('import', 'BUNDLE_ROLLBACK');
    if (bundle.baseSequence !== 0 && held !== bundle.baseSequence) {
      refuse('import', 'BUNDLE_BASE_MISMATCH');
    }
  }
  return bundle;
}

/** Compares a computed value with one read from a vector file (which is untyped JSON). */
function same(t: ExecutionContext, actual: unknown, expected: unknown, message?: string): void {
  t.deepEqual(actual, expected, message);
}

function refusedAs(t: ExecutionContext, v: Obj, run: (v: Obj) => unknown): void {
  t.true('text' in v !== 'hex' in v, 'a bad vector has exactly one input, text or hex');
  let refusal: Refusal | undefined;
  try {
    run(v);
  } catch (error) {
    if (!(error instanceof Refusal)) throw error;
    refusal = error;
  }
  if (refusal === undefined) return void t.fail('the bad vector was accepted');
  t.log(refusal.message);
  same(t, refusal.error.code, v['code'] as ErrorCode, refusal.message);
  same(t, refusal.stage, v['stage'] as Stage, refusal.message);
  if (v['group'] !== undefined) same(t, refusal.error.details['group'], v['group']);
}

function badVectors(file: string, what: string, run: (v: Obj) => unknown): void {
  for (const v of list(load(file), 'bad')) {
    test(`${what} "${str(v['description'])}" is refused with ${str(v['code'])}`, (t) =>
      refusedAs(t, v, run));
  }
}

/** The signing input is the context, a zero byte and the bytes; the signature verifies over it. */
function checkSignature(
  t: ExecutionContext,
  v: Obj,
  expectedInput: Uint8Array,
  publicKey: Uint8Array,
): void {
  same(t, str(v['signingInput']), toHex(expectedInput));
  t.true(nobleSuite.verify(publicKey, hex(v['signingInput']), hex(v['signature'])));
  t.true(str(v['hex']).endsWith(str(v['signature'])));
}

// ---------------------------------------------------------------------------------------------
// The committed files are what the generator produces

test('the committed vector files are exactly what scripts/make-vectors.ts generates', (t) => {
  const expected = renderVectorFiles();
  same(t, readdirSync(VECTORS_DIR).sort(), Object.keys(expected).sort());
  for (const [name, text] of Object.entries(expected)) {
    same(
      t,
      readFileSync(join(VECTORS_DIR, name), 'utf8'),
      text,
      `${name} drifted: run npm run vectors`,
    );
  }
});

test('every file has good vectors and most have bad ones', (t) => {
  for (const name of Object.keys(renderVectorFiles()).filter((n) => n.endsWith('.json'))) {
    if (name === 'keys.json') continue;
    const file = load(name);
    t.true(list(file, 'good').length >= 2, name);
    if (name !== 'typed-code.json' && name !== 'fingerprint.json') {
      t.true(list(file, 'bad').length >= 5, name);
    }
  }
});

// ---------------------------------------------------------------------------------------------
// keys.json, typed-code.json, duration.json, fingerprint.json

test('the keys derive from their seeds, and their IDs and PEM forms from the keys', (t) => {
  for (const k of Object.values(keys)) {
    const publicKey = nobleSuite.signer(hex(k['seed'])).publicKey;
    same(t, toHex(publicKey), k['publicKey']);
    same(t, toHex(keyIdOf(publicKey)), k['keyId']);
    same(t, formatId('key', keyIdOf(publicKey)), k['keyIdText']);
    same(t, k['spkiDer'], '302a300506032b6570032100' + toHex(publicKey));
    const der = Buffer.from(str(k['spkiDer']), 'hex').toString('base64');
    same(t, k['pem'], `-----BEGIN PUBLIC KEY-----\n${der}\n-----END PUBLIC KEY-----\n`);
  }
});

const ANY_LENGTH = { what: 'code', minGroups: 1, maxGroups: 200 } as const;

test('typed-code vectors encode to their text and compact form and decode back', (t) => {
  const file = load('typed-code.json');
  for (const v of list(file, 'good')) {
    const bytes = hex(v['hex']);
    same(t, encodeTyped(bytes), v['text']);
    same(t, encodeCompact(bytes), v['compact']);
    same(t, decodeTyped(v['text'], ANY_LENGTH), bytes);
  }
  for (const f of file['forgiven'] as Obj[]) {
    same(t, decodeTyped(f['typed'], ANY_LENGTH), decodeTyped(f['means'], ANY_LENGTH));
  }
});

test('the worked examples of the check character agree with checkCharacter', (t) => {
  const file = load('typed-code.json');
  for (const key of ['workedExample', 'workedExampleLaterGroup']) {
    const w = file[key] as Obj;
    same(t, checkCharacter(str(w['data']), num(w['groupNumber'])), w['check']);
    same(t, encodeCompact(hex(w['bytes'])), w['data']);
  }
  same(t, file['weights'], [2, 4, 8, 16, 5, 10, 20, 13]);
  same(t, file['groupWeight'], 26);
});

test('duration vectors encode and decode to their values; non-canonical values are refused', (t) => {
  const file = load('duration.json');
  for (const v of list(file, 'good')) {
    const value = parseInt(str(v['value']), 16);
    same(t, encodeDuration(num(v['seconds'])), value);
    same(t, decodeDuration(value, 'duration'), v['decodedSeconds']);
  }
  for (const v of list(file, 'bad')) {
    const error = t.throws(() => decodeDuration(parseInt(str(v['value']), 16), 'duration'));
    same(t, (error as AirlockError).code, v['code'] as ErrorCode, str(v['description']));
  }
});

test('fingerprint vectors are what computeFingerprint and matchFingerprint give', (t) => {
  const file = load('fingerprint.json');
  for (const v of list(file, 'good')) {
    const components = Object.fromEntries(
      Object.entries(v['components'] as Record<string, string | null>).filter(
        (e): e is [string, string] => e[1] !== null,
      ),
    );
    const fp = computeFingerprint(str(v['product']), components);
    same(t, toHex(fp), v['fingerprint']);
    same(t, formatId('fingerprint', fp), v['fingerprintText']);
    same(
      t,
      str(v['hmacKeyInput']),
      toHex(
        concatBytes(utf8('airlock-fingerprint-v1'), new Uint8Array([0]), utf8(str(v['product']))),
      ),
    );
  }
  for (const m of file['matches'] as Obj[]) {
    const result = matchFingerprint(hex(m['reference']), hex(m['candidate']));
    same(t, result, { matches: m['matches'], present: m['present'], equal: m['equal'] });
  }
});

// ---------------------------------------------------------------------------------------------
// §6 License keys

function licenseFieldsOf(f: Obj): LicenseFields {
  return {
    licenseId: hex(f['licenseId']),
    type: f['type'] as LicenseFields['type'],
    issuedAt: num(f['issuedAt']),
    expiresAt: f['expiresAt'] as number | null,
    seats: num(f['seats']),
    leaseSeconds: num(f['leaseSeconds']),
    graceSeconds: num(f['graceSeconds']),
    product: str(f['product']),
    features: f['features'] as string[],
    ...(f['fingerprint'] !== null ? { fingerprint: hex(f['fingerprint']) } : {}),
    ...(f['user'] !== null ? { user: str(f['user']) } : {}),
  };
}

for (const v of list(load('license-key.json'), 'good')) {
  test(`license key "${str(v['name'])}" decodes, re-encodes and verifies`, (t) => {
    const key = verifyLicense(v);
    const fields = licenseFieldsOf(v['fields'] as Obj);
    const { vendorKeyId, bytes, ...parsed } = key;
    same(t, parsed, {
      ...fields,
      fingerprint: fields.fingerprint,
      user: fields.user,
    });
    same(t, toHex(vendorKeyId), v['vendorKeyId']);
    same(t, toHex(bytes), v['hex']);
    same(t, formatId('license', key.licenseId), v['licenseIdText']);
    same(t, bytes.length / 5, v['groups']);
    same(t, licenseKeyText(key), v['text']);
    same(t, issueLicense(fields, signerFor(v['publicKey'])).bytes, bytes);
    const body = bytes.subarray(0, bytes.length - 64);
    checkSignature(t, v, signingInput('license', body), hex(v['publicKey']));
  });
}
badVectors('license-key.json', 'A license key', verifyLicense);

// ---------------------------------------------------------------------------------------------
// §7 Appliance certificates

for (const v of list(load('certificate.json'), 'good')) {
  test(`certificate "${str(v['name'])}" decodes, re-encodes and verifies`, (t) => {
    const cert = verifyCertificate(v);
    const f = v['fields'] as Obj;
    same(t, toHex(cert.applianceId), f['applianceId']);
    same(t, toHex(cert.publicKey), f['publicKey']);
    same(t, cert.notAfter, f['notAfter']);
    same(t, cert.seatQuota, f['seatQuota']);
    const product = f['product'] as string | null;
    same(t, cert.productTag === null ? null : toHex(cert.productTag), v['productTag']);
    same(t, product === null ? null : toHex(productTag(product)), v['productTag']);
    same(t, toHex(cert.certificateId), v['certificateId']);
    same(t, toHex(sha256(cert.bytes).subarray(0, 8)), v['certificateId']);
    same(t, formatId('certificate', cert.certificateId), v['certificateIdText']);
    same(t, formatId('appliance', cert.applianceId), v['applianceIdText']);
    same(t, toHex(cert.vendorKeyId), v['vendorKeyId']);
    same(t, toHex(cert.bytes), v['hex']);
    same(t, certificateText(cert), v['text']);
    same(t, certificateCompact(cert), v['compact']);
    same(t, decodeCertificate(v['compact']), cert);
    same(t, parseCertificate(hex(v['hex'])), cert);
    const reissued = issueCertificate(
      {
        applianceId: hex(f['applianceId']),
        publicKey: hex(f['publicKey']),
        notAfter: num(f['notAfter']),
        seatQuota: num(f['seatQuota']),
        product,
      },
      signerFor(v['publicKey']),
    );
    same(t, reissued.bytes, cert.bytes);
    checkSignature(t, v, signingInput('certificate', cert.bytes.subarray(0, 51)), vendorPublicKey);
  });
}
badVectors('certificate.json', 'A certificate', verifyCertificate);

// ---------------------------------------------------------------------------------------------
// §8 Challenges

for (const v of list(load('challenge.json'), 'good')) {
  test(`challenge "${str(v['name'])}" decodes and re-encodes`, (t) => {
    const ch = readChallenge(v);
    const f = v['fields'] as Obj;
    const fields = {
      licenseId: hex(f['licenseId']),
      fingerprint: hex(f['fingerprint']),
      nonce: hex(f['nonce']),
      clientTime: num(f['clientTime']),
      commitment: hex(f['commitment']),
    };
    same(t, ch, { ...fields, bytes: hex(v['hex']) });
    same(t, encodeChallenge(fields), ch);
    same(t, challengeText(ch), v['text']);
    same(t, parseChallenge(hex(v['hex'])), ch);
    same(t, toHex(commitmentOf(hex(v['secret']))), f['commitment']);
    same(t, toHex(sha256(hex(v['commitmentInput'])).subarray(0, 16)), f['commitment']);
    same(t, toHex(challengeTag(ch.bytes)), v['challengeTag']);
    same(t, toHex(sha256(ch.bytes).subarray(0, 2)), v['challengeTag']);
  });
}
badVectors('challenge.json', 'A challenge', readChallenge);

// ---------------------------------------------------------------------------------------------
// §9 Responses

for (const v of list(load('response.json'), 'good')) {
  test(`response "${str(v['name'])}" decodes, re-encodes and verifies`, (t) => {
    const { response } = verifyResponse(v);
    const f = v['fields'] as Obj;
    same(t, toHex(response.challengeTag), f['challengeTag']);
    same(t, response.activationId, f['activationId']);
    same(t, response.leaseSeconds, f['leaseSeconds']);
    same(t, response.featureMask, f['featureMask']);
    same(t, toHex(response.bytes), v['hex']);
    same(t, responseText(response), v['text']);
    same(t, encodeCompact(response.bytes), v['compact']);
    const challenge = decodeChallenge(v['challenge']);
    same(t, toHex(challenge.bytes), v['challengeHex']);
    same(
      t,
      v['leaseEndsAt'],
      response.leaseSeconds === 0 ? null : challenge.clientTime + response.leaseSeconds,
    );
    const cert = decodeCertificate(v['certificate']);
    same(t, toHex(cert.publicKey), v['appliancePublicKey']);
    const resigned = signResponse(
      challenge,
      {
        activationId: response.activationId,
        leaseSeconds: response.leaseSeconds,
        featureMask: response.featureMask,
      },
      signerFor(v['appliancePublicKey']),
    );
    same(t, resigned.bytes, response.bytes);
    if (v['combined'] !== null) {
      same(t, combinedResponseText(response, cert), v['combined']);
      const combined = verifyResponse({ ...v, text: v['combined'] });
      same(t, combined.response, response);
      same(t, combined.certificate, cert);
    }
    checkSignature(
      t,
      v,
      signingInput('response', challenge.bytes, response.bytes.subarray(0, 11)),
      cert.publicKey,
    );
  });
}
badVectors('response.json', 'A response', verifyResponse);

// ---------------------------------------------------------------------------------------------
// §10 Deactivation codes

for (const v of list(load('deactivation.json'), 'good')) {
  test(`deactivation code "${str(v['name'])}" decodes, re-encodes and proves its commitment`, (t) => {
    const d = verifyDeactivation(v);
    const f = v['fields'] as Obj;
    const fields = {
      applianceId: hex(f['applianceId']),
      activationId: num(f['activationId']),
      secret: hex(f['secret']),
      clientTime: num(f['clientTime']),
      reason: f['reason'] as Deactivation['reason'],
    };
    same(t, d, { ...fields, bytes: hex(v['hex']) });
    same(t, encodeDeactivation(fields), d);
    same(t, deactivationText(d), v['text']);
    same(t, decodeChallenge(v['challenge']).commitment, hex(v['commitment']));
  });
}
badVectors('deactivation.json', 'A deactivation code', verifyDeactivation);

// ---------------------------------------------------------------------------------------------
// §11 Revocation bundles

for (const v of list(load('revocation-bundle.json'), 'good')) {
  test(`revocation bundle "${str(v['name'])}" parses, re-encodes and verifies`, (t) => {
    const bundle = verifyBundle(v);
    const f = v['fields'] as Obj;
    const contents: BundleContents = {
      issuer: f['issuer'] as BundleContents['issuer'],
      sequence: num(f['sequence']),
      baseSequence: num(f['baseSequence']),
      issuedAt: num(f['issuedAt']),
      nextUpdate: num(f['nextUpdate']),
      licenses: (f['licenses'] as Obj[]).map((l) => ({
        licenseId: hex(l['licenseId']),
        revokedAt: num(l['revokedAt']),
        reason: l['reason'] as 'unspecified',
      })),
      activations: (f['activations'] as Obj[]).map((a) => ({
        applianceId: hex(a['applianceId']),
        activationId: num(a['activationId']),
        revokedAt: num(a['revokedAt']),
        reason: a['reason'] as 'unspecified',
      })),
      certificates: (f['certificates'] as Obj[]).map((c) => ({
        certificateId: hex(c['certificateId']),
        revokedAt: num(c['revokedAt']),
        reason: c['reason'] as 'unspecified',
      })),
    };
    const { signerKeyId, certificate, bytes, ...parsed } = bundle;
    same(t, parsed, contents);
    same(t, toHex(signerKeyId), v['signerKeyId']);
    same(t, toHex(bytes), v['hex']);
    same(t, bytes.length, v['length']);
    const cert = v['certificate'] === null ? undefined : decodeCertificate(v['certificate']);
    same(t, certificate, cert);
    same(t, signBundle(contents, signerFor(v['publicKey']), cert).bytes, bytes);
    checkSignature(
      t,
      v,
      signingInput('revocations', bytes.subarray(0, bytes.length - 64)),
      hex(v['publicKey']),
    );
  });
}
badVectors('revocation-bundle.json', 'A revocation bundle', verifyBundle);

// ---------------------------------------------------------------------------------------------
// §16 Root hand-overs

/** §16.2: framing, then the signer (retired, pinned, signature), then the new root not retired. */
function verifyHandover(v: Obj): RootHandover {
  const retired = ((v['retired'] as string[] | undefined) ?? []).map(hex);
  const isRetired = (keyId: Uint8Array) => retired.some((k) => equalBytes(k, keyId));
  const handover = at('decode', () =>
    v['text'] !== undefined ? decodeRootHandover(v['text']) : parseRootHandover(hex(v['hex'])),
  );
  if (isRetired(handover.signerKeyId)) refuse('signature', 'REVOKED');
  const root = at('signature', () => trustedKey(handover.signerKeyId));
  if (!verifyRootHandoverSignature(handover, root, nobleSuite)) {
    refuse('signature', 'SIGNATURE_INVALID');
  }
  if (isRetired(handover.newKeyId)) refuse('import', 'REVOKED');
  return handover;
}

for (const v of list(load('root-handover.json'), 'good')) {
  test(`root hand-over "${str(v['name'])}" decodes, re-encodes and verifies`, (t) => {
    const handover = verifyHandover(v);
    const f = v['fields'] as Obj;
    same(t, toHex(handover.newPublicKey), f['newPublicKey']);
    same(t, handover.issuedAt, f['issuedAt']);
    same(t, handover.retiresSigner, f['retiresSigner']);
    same(t, toHex(handover.signerKeyId), v['signerKeyId']);
    same(t, toHex(handover.newKeyId), v['newKeyId']);
    same(t, toHex(keyIdOf(handover.newPublicKey)), v['newKeyId']);
    same(t, formatId('key', handover.newKeyId), v['newKeyIdText']);
    same(t, toHex(handover.bytes), v['hex']);
    same(t, rootHandoverText(handover), v['text']);
    same(t, rootHandoverCompact(handover), v['compact']);
    same(t, decodeRootHandover(v['compact']), handover);
    same(t, parseRootHandover(hex(v['hex'])), handover);
    const reissued = issueRootHandover(
      {
        newPublicKey: hex(f['newPublicKey']),
        issuedAt: num(f['issuedAt']),
        retiresSigner: f['retiresSigner'] as boolean,
      },
      signerFor(v['publicKey']),
    );
    same(t, reissued.bytes, handover.bytes);
    checkSignature(
      t,
      v,
      signingInput('rootHandover', handover.bytes.subarray(0, 46)),
      vendorPublicKey,
    );
  });
}
badVectors('root-handover.json', 'A root hand-over', verifyHandover);
