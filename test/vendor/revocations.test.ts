// The vendor's revocation register (src/vendor/revocations.ts): revocations as outcomes, bundle
// sequences that never repeat (even after a failed write), and deltas that, applied onto their
// base by the client SDK, hold exactly what a full bundle holds.

import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { AirlockError } from '../../src/core/errors.ts';
import { parseBundle } from '../../src/core/formats/revocation-bundle.ts';
import { formatId } from '../../src/core/ids.ts';
import { importRevocations } from '../../src/sdk/import-revocations.ts';
import { type ClientState, emptyState } from '../../src/sdk/state.ts';
import { readRegister, REVOCATIONS_FILE } from '../../src/vendor/revocation-register.ts';
import {
  publish,
  type PublishOptions,
  reasonFromText,
  revoke,
} from '../../src/vendor/revocations.ts';
import { initVendor, openVendor, type Vendor } from '../../src/vendor/vendor-dir.ts';

const T0 = 1_799_971_200;
const DAY = 86400;
const random = (n: number) => new Uint8Array(randomBytes(n));
const lic = (n: number) => `lic_${n.toString(16).padStart(16, '0')}`;
const crt = (n: number) => `crt_${n.toString(16).padStart(16, '0')}`;

async function givenVendor(t: ExecutionContext): Promise<{ vendor: Vendor; dir: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'airlock-vendor-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  await initVendor(join(dir, 'vendor'), { random });
  return { vendor: await openVendor(join(dir, 'vendor')), dir };
}

function publishing(dir: string, name: string, extra: Partial<PublishOptions> = {}) {
  return { now: T0, nextUpdateSeconds: 30 * DAY, out: join(dir, name), ...extra };
}

/** A client's view after importing these bundle files in order: revoked IDs of the vendor stream. */
async function imported(
  vendor: Vendor,
  files: readonly string[],
): Promise<{ licenses: string[]; certificates: string[]; sequence: number }> {
  let state: ClientState = emptyState();
  for (const file of files) {
    state = importRevocations(state, new Uint8Array(await readFile(file)), {
      trust: vendor.trust,
      now: T0 + DAY,
      fingerprintFor: () => new Uint8Array(8),
    }).state;
  }
  const stream = state.revocations['vendor']!;
  return {
    licenses: Object.keys(stream.licenses).map((hex) => `lic_${hex}`),
    certificates: Object.keys(stream.certificates).map((hex) => `crt_${hex}`),
    sequence: stream.sequence,
  };
}

test('revoking records the ID once: the second time is an outcome and changes nothing', async (t) => {
  const { vendor } = await givenVendor(t);
  const first = await revoke(vendor.dir, 'LIC_00000000000000AA', {
    reason: 'Lost-or-Stolen',
    now: T0,
  });
  t.like(first, {
    outcome: 'revoked',
    kind: 'license',
    entry: { id: lic(0xaa), revokedAt: T0, reason: 'lost-or-stolen', published: null },
  });
  const again = await revoke(vendor.dir, lic(0xaa), { reason: 'fraud', now: T0 + DAY });
  t.deepEqual(again, { ...first, outcome: 'already-revoked' });
  const cert = await revoke(vendor.dir, crt(0xbb), {
    reason: 'appliance stolen from site 4',
    now: T0,
  });
  t.like(cert, {
    kind: 'certificate',
    entry: { reason: 'unspecified', note: 'appliance stolen from site 4' },
  });
  const register = await readRegister(vendor.dir);
  t.deepEqual(
    register.licenses.map((e) => e.id),
    [lic(0xaa)],
  );
  t.deepEqual(
    register.certificates.map((e) => e.id),
    [crt(0xbb)],
  );
  t.deepEqual(register.bundles, []);
});

test('what revoke refuses: IDs of other kinds, a bad reason, a directory that is no vendor', async (t) => {
  const { vendor, dir } = await givenVendor(t);
  const refused = async (id: string, reason: string, code: string, where = vendor.dir) => {
    const error = await t.throwsAsync(revoke(where, id, { reason, now: T0 }), {
      instanceOf: AirlockError,
    });
    t.is(error.code as string, code, error.message);
    return error;
  };
  // Without its prefix, 16 hex digits could be a license or a certificate.
  await refused('00000000000000aa', 'fraud', 'FORMAT_INVALID');
  t.regex((await refused('apl_0a0b0c0d', 'fraud', 'FORMAT_INVALID')).message, /certificate/);
  await refused('lic_12', 'fraud', 'FORMAT_INVALID');
  await refused(lic(1), '   ', 'USAGE');
  await refused(lic(1), 'x'.repeat(501), 'USAGE');
  await refused(lic(1), 'line one\nline two', 'USAGE');
  await refused(lic(1), 'fraud', 'FILE_NOT_FOUND', dir);
  t.deepEqual(reasonFromText(' RETIRED '), { reason: 'retired' });
  t.deepEqual(reasonFromText('refund'), { reason: 'unspecified', note: 'refund' });
});

