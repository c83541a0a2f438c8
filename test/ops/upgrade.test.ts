// Data format upgrades: a data directory made by airlock 0.1.0 before the format marker (the
// fixture format-1.tar, made with `airlock appliance init`, `license add`, three `respond`s and a
// `token create` at commit 725f8d6, its data directory chmod 755 by hand, a temp file of an
// interrupted write added) is refused until `airlock upgrade`, then works; upgrading twice changes
// nothing; a crash after any step leaves the old format or the new, and running it again finishes.

import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import test, { type ExecutionContext } from 'ava';
import { DATA_FORMAT, readDataFormat } from '../../src/appliance/data-format.ts';
import { inspectLock, verifyLedger } from '../../src/ledger/index.ts';
import { formatOneToTwo, migrationsFrom, type DataFacts } from '../../src/ops/migrations.ts';
import { restoreBackup } from '../../src/ops/restore.ts';
import { upgradeDataDir } from '../../src/ops/upgrade.ts';
import { run } from '../cli/helpers.ts';
import { cli } from './helpers.ts';

const FIXTURE = resolve(import.meta.dirname, 'fixtures/format-1.tar');
const NOW = 1_799_971_200;
const restoring = { now: NOW + 3600, airlockVersion: '0.2.0' };
const options = { now: NOW, airlockVersion: '0.2.0', tlsConfigured: false, tlsHosts: [] };

/** The fixture unpacked into a fresh temporary directory: ROOT/data. */
async function formatOne(t: ExecutionContext): Promise<{ root: string; data: string }> {
  const root = await mkdtemp(join(tmpdir(), 'airlock-upgrade-'));
  t.teardown(() => rm(root, { recursive: true, force: true }));
  await promisify(execFile)('tar', ['-xf', FIXTURE, '-C', root]);
  return { root, data: join(root, 'data') };
}

test('a data directory of airlock 0.1.0 is refused until upgraded; the upgrade backs it up, says what it did, and the appliance works', async (t) => {
  const { root, data } = await formatOne(t);
  const refused = await cli(['license', 'list', '--data', data]);
  t.like(refused.json, { error: { code: 'DATA_FORMAT_OLDER' } });
  t.regex(refused.json.error.message, /airlock upgrade --data/);

  const upgraded = await run(['upgrade', '--data', data, '--json'], { cwd: root });
  t.is(upgraded.exitCode, 0, upgraded.stdout + upgraded.stderr);
  const result = JSON.parse(upgraded.stdout);
  t.like(result, { from: 1, to: 2, changed: true });
  t.deepEqual(
    result.steps.map((s: { kind: string; path?: string }) => `${s.kind} ${s.path ?? ''}`.trim()),
    [
      'chmod',
      'chmod ledger/journal',
      'remove .appliance.json.1a2b3c4d5e6f.tmp',
      'publish-certificate',
      'settings',
    ],
  );
  t.is((await stat(result.backup)).mode & 0o777, 0o600);
  t.is((await stat(data)).mode & 0o777, 0o700);
  t.false((await readdir(data)).some((name) => name.endsWith('.tmp')));
  t.like(await readDataFormat(data), { format: DATA_FORMAT });

  // It works: its license, three activations, a new one, a verified ledger with the upgrade audited.
  const listed = await cli(['license', 'list', '--data', data]);
  t.like(listed.json.licenses[0], { seats: 5, seatsUsed: 3 });
  const store = join(root, 'store');
  const trust = ['--store', store, '--trust', join(data, 'trust.json')];
  const key = listed.json.licenses[0].key;
  const { challenge } = (await cli(['client', 'challenge', '--license', key, ...trust])).json;
  const answer = await cli(['respond', challenge, '--data', data]);
  t.truthy(answer.json.response, JSON.stringify(answer.json));
  t.is((await cli(['client', 'apply', answer.json.qr, ...trust])).exitCode, 0);
  t.like((await cli(['client', 'status', ...trust])).json, { valid: true });
  // trust.json now carries the appliance's certificate: the short typed response alone verifies.
  const other = ['--store', join(root, 'store-b'), '--trust', join(data, 'trust.json')];
  const env = { AIRLOCK_MACHINE_ID: 'machine-b' };
  const second = (await cli(['client', 'challenge', '--license', key, ...other], env)).json;
  const typed = (await cli(['respond', second.challenge, '--data', data])).json.response;
  t.is((await cli(['client', 'apply', typed, ...other], env)).exitCode, 0);
  const verified = await verifyLedger(join(data, 'ledger'));
  t.true(verified.ok);
  const audit = await cli(['audit', '--data', data]);
  t.true(JSON.stringify(audit.json).includes('data format 1 to 2'));

  // The backup holds the old format: restored, it asks for the upgrade again.
  const restored = await restoreBackup(result.backup, join(root, 'restored'), restoring);
  t.true(restored.needsUpgrade);
  t.like(await readDataFormat(join(root, 'restored')), { format: 1 });
});

test('upgrading twice changes nothing the second time and takes no second backup', async (t) => {
  const { root, data } = await formatOne(t);
  const first = await upgradeDataDir(data, options);
  t.true(first.steps.length > 0);
  const files = async () =>
    Promise.all(
      (await readdir(data, { recursive: true, withFileTypes: true }))
        .filter((e) => e.isFile())
        .map(async (e) => [
          join(e.parentPath, e.name),
          await readFile(join(e.parentPath, e.name), 'base64'),
        ]),
    );
  const before = await files();
  const entries = await readdir(root);
  const second = await upgradeDataDir(data, options);
  t.deepEqual(second, { dir: data, from: 2, to: 2, backup: null, steps: [] });
  t.deepEqual(await files(), before);
  t.deepEqual(await readdir(root), entries);
  const third = await run(['upgrade', '--data', data], { cwd: root });
  t.is(third.exitCode, 0);
  t.regex(third.stdout, /already in data format 2: nothing to do/);
});

