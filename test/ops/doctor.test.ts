// airlock doctor's decisions, one finding at a time from facts (no files), and the command on a
// real data directory with things broken on purpose: a key chmod 0644, a folder others may write,
// an expired certificate (AIRLOCK_NOW), a stale lock, a torn journal tail, a bad configuration.

import { appendFile, chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { initApplianceDir } from '../../src/appliance/data-dir.ts';
import { openAppliance } from '../../src/appliance/service.ts';
import { generateTlsCertificate } from '../../src/appliance/tls-files.ts';
import { diagnose, type DoctorFacts, type Finding } from '../../src/ops/doctor.ts';
import { run } from '../cli/helpers.ts';

const DAY = 86400;
const NOW = 1_799_971_200; // 2027-01-15
const GIB = 1024 ** 3;

/** An installation where every check is ok. */
const healthy: DoctorFacts = {
  dir: '/srv/airlock',
  now: NOW,
  uid: 1000,
  format: { format: 2, writtenBy: '0.2.0' },
  paths: [
    { path: '', directory: true, mode: 0o40700, uid: 1000 },
    { path: 'appliance.key', directory: false, mode: 0o100600, uid: 1000 },
    { path: 'appliance.json', directory: false, mode: 0o100644, uid: 1000 },
    { path: 'ledger', directory: true, mode: 0o40700, uid: 1000 },
    { path: 'ledger/journal/0000000001.jsonl', directory: false, mode: 0o100600, uid: 1000 },
  ],
  mode: 'delegated',
  tls: { kind: 'present', file: '/srv/airlock/tls/cert.pem', notAfter: NOW + 400 * DAY },
  certificate: { kind: 'present', id: 'crt_0011223344556677', notAfter: NOW + 365 * DAY },
  revocations: { kind: 'held', sequence: 7, issuedAt: NOW - DAY, nextUpdate: NOW + 29 * DAY },
  disk: { available: 50 * GIB, total: 100 * GIB },
  lastRecordAt: NOW - 3600,
  builtAt: NOW - 30 * DAY,
  lock: { state: 'free' },
  config: { kind: 'valid', path: '/srv/airlock/airlock.toml' },
  ledger: { kind: 'ok', records: 120, segments: 1, full: false },
  keys: [{ path: 'appliance.key', sealed: true }],
};

function only(facts: Partial<DoctorFacts>, check: Finding['check']): Finding[] {
  return diagnose({ ...healthy, ...facts }).filter((f) => f.check === check);
}

function one(facts: Partial<DoctorFacts>, check: Finding['check']): Finding {
  const found = only(facts, check);
  if (found.length !== 1) throw new Error(`expected one ${check} finding, got ${found.length}`);
  return found[0]!;
}

test('a healthy installation: every check ok, each with a sentence and no fix', (t) => {
  const findings = diagnose(healthy);
  t.deepEqual(
    findings.map((f) => f.check),
    [
      'data format',
      'permissions',
      'tls certificate',
      'appliance certificate',
      'revocations',
      'disk space',
      'clock',
      'ledger lock',
      'config',
      'ledger',
      'keys',
    ],
  );
  for (const f of findings) {
    t.is(f.status, 'ok', `${f.check}: ${f.message}`);
    t.is(f.fix, undefined);
    t.regex(f.message, /\.$/);
  }
});

test('data format: none, unreadable, older and newer fail with the command that fixes them; the rest is not read', (t) => {
  t.like(diagnose({ ...healthy, format: null }), [
    { status: 'fail', fix: 'airlock appliance init --data /srv/airlock' },
  ]);
  t.like(diagnose({ ...healthy, format: 'unreadable' }), [{ status: 'fail' }]);
  const newer = diagnose({ ...healthy, format: { format: 3, writtenBy: '0.9.0' } });
  t.is(newer.length, 1);
  t.like(newer[0], { status: 'fail', fix: 'run airlock 0.9.0 or newer on it' });
  const older = diagnose({ ...healthy, format: { format: 1, writtenBy: null } });
  t.like(older[0], { status: 'fail', fix: 'airlock upgrade --data /srv/airlock' });
  t.true(older.length > 1, 'an older layout is still checked');
});

test('permissions: a private file open to others, a folder others may write, a foreign owner fail; a listable data directory warns', (t) => {
  const paths = (extra: DoctorFacts['paths'][number]) => [
    ...healthy.paths.filter((p) => p.path !== extra.path),
    extra,
  ];
  t.like(
    one(
      { paths: paths({ path: 'appliance.key', directory: false, mode: 0o100644, uid: 1000 }) },
      'permissions',
    ),
    {
      status: 'fail',
      fix: 'chmod 600 /srv/airlock/appliance.key',
    },
  );
  t.like(
    one(
      { paths: paths({ path: 'tokens.json', directory: false, mode: 0o100640, uid: 1000 }) },
      'permissions',
    ),
    {
      status: 'fail',
    },
  );
  t.like(
    one({ paths: paths({ path: '', directory: true, mode: 0o40777, uid: 1000 }) }, 'permissions'),
    {
      status: 'fail',
      fix: 'chmod go-w /srv/airlock',
    },
  );
  t.like(
    one(
      { paths: paths({ path: 'vendor', directory: true, mode: 0o40770, uid: 1000 }) },
      'permissions',
    ),
    {
      status: 'fail',
    },
  );
  t.like(
    one({ paths: paths({ path: '', directory: true, mode: 0o40755, uid: 1000 }) }, 'permissions'),
    {
      status: 'warn',
      fix: 'chmod 700 /srv/airlock',
    },
  );
  t.like(
    one(
      { paths: paths({ path: 'users.json', directory: false, mode: 0o100600, uid: 0 }) },
      'permissions',
    ),
    {
      status: 'fail',
      fix: "chown -R 1000 /srv/airlock (or run airlock as the data directory's owner)",
    },
  );
  // A public file (the trust file clients copy) may be 0644; without POSIX users, owners are not compared.
  t.like(
    one(
      { paths: paths({ path: 'trust.json', directory: false, mode: 0o100644, uid: 1000 }) },
      'permissions',
    ),
    {
      status: 'ok',
    },
  );
  t.like(
    one(
      { uid: null, paths: paths({ path: 'x', directory: false, mode: 0o100600, uid: 0 }) },
      'permissions',
    ),
    {
      status: 'ok',
    },
  );
});

test('TLS certificate: expired fails, 30 days left warns, missing warns, unusable fails, plain HTTP is ok', (t) => {
  const tls = (tls: DoctorFacts['tls']) => one({ tls }, 'tls certificate');
  t.like(tls({ kind: 'present', file: 'c', notAfter: NOW - 1 }), { status: 'fail' });
  t.like(tls({ kind: 'present', file: 'c', notAfter: NOW + 29 * DAY }), { status: 'warn' });
  t.regex(
    tls({ kind: 'present', file: 'c', notAfter: NOW + 29 * DAY }).message,
    /expires in 29 days/,
  );
  t.like(tls({ kind: 'present', file: 'c', notAfter: NOW + 31 * DAY }), { status: 'ok' });
  t.like(tls({ kind: 'missing' }), { status: 'warn' });
  t.like(tls({ kind: 'unusable', file: 'c', problem: 'its key is not the certificate’s.' }), {
    status: 'fail',
  });
  t.like(tls({ kind: 'plain-http' }), { status: 'ok' });
});

test('appliance certificate: expired fails, within 30 days warns, none yet (delegated) fails, another key fails', (t) => {
  const cert = (certificate: DoctorFacts['certificate'], mode: DoctorFacts['mode'] = 'delegated') =>
    one({ certificate, mode }, 'appliance certificate');
  t.like(cert({ kind: 'present', id: 'crt_1', notAfter: NOW }), { status: 'fail' });
  t.regex(cert({ kind: 'present', id: 'crt_1', notAfter: NOW }).fix!, /install-cert/);
  t.regex(cert({ kind: 'present', id: 'crt_1', notAfter: NOW }, 'standalone').fix!, /rotate-key/);
  t.like(cert({ kind: 'present', id: 'crt_1', notAfter: NOW + 10 * DAY }), { status: 'warn' });
  t.like(cert({ kind: 'missing' }), { status: 'fail' });
  t.like(cert({ kind: 'unusable', problem: 'appliance.cert certifies another key.' }), {
    status: 'fail',
  });
});

test('revocations: past their next update fail, close to it warn, none imported warns (delegated) or is ok (standalone)', (t) => {
  const held = (nextUpdate: number, issuedAt = NOW - 30 * DAY) =>
    one({ revocations: { kind: 'held', sequence: 3, issuedAt, nextUpdate } }, 'revocations');
  t.like(held(NOW - 1), { status: 'fail' });
  t.like(held(NOW + 3 * DAY), { status: 'warn' });
  t.like(held(NOW + 10 * DAY), { status: 'ok' });
  // A bundle valid for 4 days: warned about in its last day, not from the start.
  t.like(held(NOW + 2 * DAY, NOW - 2 * DAY), { status: 'ok' });
  t.like(held(NOW + DAY / 2, NOW - 3.5 * DAY), { status: 'warn' });
  t.like(one({ revocations: { kind: 'none' } }, 'revocations'), { status: 'warn' });
  t.like(one({ revocations: { kind: 'none' }, mode: 'standalone' }, 'revocations'), {
    status: 'ok',
  });
  t.like(one({ revocations: { kind: 'unreadable', problem: 'damaged.' } }, 'revocations'), {
    status: 'fail',
  });
});

test('disk space: under 1 GiB or under 5 % warns', (t) => {
  t.like(one({ disk: { available: GIB / 2, total: 10 * GIB } }, 'disk space'), { status: 'warn' });
  t.like(one({ disk: { available: 4 * GIB, total: 100 * GIB } }, 'disk space'), { status: 'warn' });
  t.like(one({ disk: { available: 6 * GIB, total: 100 * GIB } }, 'disk space'), { status: 'ok' });
  t.like(one({ disk: null }, 'disk space'), { status: 'warn' });
});

test('clock: before the build or behind the ledger’s last record fails', (t) => {
  t.like(one({ builtAt: NOW + DAY }, 'clock'), { status: 'fail' });
  t.regex(one({ builtAt: NOW + DAY }, 'clock').message, /before this airlock was built/);
  t.like(one({ lastRecordAt: NOW + 3600 }, 'clock'), { status: 'fail' });
  t.regex(one({ lastRecordAt: NOW + 3600 }, 'clock').message, /before the ledger's last record/);
  t.like(one({ lastRecordAt: NOW + 30 }, 'clock'), { status: 'ok' }); // within a minute: an NTP step
  t.like(one({ lastRecordAt: null }, 'clock'), { status: 'ok' });
});

test('ledger lock: a live holder is ok, a stale one or one on another host warns', (t) => {
  const holder = {
    pid: 4242,
    host: 'appliance-1',
    purpose: 'appliance server (airlock serve)',
    since: '2027-01-15T00:00:00.000Z',
  };
  t.like(one({ lock: { state: 'held', holder } }, 'ledger lock'), { status: 'ok' });
  t.regex(
    one({ lock: { state: 'held', holder } }, 'ledger lock').message,
    /process 4242 \(appliance server/,
  );
  t.like(one({ lock: { state: 'stale', holder } }, 'ledger lock'), { status: 'warn' });
  t.like(one({ lock: { state: 'elsewhere', holder } }, 'ledger lock'), { status: 'warn' });
  t.like(one({ lock: { state: 'unreadable' } }, 'ledger lock'), { status: 'warn' });
});

test('config, ledger and keys: an invalid file and a damaged chain fail; a torn tail warns unless serve is writing it; unsealed keys warn', (t) => {
  t.like(
    one(
      {
        config: { kind: 'invalid', problem: 'port must be a whole number (port in airlock.toml).' },
      },
      'config',
    ),
    {
      status: 'fail',
    },
  );
  t.like(one({ config: { kind: 'none' } }, 'config'), { status: 'ok' });
  const bad = {
    kind: 'bad',
    seq: 7,
    file: 'j/0000000001.jsonl',
    line: 7,
    reason: 'checksum',
  } as const;
  t.like(one({ ledger: bad }, 'ledger'), { status: 'fail' });
  t.regex(one({ ledger: bad }, 'ledger').fix!, /airlock ledger verify/);
  const torn = { kind: 'torn', records: 9, file: 'j/0000000001.jsonl' } as const;
  t.like(one({ ledger: torn }, 'ledger'), { status: 'warn' });
  const holder = { pid: 1, host: 'h', purpose: 'appliance server', since: 'now' };
  t.like(one({ ledger: torn, lock: { state: 'held', holder } }, 'ledger'), { status: 'ok' });
  t.like(one({ ledger: { kind: 'unreadable', problem: 'EACCES' } }, 'ledger'), { status: 'fail' });
  t.like(one({ keys: [{ path: 'appliance.key', sealed: false }] }, 'keys'), { status: 'warn' });
});

test('airlock doctor on a data directory broken on purpose names each problem with its fix, and exits 7', async (t) => {
  const root = await mkdtemp(join(tmpdir(), 'airlock-doctor-'));
  t.teardown(() => rm(root, { recursive: true, force: true }));
  const data = join(root, 'data');
  const now = Math.floor(Date.now() / 1000);
  await initApplianceDir(data, { now });
  await generateTlsCertificate(data, { hosts: [], now });
  const open = await openAppliance(data, {
    clock: () => now,
    random: (n) => new Uint8Array(n),
    purpose: 'test',
  });
  await open.appliance.audit({ action: 'test', result: 'ok' });
  await open.close();

  const healthy = await run(['doctor', '--data', data, '--json'], { cwd: root });
  const before = JSON.parse(healthy.stdout);
  t.is(healthy.exitCode, 0, healthy.stdout);
  t.deepEqual(
    before.findings.filter((f: Finding) => f.status === 'fail'),
    [],
  );

  await chmod(join(data, 'appliance.key'), 0o644);
  await chmod(join(data, 'vendor'), 0o777);
  await writeFile(join(data, 'airlock.toml'), 'port = "eighty"\n');
  await writeFile(
    join(data, 'ledger', 'LOCK'),
    JSON.stringify({
      pid: 2 ** 22 + 7,
      host: (await import('node:os')).hostname(),
      purpose: 'appliance server (airlock serve)',
      since: 'then',
    }),
  );
  await appendFile(join(data, 'ledger', 'journal', '0000000001.jsonl'), '{"seq":2,"prev":"ab');
  // Eleven years on: the self-signed TLS certificate and the appliance's 10-year certificate have ended.
  const later = new Date((now + 11 * 365 * DAY) * 1000).toISOString();
  const broken = await run(['doctor', '--data', data, '--json'], {
    cwd: root,
    env: { AIRLOCK_NOW: later },
  });
  t.is(broken.exitCode, 7);
  const { findings, ok, failed } = JSON.parse(broken.stdout);
  t.false(ok);
  const status = (check: string, pattern: RegExp) =>
    findings.find((f: Finding) => f.check === check && pattern.test(f.message))?.status;
  t.is(status('permissions', /appliance\.key is open to other users \(mode 0644\)/), 'fail');
  t.is(status('permissions', /vendor can be written by other users/), 'fail');
  t.is(status('tls certificate', /expired/), 'fail');
  t.is(status('appliance certificate', /expired/), 'fail');
  t.is(status('config', /port/), 'fail');
  t.is(status('ledger lock', /no longer runs/), 'warn');
  t.is(status('ledger', /unfinished one/), 'warn');
  t.is(failed, 5, JSON.stringify(findings.filter((f: Finding) => f.status === 'fail')));
  const fix = findings.find(
    (f: Finding) => f.check === 'permissions' && /appliance\.key/.test(f.message),
  ).fix;
  t.is(fix, `chmod 600 ${join(data, 'appliance.key')}`);

  // The text form: one line per check, its fix under it, and the count.
  const text = await run(['doctor', '--data', data], { cwd: root, env: { AIRLOCK_NOW: later } });
  t.is(text.exitCode, 7);
  t.regex(text.stdout, /^ {2}fail {2}permissions {12}.*appliance\.key is open/m);
  t.regex(text.stdout, /^ {31}fix: chmod 600 /m);
  t.regex(text.stdout, /5 checks failed, \d+ warnings?: fix the failures first\.\n$/);
  t.is(text.stderr, '');
});