test('sequences count up from 1, and the bundle holds what the register holds', async (t) => {
  const { vendor, dir } = await givenVendor(t);
  await revoke(vendor.dir, lic(2), { reason: 'non-payment', now: T0 - DAY });
  await revoke(vendor.dir, crt(3), { reason: 'key-compromise', now: T0 - DAY });
  const first = await publish(vendor, publishing(dir, 'one.bundle'));
  t.like(first, {
    sequence: 1,
    baseSequence: 0,
    scope: 'full',
    issuedAt: T0,
    nextUpdate: T0 + 30 * DAY,
    counts: { licenses: 1, certificates: 1 },
  });
  const bundle = parseBundle(new Uint8Array(await readFile(join(dir, 'one.bundle'))));
  t.deepEqual(bundle.bytes, first.bytes);
  t.like(bundle, { issuer: 'vendor', sequence: 1, baseSequence: 0 });
  t.is(formatId('license', bundle.licenses[0]!.licenseId), lic(2));
  t.like(bundle.licenses[0], { revokedAt: T0 - DAY, reason: 'non-payment' });
  t.is(formatId('certificate', bundle.certificates[0]!.certificateId), crt(3));
  t.like(bundle.certificates[0], { reason: 'key-compromise' });
  t.is((await publish(vendor, publishing(dir, 'two.bundle'))).sequence, 2);
  const register = await readRegister(vendor.dir);
  t.deepEqual(
    register.bundles.map((b) => [b.sequence, b.written]),
    [
      [1, true],
      [2, true],
    ],
  );
  t.is(register.licenses[0]!.published, 1);
});

test('deltas applied onto their base hold exactly what the full bundle holds', async (t) => {
  const { vendor, dir } = await givenVendor(t);
  const file = (n: number) => join(dir, `${n}.bundle`);
  const step = async (n: number, deltaSince?: number) =>
    publish(vendor, publishing(dir, `${n}.bundle`, deltaSince ? { deltaSince } : {}));
  await revoke(vendor.dir, lic(1), { reason: 'fraud', now: T0 });
  await step(1); // full: lic 1
  await revoke(vendor.dir, lic(2), { reason: 'fraud', now: T0 });
  t.like(await step(2, 1), { scope: 'delta', baseSequence: 1, counts: { licenses: 1 } });
  await revoke(vendor.dir, crt(3), { reason: 'retired', now: T0 });
  await revoke(vendor.dir, lic(0), { reason: 'retired', now: T0 });
  t.like(await step(3, 1), { counts: { licenses: 2, certificates: 1 } }); // lic 2, lic 0, crt 3
  t.like(await step(4, 2), { counts: { licenses: 1, certificates: 1 } }); // lic 0, crt 3
  t.like(await step(5, 4), { counts: { licenses: 0, certificates: 0 } }); // nothing new
  t.like(await step(6), { scope: 'full', counts: { licenses: 3, certificates: 1 } });

  const full = await imported(vendor, [file(6)]);
  t.deepEqual(full.licenses.sort(), [lic(0), lic(1), lic(2)]);
  t.deepEqual(full.certificates, [crt(3)]);
  for (const chain of [
    [1, 3],
    [1, 2, 4],
    [1, 2, 4, 5],
  ]) {
    const view = await imported(vendor, chain.map(file));
    t.deepEqual(view.licenses.sort(), full.licenses, `chain ${chain.join(' → ')}`);
    t.deepEqual(view.certificates, full.certificates);
  }
  // A delta onto a sequence the machine does not hold is the client's BUNDLE_BASE_MISMATCH.
  await t.throwsAsync(imported(vendor, [file(1), file(4)]), { code: 'BUNDLE_BASE_MISMATCH' });
});

test('a delta onto a sequence never published is refused, and nothing is recorded', async (t) => {
  const { vendor, dir } = await givenVendor(t);
  const none = await t.throwsAsync(
    publish(vendor, publishing(dir, 'x.bundle', { deltaSince: 1 })),
    {
      instanceOf: AirlockError,
    },
  );
  t.is(none.code, 'BUNDLE_BASE_MISMATCH');
  t.regex(none.message, /none has been published/);
  await publish(vendor, publishing(dir, 'one.bundle'));
  const unknown = await t.throwsAsync(
    publish(vendor, publishing(dir, 'x.bundle', { deltaSince: 7 })),
    { instanceOf: AirlockError },
  );
  t.is(unknown.code, 'BUNDLE_BASE_MISMATCH');
  t.regex(unknown.message, /sequence 7.*published: 1 to 1/);
  t.is((await readRegister(vendor.dir)).bundles.length, 1);
});

