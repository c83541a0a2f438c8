// The planner of `airlock appliance install | uninstall`, fed the facts of hosts that the tests
// cannot be (a fresh Linux host as root, a user without root, a running service): which steps
// it takes, in which order, and which it refuses.

import test from 'ava';
import { AirlockError } from '../../src/core/errors.ts';
import { INSTALL_PORT, STANDARD_LAYOUT as layout } from '../../src/install/layout.ts';
import {
  type HostFacts,
  type InstallFacts,
  type PathFact,
  planInstall,
  planUninstall,
} from '../../src/install/plan.ts';
import { stepJson } from '../../src/install/steps.ts';
import { systemdUnit } from '../../src/install/systemd-unit.ts';

const dir = (mode = 0o755, ownedByUser = false): PathFact => ({
  type: 'directory',
  mode,
  ownedByUser,
});
const file = (mode = 0o644, ownedByUser = false): PathFact => ({ type: 'file', mode, ownedByUser });

/** A Debian host as root, with systemd, before anything of Airlock is there. */
const freshHost: InstallFacts = {
  prefixed: false,
  isRoot: true,
  systemd: true,
  userExists: false,
  serviceActive: false,
  paths: new Map([
    ['/usr/local/bin', dir()],
    ['/etc/systemd/system', dir()],
  ]),
  unitText: undefined,
  source: { path: '/home/admin/airlock', digest: 'a'.repeat(64) },
  installedDigest: undefined,
  settings: undefined,
  dataContent: undefined,
};

/** The same host once installed, as the facts would then read. */
const installedHost: InstallFacts = {
  ...freshHost,
  userExists: true,
  paths: new Map([
    ['/usr/local/bin', dir()],
    [layout.binary, file(0o755)],
    [layout.configDir, dir()],
    [layout.configFile, file()],
    [layout.passphraseFile, file(0o600, true)],
    [layout.dataDir, dir(0o700, true)],
    ['/etc/systemd/system', dir()],
    [layout.unitFile, file()],
  ]),
  unitText: systemdUnit({ layout, port: INSTALL_PORT }),
  installedDigest: 'a'.repeat(64),
  settings: { port: INSTALL_PORT, tlsHosts: [] },
  dataContent: 'appliance',
};

const request = { layout, init: true, tlsHosts: [], newPassphrase: 'p'.repeat(64) };
const kinds = (steps: readonly { kind: string; path?: string }[]) =>
  steps.map((step) => (step.path === undefined ? step.kind : `${step.kind} ${step.path}`));

test('a fresh host as root: user, binary, settings, passphrase, data, owners, unit, reload', (t) => {
  t.deepEqual(kinds(planInstall(freshHost, request)), [
    'create-user',
    'copy-binary /usr/local/bin/airlock',
    'make-dir /etc/airlock',
    'write-file /etc/airlock/airlock.toml',
    'write-file /etc/airlock/passphrase',
    'make-dir /var/lib/airlock',
    'init-data',
    'set-owner /etc/airlock/passphrase',
    'set-owner /var/lib/airlock',
    'write-file /etc/systemd/system/airlock.service',
    'daemon-reload',
  ]);
});

test('the steps as planned: modes, the user made as asked, the passphrase never shown', (t) => {
  const steps = planInstall(freshHost, request);
  t.deepEqual(steps[0], { kind: 'create-user', user: 'airlock', home: '/var/lib/airlock' });
  const json = steps.map(stepJson);
  const byPath = (path: string) => json.find((step) => step['path'] === path)!;
  t.is(byPath('/var/lib/airlock')['mode'], '0700');
  t.is(byPath('/etc/airlock/passphrase')['mode'], '0600');
  t.is(byPath('/etc/airlock/passphrase')['text'], undefined);
  t.false(JSON.stringify(json).includes('p'.repeat(64)));
  t.is(byPath('/etc/airlock/airlock.toml')['mode'], '0644');
});

test('an installed host: nothing to do', (t) => {
  t.deepEqual(planInstall(installedHost, request), []);
});

test('a new build replaces the binary, and only that', (t) => {
  const steps = planInstall({ ...installedHost, installedDigest: 'b'.repeat(64) }, request);
  t.deepEqual(steps, [
    {
      kind: 'copy-binary',
      source: '/home/admin/airlock',
      path: '/usr/local/bin/airlock',
      replaces: true,
    },
  ]);
});

