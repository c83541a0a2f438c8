// The systemd unit of `airlock appliance install`: the copy in packaging/ is the function's output
// for the standard layout, it carries the sandbox the service needs (and not the one setting V8
// cannot live with), and systemd itself accepts it when systemd-analyze is on the machine.

import { execFile, execFileSync } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import test from 'ava';
import { INSTALL_PORT, STANDARD_LAYOUT } from '../../src/install/layout.ts';
import { systemdUnit } from '../../src/install/systemd-unit.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const standard = systemdUnit({ layout: STANDARD_LAYOUT, port: INSTALL_PORT });

/** The unit's settings as "Key=value" lines, comments and sections left out. */
const settings = (unit: string) => unit.split('\n').filter((line) => /^[A-Za-z]+=/.test(line));

test('packaging/airlock.service is the unit for the standard layout', async (t) => {
  const copy = await readFile(join(ROOT, 'packaging', 'airlock.service'), 'utf8');
  t.is(
    copy,
    standard,
    'packaging/airlock.service is stale: run `node --import=tsx scripts/render-service-unit.ts`',
  );
});

test('the service runs airlock serve on the data directory and settings, as its own user', (t) => {
  const lines = settings(standard);
  for (const line of [
    'User=airlock',
    'Group=airlock',
    'ExecStart=/usr/local/bin/airlock serve --data /var/lib/airlock --config /etc/airlock/airlock.toml',
    'Environment=AIRLOCK_PASSPHRASE_FILE=/etc/airlock/passphrase',
    'Restart=on-failure',
    'WantedBy=multi-user.target',
  ]) {
    t.true(lines.includes(line), line);
  }
});

test('the sandbox: a read-only system but the data directory, no capabilities, a call filter', (t) => {
  const lines = settings(standard);
  for (const line of [
    'NoNewPrivileges=yes',
    'ProtectSystem=strict',
    'ReadWritePaths=/var/lib/airlock',
    'ProtectHome=yes',
    'PrivateTmp=yes',
    'PrivateDevices=yes',
    'ProtectKernelTunables=yes',
    'ProtectKernelModules=yes',
    'ProtectKernelLogs=yes',
    'ProtectControlGroups=yes',
    'RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX',
    'CapabilityBoundingSet=',
    'LockPersonality=yes',
    'SystemCallFilter=@system-service',
    'SystemCallErrorNumber=EPERM',
  ]) {
    t.true(lines.includes(line), line);
  }
  // The data directory is the one writable path.
  t.deepEqual(
    lines.filter((line) => line.startsWith('ReadWritePaths=')),
    ['ReadWritePaths=/var/lib/airlock'],
  );
  t.false(lines.some((line) => line.startsWith('AmbientCapabilities=')));
});

test('MemoryDenyWriteExecute is not set, and the unit says why (V8 compiles code at run time)', (t) => {
  t.false(settings(standard).some((line) => line.startsWith('MemoryDenyWriteExecute=')));
  t.regex(standard, /# MemoryDenyWriteExecute= is deliberately not set: the V8 JavaScript engine/);
});

test('a port below 1024 keeps CAP_NET_BIND_SERVICE, and only that', (t) => {
  const lines = settings(systemdUnit({ layout: STANDARD_LAYOUT, port: 443 }));
  t.true(lines.includes('CapabilityBoundingSet=CAP_NET_BIND_SERVICE'));
  t.true(lines.includes('AmbientCapabilities=CAP_NET_BIND_SERVICE'));
  t.false(lines.includes('CapabilityBoundingSet='));
  t.throws(() => systemdUnit({ layout: STANDARD_LAYOUT, port: 70000 }), { instanceOf: TypeError });
});

test('the paths come from the layout', (t) => {
  const unit = systemdUnit({
    layout: {
      ...STANDARD_LAYOUT,
      binary: '/opt/airlock/bin/airlock',
      dataDir: '/srv/airlock',
      user: 'lic',
    },
    port: INSTALL_PORT,
  });
  const lines = settings(unit);
  t.true(lines.includes('User=lic'));
  t.true(lines.includes('ReadWritePaths=/srv/airlock'));
  t.true(
    lines.some((line) =>
      line.startsWith('ExecStart=/opt/airlock/bin/airlock serve --data /srv/airlock '),
    ),
  );
});

/** systemd-analyze when it is installed (it comes with systemd; this suite does not install it). */
function installed(command: string): boolean {
  try {
    execFileSync(command, ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
const analyze = installed('systemd-analyze');
if (!analyze) {
  console.log(
    '  systemd-analyze is not installed: the check of the unit by systemd itself is skipped (apt-get install systemd brings it).',
  );
}

function runAnalyze(args: readonly string[]): Promise<{ code: number; output: string }> {
  return new Promise((done) =>
    execFile('systemd-analyze', args, { encoding: 'utf8' }, (error, stdout, stderr) =>
      done({
        code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1,
        output: `${stdout}${stderr}`,
      }),
    ),
  );
}

(analyze ? test : test.skip)(
  'systemd-analyze verifies the unit, and rates its exposure at most 2.0 of 10',
  async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'airlock-unit-'));
    t.teardown(() => rm(dir, { recursive: true, force: true }));
    // verify checks that ExecStart names an executable: the layout's binary, here a stand-in.
    const binary = join(dir, 'airlock');
    await writeFile(binary, '#!/bin/sh\n');
    await chmod(binary, 0o755);
    for (const port of [INSTALL_PORT, 443]) {
      const file = join(dir, 'airlock.service');
      await writeFile(
        file,
        systemdUnit({ layout: { ...STANDARD_LAYOUT, binary, unitFile: file }, port }),
      );
      const verified = await runAnalyze(['verify', file]);
      t.is(verified.code, 0, verified.output);
      t.is(verified.output, '', `systemd-analyze verify had remarks:\n${verified.output}`);
      // The threshold is in tenths: 20 is an exposure of 2.0 ("OK" is below 4.0).
      const rated = await runAnalyze(['security', '--offline=true', '--threshold=20', file]);
      t.is(rated.code, 0, rated.output.split('\n').slice(-3).join('\n'));
    }
  },
);