test('a publish whose file write fails has used its sequence: the next one is higher', async (t) => {
  const { vendor, dir } = await givenVendor(t);
  await revoke(vendor.dir, lic(1), { reason: 'fraud', now: T0 });
  await publish(vendor, publishing(dir, 'one.bundle'));
  await revoke(vendor.dir, lic(2), { reason: 'fraud', now: T0 });
  // The USB stick was pulled: the directory is gone.
  await t.throwsAsync(publish(vendor, publishing(dir, join('gone', 'two.bundle'))), {
    code: 'FILE_NOT_FOUND',
  });
  const register = await readRegister(vendor.dir);
  t.deepEqual(register.bundles.at(-1), {
    ...register.bundles.at(-1)!,
    sequence: 2,
    written: false,
  });
  const third = await publish(vendor, publishing(dir, 'three.bundle', { deltaSince: 1 }));
  t.like(third, { sequence: 3, baseSequence: 1, counts: { licenses: 1 } });
  // No machine holds sequence 2, so no delta builds on it.
  await t.throwsAsync(publish(vendor, publishing(dir, 'x.bundle', { deltaSince: 2 })), {
    code: 'BUNDLE_BASE_MISMATCH',
    message: /never written/,
  });
  const view = await imported(vendor, [join(dir, 'one.bundle'), join(dir, 'three.bundle')]);
  t.deepEqual(view.licenses.sort(), [lic(1), lic(2)]);
  t.is(view.sequence, 3);
  t.deepEqual(
    (await readRegister(vendor.dir)).bundles.map((b) => [b.sequence, b.written]),
    [
      [1, true],
      [2, false],
      [3, true],
    ],
  );
});

test('the register is readable JSON, and a damaged one is refused rather than overwritten', async (t) => {
  const { vendor, dir } = await givenVendor(t);
  await revoke(vendor.dir, lic(1), { reason: 'fraud', now: T0 });
  const path = join(vendor.dir, REVOCATIONS_FILE);
  const text = await readFile(path, 'utf8');
  t.like(JSON.parse(text), { format: 'airlock-vendor-revocations/v1' });
  t.regex(
    text,
    /^ {4}\{"id":"lic_0000000000000001","revokedAt":\d+,"reason":"fraud","published":null\}$/m,
  );
  for (const damaged of [
    text.slice(0, 40),
    text.replace('"fraud"', '"mischief"'),
    text.replace('"published":null', '"published":3'),
    text.replace('airlock-vendor-revocations/v1', 'airlock-vendor-revocations/v9'),
  ]) {
    await writeFile(path, damaged);
    await t.throwsAsync(revoke(vendor.dir, lic(2), { reason: 'fraud', now: T0 }), {
      code: 'FORMAT_INVALID',
    });
    await t.throwsAsync(publish(vendor, publishing(dir, 'x.bundle')), { code: 'FORMAT_INVALID' });
    t.is(await readFile(path, 'utf8'), damaged);
  }
});

test('one writer at a time: a vendor directory held by another process refuses, naming it', async (t) => {
  const { vendor, dir } = await givenVendor(t);
  const { acquireLock } = await import('../../src/ledger/lock.ts');
  const held = await acquireLock(vendor.dir, {
    purpose: 'another publish',
    what: 'The vendor directory',
  });
  const before = await readFile(join(vendor.dir, REVOCATIONS_FILE)).catch(() => undefined);
  const refused = await t.throwsAsync(revoke(vendor.dir, lic(7), { reason: 'fraud', now: T0 }), {
    instanceOf: AirlockError,
  });
  t.is(refused?.code, 'LEDGER_LOCKED');
  t.regex(refused!.message, /The vendor directory .* is in use by process \d+ .*another publish/);
  await t.throwsAsync(publish(vendor, publishing(dir, 'b.revocations')), { code: 'LEDGER_LOCKED' });
  t.deepEqual(await readFile(join(vendor.dir, REVOCATIONS_FILE)).catch(() => undefined), before);
  await held.release();
  t.is((await revoke(vendor.dir, lic(7), { reason: 'fraud', now: T0 })).outcome, 'revoked');
  // Concurrent publishes in one process take their turns or are refused: never one sequence twice.
  const results = await Promise.allSettled([
    publish(vendor, publishing(dir, 'c.revocations')),
    publish(vendor, publishing(dir, 'd.revocations')),
  ]);
  const sequences = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value.sequence] : []));
  t.is(new Set(sequences).size, sequences.length);
});
