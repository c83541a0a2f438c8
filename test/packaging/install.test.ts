// `airlock appliance install | uninstall` as an administrator runs them, below --root in a
// temporary directory (no system user, owners or systemctl there): the files and their modes,
// a data directory that serves with the installed settings and passphrase, a second install that
// changes nothing, settings kept, an uninstall that keeps the data, and a purge that does not.

import { type ChildProcess, spawn } from 'node:child_process';
import { chmod, readFile, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { INSTALL_PORT, STANDARD_LAYOUT } from '../../src/install/layout.ts';
import { systemdUnit } from '../../src/install/systemd-unit.ts';
import { Workspace } from '../cli/helpers.ts';
import { cleanEnv } from '../serve/helpers.ts';

const BIN = join(resolve(import.meta.dirname, '../..'), 'bin/airlock.js');

/** A workspace with a stand-in for the single binary (the real one is another test's). */
async function host(t: ExecutionContext): Promise<{ ws: Workspace; root: string; binary: string }> {
  const ws = await Workspace.create(t);
  const binary = ws.path('airlock-build');
  await writeFile(binary, '#!/bin/sh\necho "airlock (stand-in)"\n');
  await chmod(binary, 0o755);
  return { ws, root: ws.path('root'), binary };
}

const modeOf = async (path: string) => ((await stat(path)).mode & 0o7777).toString(8);

test('a fresh install lays out the binary, settings, passphrase, data directory and unit', async (t) => {
  const { ws, root, binary } = await host(t);
  const out = await ws.ok(t, ['appliance', 'install', '--root', root, '--binary', binary]);
  t.like(out, { root, dryRun: false, changed: true });
  const at = (path: string) => join(root, path);

  t.deepEqual(await readFile(at('/usr/local/bin/airlock')), await readFile(binary));
  t.is(await modeOf(at('/usr/local/bin/airlock')), '755');
  t.is(await modeOf(at('/etc/airlock/airlock.toml')), '644');
  t.regex(
    await readFile(at('/etc/airlock/airlock.toml'), 'utf8'),
    /^host = "0\.0\.0\.0"\nport = 8443\n/m,
  );
  t.is(await modeOf(at('/etc/airlock/passphrase')), '600');
  const passphrase = (await readFile(at('/etc/airlock/passphrase'), 'utf8')).trim();
  t.regex(passphrase, /^[0-9a-f]{64}$/);
  t.false(JSON.stringify(out).includes(passphrase), 'the passphrase is never printed');
  t.is(await modeOf(at('/var/lib/airlock')), '700');
  t.is(
    await readFile(at('/etc/systemd/system/airlock.service'), 'utf8'),
    await readFile(
      join(resolve(import.meta.dirname, '../..'), 'packaging', 'airlock.service'),
      'utf8',
    ),
  );

  // The data directory was initialised, its keys sealed with the new passphrase, and the console's
  // first password shown once.
  t.is(out['init'].mode, 'standalone');
  t.regex(out['init'].admin.password, /\S{12,}/);
  const key = JSON.parse(await readFile(at('/var/lib/airlock/appliance.key'), 'utf8'));
  t.truthy(key.encrypted, 'the appliance key is sealed');
  t.deepEqual(out['next'], [
    'Below --root no system user is made, no owner is set and systemctl is not run.',
  ]);
});

/** A port free right now on 127.0.0.1. */
function freePort(): Promise<number> {
  return new Promise((done) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
  });
}

test('the installed data directory serves with the installed settings and passphrase', async (t) => {
  const { ws, root, binary } = await host(t);
  await ws.ok(t, ['appliance', 'install', '--root', root, '--binary', binary]);
  const data = join(root, STANDARD_LAYOUT.dataDir);
  const config = join(root, STANDARD_LAYOUT.configFile);
  // As the unit runs it, but on loopback and a free port (the environment wins over the file).
  const env = {
    AIRLOCK_PASSPHRASE_FILE: join(root, STANDARD_LAYOUT.passphraseFile),
    AIRLOCK_HOST: '127.0.0.1',
    AIRLOCK_PORT: String(await freePort()),
  };
  const server: ChildProcess = spawn(
    process.execPath,
    [BIN, 'serve', '--data', data, '--config', config],
    { cwd: tmpdir(), env: cleanEnv(env), stdio: ['ignore', 'pipe', 'pipe'] },
  );
  t.teardown(() => {
    if (server.exitCode === null && server.signalCode === null) server.kill('SIGKILL');
  });
  let output = '';
  await new Promise<void>((done, failed) => {
    server.stdout!.setEncoding('utf8').on('data', (s: string) => {
      output += s;
      if (output.includes('Stop with Ctrl-C')) done();
    });
    server.stderr!.setEncoding('utf8').on('data', (s: string) => (output += s));
    server.on('close', () => failed(new Error(`airlock serve ended:\n${output}`)));
  });
  const healthy = await ws.ok(t, ['health', '--data', data, '--config', config], env);
  t.like(healthy, { status: 'ready', origin: `https://127.0.0.1:${env.AIRLOCK_PORT}` });
});

test('a second install changes nothing and says so', async (t) => {
  const { ws, root, binary } = await host(t);
  await ws.ok(t, ['appliance', 'install', '--root', root, '--binary', binary]);
  const before = await ws.snapshot('root');
  const again = await ws.ok(t, ['appliance', 'install', '--root', root, '--binary', binary]);
  t.like(again, { changed: false, steps: [], init: null });
  const text = await ws.run(['appliance', 'install', '--root', root, '--binary', binary]);
  t.is(text.exitCode, 0, text.stderr);
  t.is(text.stdout, `Airlock is installed as laid out on ${root}: nothing to change.\n`);
  t.deepEqual(await ws.snapshot('root'), before);
});

