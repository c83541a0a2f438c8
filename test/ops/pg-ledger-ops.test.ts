// backup, restore, doctor, upgrade and ledger mark-restored for a node whose ledger is in
// PostgreSQL, on a throwaway cluster: the backup leaves the database out and names it (a journal
// from the file-ledger days included), its restore expects no journal and says what to do; a
// database put back from a pg_dump gets its counters moved on; doctor checks the database, its
// schema and rows instead of the journal; upgrade neither locks nor copies a journal.

import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import test, { type ExecutionContext } from 'ava';
import { initApplianceDir } from '../../src/appliance/data-dir.ts';
import { openAppliance } from '../../src/appliance/service.ts';
import { parseCommandArgs } from '../../src/cli/args.ts';
import { markRestored } from '../../src/cli/commands/mark-restored.ts';
import type { CliContext } from '../../src/cli/context.ts';
import { silentProgress } from '../../src/cli/progress.ts';
import { plain } from '../../src/cli/terminal.ts';
import { issueLicense, licenseKeyText } from '../../src/core/formats/license-key.ts';
import { signBundle } from '../../src/core/formats/revocation-bundle.ts';
import { acquireLock } from '../../src/ledger/lock.ts';
import { openPgLedger } from '../../src/ledger-pg/pg-ledger.ts';
import { applianceReducer } from '../../src/appliance/service.ts';
import { createBackup } from '../../src/ops/backup.ts';
import { restoreBackup } from '../../src/ops/restore.ts';
import { upgradeDataDir } from '../../src/ops/upgrade.ts';
import {
  computeFingerprint,
  createChallenge,
  emptyState,
  explicitComponents,
} from '../../src/sdk/index.ts';
import { openVendor } from '../../src/vendor/vendor-dir.ts';
import { clusterForFile } from '../helpers/cluster-for-file.ts';
import { databaseOf } from '../helpers/postgres.ts';
import { cli } from './helpers.ts';

const run = promisify(execFile);
const now = () => Math.floor(Date.now() / 1000);
const random = (n: number) => new Uint8Array(randomBytes(n));
const FIXTURE = resolve(import.meta.dirname, 'fixtures/format-1.tar');

const cluster = clusterForFile();

type Finding = { check: string; status: string; message: string };
const labelOf = (url: string) => `127.0.0.1:${cluster().port}/${databaseOf(url)}`;

async function tempRoot(t: ExecutionContext): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'airlock-pg-ops-'));
  t.teardown(() => rm(root, { recursive: true, force: true }));
  return root;
}

interface Node {
  readonly root: string;
  readonly data: string;
  readonly url: string;
  readonly key: string;
  /** Activates machines by these names through a node opened for the purpose. */
  activate(...machines: string[]): Promise<number[]>;
}

/**
 * A standalone appliance that kept its ledger in its journal for a while (a few records), then
 * moved it to a new database (ledger = … in airlock.toml), holding one license there.
 */
async function pgNode(t: ExecutionContext): Promise<Node> {
  const root = await tempRoot(t);
  const data = join(root, 'data');
  await initApplianceDir(data, { now: now() });
  const before = await openAppliance(data, { clock: now, random, purpose: 'file days' });
  await before.appliance.audit({ action: 'from the file-ledger days', result: 'ok' });
  await before.close();
  const url = await cluster().createDatabase();
  await writeFile(join(data, 'airlock.toml'), `ledger = "${url}"\n`);
  const vendor = await openVendor(join(data, 'vendor'));
  const key = licenseKeyText(
    issueLicense(
      {
        licenseId: random(8),
        type: 'perpetual',
        issuedAt: now() - 60,
        expiresAt: null,
        seats: 0,
        leaseSeconds: 0,
        graceSeconds: 0,
        product: 'cad',
        features: [],
      },
      vendor.signer,
    ),
  );
  const first = await openAppliance(data, { clock: now, random, purpose: 'set-up', ledger: url });
  await first.appliance.addLicense(key);
  await first.close();
  const node: Node = {
    root,
    data,
    url,
    key,
    async activate(...machines) {
      const setting = (await readFile(join(data, 'airlock.toml'), 'utf8')).match(/"(.*)"/)![1]!;
      const open = await openAppliance(data, {
        clock: now,
        random,
        purpose: 'test',
        ledger: setting,
      });
      try {
        const ids = [];
        for (const machine of machines) {
          const challenge = createChallenge(emptyState(), key, {
            trust: open.identity.trust,
            now: now(),
            fingerprintFor: (product) => computeFingerprint(product, explicitComponents(machine)),
            random,
          }).text;
          const answer = await open.appliance.respond(challenge, { channel: 'online' });
          ids.push(Number.parseInt(answer.activationId.slice(4), 16));
        }
        return ids;
      } finally {
        await open.close();
      }
    },
  };
  await node.activate('m1', 'm2');
  return node;
}