test('settings on port 443: the unit is rewritten with CAP_NET_BIND_SERVICE, systemd reloaded', (t) => {
  const steps = planInstall({ ...installedHost, settings: { port: 443, tlsHosts: [] } }, request);
  t.deepEqual(kinds(steps), ['write-file /etc/systemd/system/airlock.service', 'daemon-reload']);
  const unit = steps[0]!;
  t.true(unit.kind === 'write-file' && unit.replaces && unit.text.includes('CAP_NET_BIND_SERVICE'));
});

test('a data directory, passphrase or owner out of shape is put right', (t) => {
  const paths = new Map(installedHost.paths);
  paths.set(layout.dataDir, dir(0o755, false));
  paths.set(layout.passphraseFile, file(0o644, false));
  t.deepEqual(kinds(planInstall({ ...installedHost, paths }, request)), [
    'set-mode /etc/airlock/passphrase',
    'set-mode /var/lib/airlock',
    'set-owner /etc/airlock/passphrase',
    'set-owner /var/lib/airlock',
  ]);
});

test('an empty data directory is initialised; one holding other files is refused', (t) => {
  t.deepEqual(kinds(planInstall({ ...installedHost, dataContent: 'empty' }, request)), [
    'init-data',
    'set-owner /var/lib/airlock',
  ]);
  const error = t.throws(() => planInstall({ ...installedHost, dataContent: 'other' }, request), {
    instanceOf: AirlockError,
  });
  t.is(error?.code, 'FILE_EXISTS');
  t.regex(error?.message ?? '', /holds files but no appliance/);
});

test('--no-init: no passphrase and no initialisation', (t) => {
  const steps = planInstall(freshHost, { ...request, init: false });
  t.false(steps.some((step) => step.kind === 'init-data'));
  t.false(steps.some((step) => 'path' in step && step.path === layout.passphraseFile));
});

test('under --root: no user, no owners, no systemctl; missing directories are made', (t) => {
  const staged: InstallFacts = {
    ...freshHost,
    prefixed: true,
    isRoot: false,
    systemd: false,
    paths: new Map(),
  };
  t.deepEqual(kinds(planInstall(staged, request)), [
    'make-dir /usr/local/bin',
    'copy-binary /usr/local/bin/airlock',
    'make-dir /etc/airlock',
    'write-file /etc/airlock/airlock.toml',
    'write-file /etc/airlock/passphrase',
    'make-dir /var/lib/airlock',
    'init-data',
    'make-dir /etc/systemd/system',
    'write-file /etc/systemd/system/airlock.service',
  ]);
});

test('without root and without --root, install and uninstall are refused before any step', (t) => {
  const user = { ...freshHost, isRoot: false };
  for (const plan of [
    () => planInstall(user, request),
    () => planUninstall(user, { layout, purge: false, yes: false }),
  ]) {
    const error = t.throws(plan, { instanceOf: AirlockError });
    t.is(error?.code, 'ROOT_REQUIRED');
    t.regex(error?.message ?? '', /run it as root \(sudo\), or give --root DIR/);
  }
});

const installed: HostFacts = installedHost;

test('uninstall removes the unit and the binary and keeps the settings and the data', (t) => {
  t.deepEqual(kinds(planUninstall(installed, { layout, purge: false, yes: false })), [
    'remove /etc/systemd/system/airlock.service',
    'remove /usr/local/bin/airlock',
    'daemon-reload',
  ]);
});

test('uninstall --purge needs --yes, then removes the settings and the data too', (t) => {
  const error = t.throws(() => planUninstall(installed, { layout, purge: true, yes: false }), {
    instanceOf: AirlockError,
  });
  t.is(error?.code, 'USAGE');
  t.deepEqual(kinds(planUninstall(installed, { layout, purge: true, yes: true })), [
    'remove /etc/systemd/system/airlock.service',
    'remove /usr/local/bin/airlock',
    'remove /etc/airlock',
    'remove /var/lib/airlock',
    'daemon-reload',
  ]);
});

test('uninstall refuses while the service runs', (t) => {
  const error = t.throws(
    () =>
      planUninstall({ ...installed, serviceActive: true }, { layout, purge: false, yes: false }),
    { instanceOf: AirlockError },
  );
  t.is(error?.code, 'SERVICE_ACTIVE');
  t.regex(error?.message ?? '', /systemctl disable --now airlock/);
});

test('uninstall of what is not installed: nothing to do', (t) => {
  t.deepEqual(planUninstall(freshHost, { layout, purge: true, yes: true }), []);
});