test('existing settings are kept as they are, and their port and names are used', async (t) => {
  const { ws, root, binary } = await host(t);
  const settings = '# ours\nhost = "0.0.0.0"\nport = 443\ntls_hosts = ["airlock.plant.lan"]\n';
  await ws.ok(t, ['appliance', 'install', '--root', root, '--binary', binary, '--no-init']);
  await writeFile(join(root, STANDARD_LAYOUT.configFile), settings);
  const out = await ws.ok(t, ['appliance', 'install', '--root', root, '--binary', binary]);
  t.is(await readFile(join(root, STANDARD_LAYOUT.configFile), 'utf8'), settings);
  // Port 443 needs the one capability; the certificate is made for the configured name.
  t.is(
    await readFile(join(root, STANDARD_LAYOUT.unitFile), 'utf8'),
    systemdUnit({ layout: STANDARD_LAYOUT, port: 443 }),
  );
  t.true(out['init'].tls.names.includes('airlock.plant.lan'));
  t.not(
    systemdUnit({ layout: STANDARD_LAYOUT, port: 443 }),
    systemdUnit({ layout: STANDARD_LAYOUT, port: INSTALL_PORT }),
  );
});

test('a new build replaces the binary and nothing else', async (t) => {
  const { ws, root, binary } = await host(t);
  await ws.ok(t, ['appliance', 'install', '--root', root, '--binary', binary]);
  const newer = ws.path('airlock-newer');
  await writeFile(newer, '#!/bin/sh\necho "airlock (newer stand-in)"\n');
  const out = await ws.ok(t, ['appliance', 'install', '--root', root, '--binary', newer]);
  t.deepEqual(
    out['steps'].map((step: { kind: string; replaces: boolean }) => [step.kind, step.replaces]),
    [['copy-binary', true]],
  );
  t.deepEqual(await readFile(join(root, STANDARD_LAYOUT.binary)), await readFile(newer));
  t.is(await modeOf(join(root, STANDARD_LAYOUT.binary)), '755');
});

test('--dry-run shows the steps and changes nothing', async (t) => {
  const { ws, root, binary } = await host(t);
  const text = await ws.run([
    'appliance',
    'install',
    '--root',
    root,
    '--binary',
    binary,
    '--dry-run',
  ]);
  t.is(text.exitCode, 0, text.stderr);
  t.regex(
    text.stdout,
    /would take 9 steps on .* \(--dry-run: nothing was changed\):\n {2}1\. create the directory \/usr\/local\/bin \(0755\)\n/,
  );
  t.regex(text.stdout, /write \/etc\/airlock\/passphrase \(0600\): a new passphrase/);
  await t.throwsAsync(stat(root), { code: 'ENOENT' });
});

test('uninstall keeps the settings and the data; a later install uses them', async (t) => {
  const { ws, root, binary } = await host(t);
  await ws.ok(t, ['appliance', 'install', '--root', root, '--binary', binary]);
  const data = await ws.snapshot(join('root', 'var'));
  const removed = await ws.ok(t, ['appliance', 'uninstall', '--root', root]);
  t.deepEqual(
    removed['steps'].map((step: { path: string }) => step.path),
    [STANDARD_LAYOUT.unitFile, STANDARD_LAYOUT.binary],
  );
  t.deepEqual(removed['kept'], [STANDARD_LAYOUT.configDir, STANDARD_LAYOUT.dataDir]);
  await t.throwsAsync(stat(join(root, STANDARD_LAYOUT.binary)), { code: 'ENOENT' });
  await t.throwsAsync(stat(join(root, STANDARD_LAYOUT.unitFile)), { code: 'ENOENT' });
  t.deepEqual(await ws.snapshot(join('root', 'var')), data);

  const back = await ws.ok(t, ['appliance', 'install', '--root', root, '--binary', binary]);
  t.deepEqual(
    back['steps'].map((step: { kind: string }) => step.kind),
    ['copy-binary', 'write-file'],
  );
  t.is(back['init'], null, 'the kept data directory is not initialised again');
});

test('uninstall --purge needs --yes, then removes the settings and the data too', async (t) => {
  const { ws, root, binary } = await host(t);
  await ws.ok(t, ['appliance', 'install', '--root', root, '--binary', binary]);
  const refused = await ws.refused(
    t,
    ['appliance', 'uninstall', '--root', root, '--purge'],
    'USAGE',
  );
  t.regex(refused.error['message'], /--purge deletes the data directory .* add --yes/);
  t.true((await stat(join(root, STANDARD_LAYOUT.dataDir))).isDirectory());

  await ws.ok(t, ['appliance', 'uninstall', '--root', root, '--purge', '--yes']);
  for (const path of Object.values(STANDARD_LAYOUT).filter((value) => value.startsWith('/'))) {
    await t.throwsAsync(stat(join(root, path)), { code: 'ENOENT' }, path);
  }
  t.like(await ws.ok(t, ['appliance', 'uninstall', '--root', root, '--purge', '--yes']), {
    changed: false,
  });
});

test('from the sources, install needs --binary', async (t) => {
  const { ws, root } = await host(t);
  const refused = await ws.refused(t, ['appliance', 'install', '--root', root], 'USAGE');
  t.regex(refused.error['message'], /--binary PATH/);
});