async function members(archive: string): Promise<string[]> {
  return (await run('tar', ['-tf', archive])).stdout.trim().split('\n');
}

test.serial(
  'a backup leaves the PostgreSQL ledger out and names its database; its restore expects no journal',
  async (t) => {
    const node = await pgNode(t);
    const label = labelOf(node.url);
    const out = join(node.root, 'backup.tar');
    const backedUp = await cli(['backup', '--data', node.data, '--out', out]);
    t.is(backedUp.exitCode, 0, JSON.stringify(backedUp.json));
    t.deepEqual(backedUp.json['ledger'], {
      database: label,
      note: `the ledger is in PostgreSQL at ${label}: back it up with pg_dump`,
    });
    const listed = await members(out);
    t.false(
      listed.some((name) => name.startsWith('ledger/')),
      `no journal, old or new: ${listed.join(' ')}`,
    );
    t.true(listed.includes('airlock.toml') && listed.includes('appliance.key'));
    t.is(listed.at(-1), 'airlock-backup.json');

    // The text says so too.
    const text = await createBackup(node.data, {
      out: join(node.root, 'again.tar'),
      now: now(),
      airlockVersion: '0.2.0',
      ledger: node.url,
    });
    t.deepEqual(text.manifest.ledger, backedUp.json['ledger']);

    const target = join(node.root, 'restored');
    const restored = await restoreBackup(out, target, { now: now(), airlockVersion: '0.2.0' });
    t.is(restored.recorded, null);
    t.is(restored.database, label);
    t.deepEqual(await readdir(target).then((names) => names.includes('ledger')), false);
    // The restored node serves from the database as it is: its license and activations are there.
    const open = await openAppliance(target, {
      clock: now,
      random,
      purpose: 'restored',
      ledger: node.url,
    });
    t.is(open.appliance.activations().length, 2);
    await open.close();

    // Through the command: what to do about the database, and whether the setting came along.
    const again = await cli(['restore', '--from', out, '--data', join(node.root, 'r2')]);
    t.like(again.json, { database: label, ledgerSetting: true, recorded: null });
    const text2 = await run(
      process.execPath,
      [
        join(resolve(import.meta.dirname, '../..'), 'bin/airlock.js'),
        'restore',
        '--from',
        out,
        '--data',
        join(node.root, 'r3'),
      ],
      { env: { PATH: process.env['PATH'] ?? '' } },
    );
    t.regex(
      text2.stdout,
      new RegExp(
        `The ledger is in PostgreSQL at ${label.replaceAll('.', '\\.')}, not in this backup`,
      ),
    );
    t.regex(text2.stdout, /airlock ledger mark-restored --data .*r3` once, before any node serves/);
    t.notRegex(text2.stdout, /ledger setting is not in the restored directory/);
  },
);

test.serial(
  'a backup that names a database but holds ledger files is refused, nothing restored',
  async (t) => {
    const root = await tempRoot(t);
    const data = join(root, 'data');
    await initApplianceDir(data, { now: now() });
    const open = await openAppliance(data, { clock: now, random, purpose: 'file ledger' });
    await open.appliance.audit({ action: 'a record', result: 'ok' });
    await open.close();
    const { manifest } = await createBackup(data, {
      out: join(root, 'file.tar'),
      now: now(),
      airlockVersion: '0.2.0',
    });
    // The same files, with a manifest that says the ledger is in a database.
    const unpacked = join(root, 'unpacked');
    await run('mkdir', [unpacked]);
    await run('tar', ['-xf', join(root, 'file.tar'), '-C', unpacked]);
    await writeFile(
      join(unpacked, 'airlock-backup.json'),
      `${JSON.stringify({ ...manifest, ledger: { database: 'db:5432/airlock', note: 'crafted' } }, null, 2)}\n`,
    );
    const crafted = join(root, 'crafted.tar');
    const names = [...manifest.files.map((f) => f.path), 'airlock-backup.json'];
    await run('tar', ['--format=ustar', '-cf', crafted, '-C', unpacked, ...names]);
    const target = join(root, 'restored');
    await t.throwsAsync(restoreBackup(crafted, target, { now: now(), airlockVersion: '0.2.0' }), {
      code: 'BACKUP_MISMATCH',
      message: /it holds ledger\/journal\/0000000001\.jsonl, but its ledger is in a database/,
    });
    t.is(await stat(target).catch(() => null), null);
    t.deepEqual(
      (await readdir(root)).filter((name) => name.includes('restore-')),
      [],
    );
  },
);

test.serial(
  'a ledger setting from the environment or a settings file elsewhere is not in the backup: the restore says to set it',
  async (t) => {
    const node = await pgNode(t);
    await rm(join(node.data, 'airlock.toml'));
    const out = join(node.root, 'env.tar');
    const backedUp = await cli(['backup', '--data', node.data, '--out', out], {
      AIRLOCK_LEDGER: node.url,
    });
    t.is(backedUp.exitCode, 0);
    t.like(backedUp.json['ledger'], { database: labelOf(node.url) });
    const restored = await cli(['restore', '--from', out, '--data', join(node.root, 'r')]);
    t.like(restored.json, { ledgerSetting: false });
    // Or from a settings file elsewhere (an installation's /etc/airlock/airlock.toml).
    const settings = join(node.root, 'etc-airlock.toml');
    await writeFile(settings, `ledger = "${node.url}"\n`);
    const named = await cli([
      'backup',
      ...['--data', node.data, '--out', join(node.root, 'named.tar'), '--config', settings],
    ]);
    t.like(named.json['ledger'], { database: labelOf(node.url) });
  },
);

const spec = {
  command: 'airlock ledger mark-restored',
  options: markRestored.options,
  required: markRestored.required ?? [],
};

function context(): CliContext {
  return {
    env: {},
    now,
    random,
    passphrase: undefined,
    interactive: false,
    paint: plain,
    progress: () => silentProgress,
    readStdin: async () => new Uint8Array(),
    say: () => undefined,
    warn: () => undefined,
    untilStopped: () => new Promise(() => undefined),
  };
}

test.serial(
  'a database put back from an older pg_dump: mark-restored moves the counters past what was lost',
  async (t) => {
    const node = await pgNode(t); // activations 1 and 2
    const database = databaseOf(node.url);
    const dump = join(node.root, 'ledger.dump');
    await run('pg_dump', ['-Fc', '-f', dump, node.url]);
    const lost = await node.activate('m3', 'm4', 'm5'); // handed out, then lost with the database
    t.deepEqual(lost, [3, 4, 5]);
    await cluster().query(`DROP DATABASE ${database}`);
    await cluster().query(`CREATE DATABASE ${database} TEMPLATE template0 ENCODING 'UTF8'`);
    await run('pg_restore', ['-d', node.url, dump]);

    const args = parseCommandArgs(['--data', node.data], spec);
    const marked = await markRestored.run(args, context());
    const data = marked.data as Record<string, any>;
    t.like(data, { lastActivationId: { from: 'act_00000002' }, siteSequence: { from: 0 } });
    const to = Number.parseInt(data['lastActivationId'].to.slice(4), 16);
    t.true(to >= 2 + 2 ** 20, data['lastActivationId'].to);
    t.true(data['siteSequence'].to >= 10_000);
    t.regex(marked.text, /^Recorded as ledger record \d+: activation IDs go on after act_/);
    // The next activation takes an ID no machine holds.
    const [next] = await node.activate('m6');
    t.is(next, to + 1);
    t.false(lost.includes(next!));
    // The record is in the chain, which verifies.
    const verified = await cli(['ledger', 'verify', '--data', node.data]);
    t.like(verified.json, { ok: true });

    // A file ledger's restore records itself: the command refuses.
    const root = await tempRoot(t);
    await initApplianceDir(join(root, 'file'), { now: now() });
    await t.throwsAsync(
      markRestored.run(parseCommandArgs(['--data', join(root, 'file')], spec), context()),
      { code: 'USAGE', message: /its own journal, not PostgreSQL/ },
    );
  },
);

test.serial('doctor checks the database, its schema and rows instead of the journal', async (t) => {
  const node = await pgNode(t);
  const label = labelOf(node.url);
  const doctor = async () => (await cli(['doctor', '--data', node.data])).json;
  const findings = async () =>
    Object.fromEntries(((await doctor())['findings'] as Finding[]).map((f) => [f.check, f]));

  const healthy = await findings();
  t.false('ledger lock' in healthy, 'the journal lock is not the ledger’s');
  t.like(healthy['ledger database'], {
    status: 'ok',
    message: `the ledger database at ${label} answers; its schema is current (version 2).`,
  });
  t.like(healthy['ledger'], { status: 'ok' });
  t.regex(
    healthy['ledger']!.message,
    new RegExp(`^\\d+ records in ${label.replaceAll('.', '\\.')}; every record verifies\\.$`),
  );
  t.regex(healthy['revocations']!.message, /^standalone: /);
  // A bundle imported through a node: doctor reads it from the database, not the directory.
  const vendor = await openVendor(join(node.data, 'vendor'));
  const open = await openAppliance(node.data, {
    clock: now,
    random,
    purpose: 'import',
    ledger: node.url,
  });
  const bundle = signBundle(
    {
      issuer: 'vendor',
      sequence: 4,
      baseSequence: 0,
      issuedAt: now() - 60,
      nextUpdate: now() + 30 * 86400,
      licenses: [],
      activations: [],
      certificates: [],
    },
    vendor.signer,
  );
  await open.appliance.importBundles([{ name: 'vendor-4', bytes: bundle.bytes }]);
  await open.close();
  const held = (await findings())['revocations']!;
  t.is(held.status, 'ok');
  t.regex(held.message, /^the vendor's revocation bundle 4 is current until /);

  // Damage in a row: the quick check finds it.
  const database = databaseOf(node.url);
  await cluster().query(
    `SET session_replication_role = replica; UPDATE airlock.ledger_records SET line = replace(line, '"type":"', '"type":"x') WHERE seq = (SELECT max(seq) FROM airlock.ledger_records)`,
    database,
  );
  const damaged = await findings();
  t.like(damaged['ledger'], { status: 'fail' });
  t.regex(damaged['ledger']!.message, /^record \d+ \(row \d+ of airlock\.ledger_records in /);

  // A schema a newer airlock migrated: refused, the rest of the database not read.
  await cluster().query(
    "INSERT INTO airlock.schema_migrations (version, name) VALUES (3, 'from the future')",
    database,
  );
  const newer = await findings();
  t.like(newer['ledger database'], { status: 'fail' });
  t.regex(
    newer['ledger database']!.message,
    /schema version 3, newer than this airlock knows \(2\)/,
  );
  t.false('ledger' in newer);

  // The database gone: said so, naming it, and the exit code of a failed check.
  await cluster().stop('fast');
  try {
    const result = await cli(['doctor', '--data', node.data]);
    t.is(result.exitCode, 7);
    const down = Object.fromEntries(
      (result.json['findings'] as Finding[]).map((f) => [f.check, f]),
    );
    t.like(down['ledger database'], { status: 'fail' });
    t.regex(
      down['ledger database']!.message,
      new RegExp(`^the ledger database at ${label.replaceAll('.', '\\.')} cannot be reached`),
    );
    t.false('ledger' in down || 'revocations' in down);
  } finally {
    await cluster().start();
  }
});

test.serial(
  'upgrade of a directory whose ledger is in PostgreSQL neither locks nor copies the journal',
  async (t) => {
    const root = await tempRoot(t);
    await run('tar', ['-xf', FIXTURE, '-C', root]);
    const data = join(root, 'data');
    const url = await cluster().createDatabase();
    await writeFile(join(data, 'airlock.toml'), `ledger = "${url}"\n`);
    const journal = join(data, 'ledger', 'journal');
    const digest = async () => {
      const hash = createHash('sha256');
      for (const name of (await readdir(journal)).sort())
        hash.update(await readFile(join(journal, name)));
      return hash.digest('hex');
    };
    const before = await digest();
    // Someone holds the journal's lock: a file-ledger upgrade would refuse (LEDGER_LOCKED).
    const lock = await acquireLock(join(data, 'ledger'), { purpose: 'a test holding it' });
    t.teardown(() => lock.release());
    const backup = join(root, 'before.tar');
    const result = await upgradeDataDir(data, {
      now: now(),
      airlockVersion: '0.2.0',
      backup,
      tlsConfigured: false,
      tlsHosts: [],
      ledger: url,
    });
    t.like(result, { from: 1, to: 2, backup });
    t.is(await digest(), before, 'the journal is untouched');
    t.false((await members(backup)).some((name) => name.startsWith('ledger/')));
    t.true((await stat(backup)).isFile());
    // Audited in the database's ledger.
    const ledger = await openPgLedger({ url, reducer: applianceReducer, purpose: 'test' });
    const recent = await ledger.recent({ limit: 5 });
    await ledger.close();
    t.like(recent.records[0], {
      type: 'audit',
      data: { action: 'airlock upgrade', detail: 'data format 1 to 2, by airlock 0.2.0' },
    });

    // A database out of reach: refused before anything changed.
    const again = join(root, 'again');
    await run('mkdir', [again]);
    await run('tar', ['-xf', FIXTURE, '-C', again]);
    await writeFile(join(again, 'data', 'airlock.toml'), `ledger = "${url}"\n`);
    await cluster().stop('fast');
    try {
      await t.throwsAsync(
        upgradeDataDir(join(again, 'data'), {
          now: now(),
          airlockVersion: '0.2.0',
          backup: null,
          tlsConfigured: false,
          tlsHosts: [],
          ledger: url,
        }),
        { code: 'LEDGER_UNAVAILABLE' },
      );
    } finally {
      await cluster().start();
    }
    t.is(
      (await cli(['license', 'list', '--data', join(again, 'data')])).json['error']?.code,
      'DATA_FORMAT_OLDER',
    );
  },
);
