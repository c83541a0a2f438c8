// The appliance key's rotation on its data directory (src/appliance/key-rotation.ts): a rotation
// cut short between its steps leaves a directory that opens with a key and that key's own
// certificate, and a certificate of another key is refused rather than signed under.

import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { equalBytes } from '../../src/core/bytes.ts';
import { AirlockError } from '../../src/core/errors.ts';
import { certificateText } from '../../src/core/formats/certificate.ts';
import {
  DATA_FILES,
  initApplianceDir,
  openApplianceDir,
  standaloneCertificate,
} from '../../src/appliance/data-dir.ts';
import { installCertificate, rotateApplianceKey } from '../../src/appliance/key-rotation.ts';
import { nodeSuite } from '../../src/node/ed25519.ts';
import { writeKeyFile } from '../../src/node/key-file.ts';
import { openVendor } from '../../src/vendor/vendor-dir.ts';

const NOW = 1_800_000_000;
const random = (n: number) => new Uint8Array(randomBytes(n));

async function standalone(t: ExecutionContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'airlock-rotate-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  await initApplianceDir(dir, { now: NOW });
  return dir;
}

/** A new key and its certificate, as a rotation makes them, left in the files of step `upTo`. */
async function cutShort(dir: string, upTo: 'next-cert' | 'key-renamed') {
  const identity = await openApplianceDir(dir);
  const vendor = await openVendor(join(dir, DATA_FILES.vendor));
  const seed = random(32);
  const publicKey = nodeSuite.signer(seed).publicKey;
  const cert = standaloneCertificate(vendor, identity.applianceId, publicKey, NOW);
  await writeKeyFile(join(dir, DATA_FILES.nextKey), seed, { label: 'airlock appliance' });
  await writeFile(join(dir, DATA_FILES.nextCertificate), `${certificateText(cert)}\n`);
  if (upTo === 'key-renamed') {
    await rename(join(dir, DATA_FILES.nextKey), join(dir, DATA_FILES.key));
  }
  return { before: identity, publicKey, cert };
}

test('cut short before the switch, the old key and its certificate are in use', async (t) => {
  const dir = await standalone(t);
  const { before } = await cutShort(dir, 'next-cert');
  const identity = await openApplianceDir(dir);
  t.true(equalBytes(identity.signer.publicKey, before.signer.publicKey));
  t.deepEqual(identity.certificate, before.certificate);
});

test('cut short after the new key took its place, its certificate is moved into place', async (t) => {
  const dir = await standalone(t);
  const { publicKey, cert } = await cutShort(dir, 'key-renamed');
  const identity = await openApplianceDir(dir);
  t.true(equalBytes(identity.signer.publicKey, publicKey));
  t.deepEqual(identity.certificate?.bytes, cert.bytes);
  t.is(await readFile(join(dir, DATA_FILES.certificate), 'utf8'), `${certificateText(cert)}\n`);
  await t.throwsAsync(stat(join(dir, DATA_FILES.nextCertificate)), { code: 'ENOENT' });
});

test('a certificate of another key than the appliance key is refused, not signed under', async (t) => {
  const dir = await standalone(t);
  const other = await standalone(t);
  await writeFile(
    join(dir, DATA_FILES.certificate),
    await readFile(join(other, DATA_FILES.certificate)),
  );
  const error = await t.throwsAsync(openApplianceDir(dir), { instanceOf: AirlockError });
  t.is(error?.code, 'KEY_FILE_INVALID');
  t.regex(error!.message, /certifies another key/);
});

test('a standalone rotation keeps the appliance ID and the old key, and installs nothing twice', async (t) => {
  const dir = await standalone(t);
  const before = await openApplianceDir(dir);
  const rotated = await rotateApplianceKey(dir, { now: NOW, random });
  const after = await openApplianceDir(dir);
  t.deepEqual(after.applianceId, before.applianceId);
  t.false(equalBytes(after.signer.publicKey, before.signer.publicKey));
  t.deepEqual(after.certificate?.bytes, rotated.certificate?.bytes);
  t.true((await stat(join(dir, DATA_FILES.retired, `${rotated.oldKeyId}.key`))).isFile());
  // The old certificate is not the appliance's any more: installing it again is refused.
  const error = await t.throwsAsync(
    installCertificate(dir, certificateText(before.certificate!), { now: NOW }),
    { instanceOf: AirlockError },
  );
  t.is(error?.code, 'CERTIFICATE_UNKNOWN');
});