test('a crash after any step of the upgrade leaves the old format or the new one, and running it again finishes', async (t) => {
  const { data: probe } = await formatOne(t);
  const count = (await upgradeDataDir(probe, { ...options, backup: null })).steps.length;
  t.true(count >= 4);
  for (let crashAt = 0; crashAt < count; crashAt++) {
    const { data } = await formatOne(t);
    const settings = await readFile(join(data, 'appliance.json'), 'utf8');
    const key = await readFile(join(data, 'appliance.key'), 'utf8');
    await t.throwsAsync(
      upgradeDataDir(data, {
        ...options,
        backup: null,
        afterStep: (_step, index) => {
          if (index === crashAt) throw new Error('power cut');
        },
      }),
      { message: 'power cut' },
    );
    const found = await readDataFormat(data);
    if (crashAt < count - 1) {
      t.like(found, { format: 1 }, `crash after step ${crashAt}`);
      t.is(await readFile(join(data, 'appliance.json'), 'utf8'), settings);
    } else {
      t.like(found, { format: 2 });
    }
    t.is(await readFile(join(data, 'appliance.key'), 'utf8'), key);
    t.deepEqual(await inspectLock(join(data, 'ledger')), { state: 'free' });
    t.true((await verifyLedger(join(data, 'ledger'))).ok);
    const again = await upgradeDataDir(data, { ...options, backup: null });
    t.is(again.to, 2);
    t.like(await readDataFormat(data), { format: 2 });
  }
});

test('a directory from before HTTPS gets its certificate; one a rotation left aside is moved into place', async (t) => {
  const { data } = await formatOne(t);
  await rm(join(data, 'tls'), { recursive: true });
  await rename(join(data, 'appliance.cert'), join(data, 'appliance.next.cert'));
  const result = await upgradeDataDir(data, {
    ...options,
    backup: null,
    tlsHosts: ['airlock.example'],
  });
  t.deepEqual(
    result.steps
      .filter((s) => s.kind === 'rename' || s.kind === 'tls-certificate')
      .map((s) => s.kind),
    ['rename', 'tls-certificate'],
  );
  t.truthy(await stat(join(data, 'appliance.cert')));
  t.is((await stat(join(data, 'tls', 'key.pem'))).mode & 0o777, 0o600);
  const info = await cli(['appliance', 'info', '--data', data]);
  t.truthy(info.json.certificateId ?? info.json.certificate, JSON.stringify(info.json));
});

test('the first migration is a pure plan: facts of the old layout in, the steps of the new out', (t) => {
  const facts: DataFacts = {
    settings: {
      format: 'airlock-appliance/v1',
      applianceId: '0a0b0c0d',
      mode: 'standalone',
      createdAt: 1,
    },
    directories: [
      { path: '', mode: 0o40755 },
      { path: 'ledger', mode: 0o40700 },
      { path: 'ledger/journal', mode: 0o40750 },
    ],
    leftovers: ['ledger/LOCK.0123456789ab.stale'],
    tlsCertificate: true,
    tlsConfigured: false,
    tlsHosts: [],
    rotatedCertificatePending: false,
    certificatePublished: false,
  };
  const steps = formatOneToTwo.plan(facts, '0.2.0');
  t.deepEqual(
    steps.map((s) => s.kind),
    ['chmod', 'chmod', 'remove', 'publish-certificate', 'settings'],
  );
  // A delegated appliance still waiting for its certificate has none to publish.
  t.false(
    formatOneToTwo
      .plan({ ...facts, certificatePublished: null }, '0.2.0')
      .some((s) => s.kind === 'publish-certificate'),
  );
  t.deepEqual(steps.at(-1), {
    kind: 'settings',
    settings: {
      format: 'airlock-appliance/v2',
      dataFormat: 2,
      airlockVersion: '0.2.0',
      applianceId: '0a0b0c0d',
      mode: 'standalone',
      createdAt: 1,
    },
    why: steps.at(-1)!.why,
  });
  // Configured certificate files: none is made in DATA/tls.
  const configured = formatOneToTwo.plan(
    { ...facts, tlsCertificate: false, tlsConfigured: true },
    '0.2.0',
  );
  t.false(configured.some((s) => s.kind === 'tls-certificate'));
  t.deepEqual(migrationsFrom(1), [formatOneToTwo]);
  t.deepEqual(migrationsFrom(DATA_FORMAT), []);
  t.throws(() => migrationsFrom(0), { instanceOf: TypeError });
});

test('an upgrade refuses while airlock serve holds the ledger', async (t) => {
  const { data } = await formatOne(t);
  await writeFile(
    join(data, 'ledger', 'LOCK'),
    JSON.stringify({
      pid: process.pid,
      host: (await import('node:os')).hostname(),
      purpose: 'appliance server (airlock serve)',
      since: 'now',
    }),
  );
  await t.throwsAsync(upgradeDataDir(data, { ...options, backup: null }), {
    code: 'LEDGER_LOCKED',
  } as never);
  t.like(await readDataFormat(data), { format: 1 });
});
