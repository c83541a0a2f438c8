// Machine components (src/sdk/node/machine.ts) read from a fake file system tree in a temp dir.

import test from 'ava';
import { mkdir, mkdtemp, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { AirlockError } from '../../src/core/errors.ts';
import { explicitComponents } from '../../src/core/fingerprint.ts';
import { readMachineComponents } from '../../src/sdk/node/machine.ts';

/** Builds a tree from { 'relative/path': content }; directories are made as needed. */
async function fakeRoot(files: Record<string, string>): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'airlock-machine-'));
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), content);
  }
  return root;
}

function nic(name: string, address: string, assignType?: string): Record<string, string> {
  const files: Record<string, string> = { [`sys/class/net/${name}/address`]: `${address}\n` };
  if (assignType !== undefined) files[`sys/class/net/${name}/addr_assign_type`] = `${assignType}\n`;
  return files;
}

test('reads machine-id, product UUID and the permanent MACs of physical interfaces', async (t) => {
  const root = await fakeRoot({
    'etc/machine-id': '3D1219C7C4C5404AAA1F6D2A48ADFDA4\n',
    'sys/class/dmi/id/product_uuid': '4C4C4544-0042-3510-8052-B4C04F4B4E32\n',
    ...nic('eth1', 'A4:BF:01:22:33:44', '0'),
    ...nic('eth0', 'a4:bf:01:00:00:01', '0'),
    ...nic('eno2', 'a4:bf:01:00:00:01'), // the same NIC seen twice counts once
    ...nic('wlan0', '3a:11:22:33:44:55', '3'), // randomized by the driver
    ...nic('enx0', '02:00:00:aa:bb:cc', '0'), // locally administered
    ...nic('dummy', '00:00:00:00:00:00', '0'),
    ...nic('ib0', '80:00:02:08:fe:80:00:00:00:00:00:00:00:02:c9:03:00:0b:6a:c1', '0'),
    ...nic('eth2', '00:1b:21:12:34:56', '0'),
  });
  // A virtual device: its class entry links into sys/devices/virtual, as on a real system.
  await mkdir(join(root, 'sys/devices/virtual/net/veth9'), { recursive: true });
  await writeFile(join(root, 'sys/devices/virtual/net/veth9/address'), '00:1b:21:99:99:99\n');
  await writeFile(join(root, 'sys/devices/virtual/net/veth9/addr_assign_type'), '0\n');
  await symlink('../../devices/virtual/net/veth9', join(root, 'sys/class/net/veth9'));

  t.deepEqual(readMachineComponents({}, root), {
    'machine-id': '3d1219c7c4c5404aaa1f6d2a48adfda4',
    'product-uuid': '4c4c4544-0042-3510-8052-b4c04f4b4e32',
    mac: '00:1b:21:12:34:56,a4:bf:01:00:00:01,a4:bf:01:22:33:44',
  });
});

test('falls back to the D-Bus machine-id and skips an uninitialized one', async (t) => {
  const root = await fakeRoot({
    'etc/machine-id': 'uninitialized\n',
    'var/lib/dbus/machine-id': 'b08dfa6083e7567a1921a715000001fb\n',
  });
  t.deepEqual(readMachineComponents({}, root), {
    'machine-id': 'b08dfa6083e7567a1921a715000001fb',
  });
});

test('leaves out placeholder product UUIDs', async (t) => {
  for (const uuid of [
    '00000000-0000-0000-0000-000000000000',
    'FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF',
  ]) {
    const root = await fakeRoot({ 'sys/class/dmi/id/product_uuid': uuid });
    t.deepEqual(readMachineComponents({}, root), {});
  }
});

test('an empty tree gives no components and does not throw', async (t) => {
  const root = await fakeRoot({});
  t.deepEqual(readMachineComponents({}, root), {});
  t.deepEqual(readMachineComponents({}, join(root, 'does-not-exist')), {});
});

test('the real root includes the hostname', (t) => {
  const components = readMachineComponents({});
  t.is(typeof components.hostname, 'string');
});

test('AIRLOCK_MACHINE_ID replaces every component', async (t) => {
  const root = await fakeRoot({ 'etc/machine-id': '3d1219c7c4c5404aaa1f6d2a48adfda4' });
  t.deepEqual(
    readMachineComponents({ AIRLOCK_MACHINE_ID: 'kiosk-17' }, root),
    explicitComponents('kiosk-17'),
  );
});

test('an empty, overlong or multi-line AIRLOCK_MACHINE_ID is FORMAT_INVALID', (t) => {
  for (const value of ['', 'x'.repeat(257), 'a\nb']) {
    const error = t.throws(() => readMachineComponents({ AIRLOCK_MACHINE_ID: value }), {
      instanceOf: AirlockError,
    });
    t.is(error?.code, 'FORMAT_INVALID');
    t.regex(error?.message ?? '', /AIRLOCK_MACHINE_ID/);
  }
  t.notThrows(() => readMachineComponents({ AIRLOCK_MACHINE_ID: 'x'.repeat(256) }));
});
