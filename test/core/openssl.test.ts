// An independent check of our Ed25519 signatures (docs/FORMATS.md §4, §12): OpenSSL verifies the
// signing input of every signed good vector against the raw public key wrapped as SPKI PEM, and
// refuses the same signature with one bit flipped or with S replaced by S + L.

import test, { type ExecutionContext } from 'ava';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fromHex } from '../../src/core/bytes.ts';

const VECTORS = new URL('../vectors/', import.meta.url);
/** DER of an Ed25519 SubjectPublicKeyInfo up to the key (RFC 8410): the raw 32 bytes follow. */
const SPKI_PREFIX = '302a300506032b6570032100';
const L = (1n << 252n) + 27742317777372353535851937790883648493n;

function openssl(args: readonly string[]): { ok: boolean; output: string } {
  try {
    const out = execFileSync('openssl', args, {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return { ok: true, output: out };
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string };
    return { ok: false, output: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

const available = (() => {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

function skip(t: ExecutionContext): void {
  t.log('openssl is not installed: this independent check was skipped');
  t.pass();
}

function bytes(hex: unknown): Buffer {
  if (typeof hex !== 'string' || fromHex(hex) === undefined) throw new Error('not hex');
  return Buffer.from(hex, 'hex');
}

function pem(publicKeyHex: string): string {
  const der = Buffer.from(SPKI_PREFIX + publicKeyHex, 'hex').toString('base64');
  return `-----BEGIN PUBLIC KEY-----\n${der}\n-----END PUBLIC KEY-----\n`;
}

interface Signed {
  readonly file: string;
  readonly name: string;
  readonly publicKey: string;
  readonly input: Buffer;
  readonly signature: Buffer;
}

function signedVectors(): Signed[] {
  const keyField: Record<string, string> = {
    'license-key.json': 'publicKey',
    'certificate.json': 'publicKey',
    'response.json': 'appliancePublicKey',
    'revocation-bundle.json': 'publicKey',
    'root-handover.json': 'publicKey',
  };
  return Object.entries(keyField).flatMap(([file, field]) => {
    const json = JSON.parse(readFileSync(new URL(file, VECTORS), 'utf8')) as {
      good: Record<string, unknown>[];
    };
    return json.good.map((v) => ({
      file,
      name: String(v['name']),
      publicKey: String(v[field]),
      input: bytes(v['signingInput']),
      signature: bytes(v['signature']),
    }));
  });
}

/** Writes pub.pem, input.bin and sig.bin and runs the command line of docs/FORMATS.md §4.4. */
function verifyWithOpenssl(
  dir: string,
  v: Signed,
  signature: Buffer,
): { ok: boolean; output: string } {
  writeFileSync(join(dir, 'pub.pem'), pem(v.publicKey));
  writeFileSync(join(dir, 'input.bin'), v.input);
  writeFileSync(join(dir, 'sig.bin'), signature);
  return openssl([
    'pkeyutl',
    '-verify',
    '-pubin',
    '-inkey',
    join(dir, 'pub.pem'),
    '-rawin',
    '-in',
    join(dir, 'input.bin'),
    '-sigfile',
    join(dir, 'sig.bin'),
  ]);
}

function sPlusL(signature: Buffer): Buffer {
  let s = 0n;
  for (let i = 63; i >= 32; i--) s = (s << 8n) | BigInt(signature[i]!);
  s += L;
  const out = Buffer.from(signature);
  for (let i = 32; i < 64; i++) {
    out[i] = Number(s & 0xffn);
    s >>= 8n;
  }
  return out;
}

for (const v of signedVectors()) {
  test(`OpenSSL verifies the signature of ${v.file} "${v.name}" and refuses it altered`, (t) => {
    if (!available) return skip(t);
    const dir = mkdtempSync(join(tmpdir(), 'airlock-openssl-'));
    try {
      const good = verifyWithOpenssl(dir, v, v.signature);
      t.true(good.ok, good.output);
      t.regex(good.output, /Signature Verified Successfully/);

      const flipped = Buffer.from(v.signature);
      flipped[17] = flipped[17]! ^ 0x01;
      const bad = verifyWithOpenssl(dir, v, flipped);
      t.false(bad.ok, 'a flipped bit must not verify');
      t.regex(bad.output, /Signature Verification Failure/);

      const malleated = verifyWithOpenssl(dir, v, sPlusL(v.signature));
      t.false(malleated.ok, 'S + L must not verify (RFC 8032 strict)');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test('OpenSSL reads the documented SPKI prefix as an Ed25519 public key', (t) => {
  if (!available) return skip(t);
  const keys = JSON.parse(readFileSync(new URL('keys.json', VECTORS), 'utf8')) as {
    keys: Record<string, { publicKey: string }>;
  };
  const dir = mkdtempSync(join(tmpdir(), 'airlock-openssl-'));
  try {
    const publicKey = keys.keys['vendor']!.publicKey;
    writeFileSync(join(dir, 'pub.pem'), pem(publicKey));
    const text = openssl(['pkey', '-pubin', '-in', join(dir, 'pub.pem'), '-noout', '-text']);
    t.true(text.ok, text.output);
    t.regex(text.output, /ED25519 Public-Key/);
    t.is(text.output.replace(/[^0-9a-f]/g, '').slice(-64), publicKey);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
