// The encrypted activation store (src/sdk/node/store.ts): round trips, moves between machines,
// changed machine components, and damaged files, on a real temporary directory.

import test from 'ava';
import { cp, mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { base64urlnopad } from '@scure/base';
import { AirlockError } from '../../src/core/errors.ts';
import { explicitComponents, type MachineComponents } from '../../src/core/fingerprint.ts';
import { openFileStore } from '../../src/sdk/node/store.ts';

const scratch = () => mkdtemp(join(tmpdir(), 'airlock-store-'));

const machineA: Required<MachineComponents> = {
  'machine-id': '3d1219c7c4c5404aaa1f6d2a48adfda4',
  'product-uuid': '4c4c4544-0042-3510-8052-b4c04f4b4e32',
  mac: '00:1b:21:12:34:56,a4:bf:01:00:00:01',
  hostname: 'build-07',
};
const machineB: Required<MachineComponents> = {
  'machine-id': 'b08dfa6083e7567a1921a715000001fb',
  'product-uuid': '1f0e6a3c-8a51-4d2b-9d0c-7b1e2f3a4b5c',
  mac: '00:1b:21:aa:bb:cc',
  hostname: 'build-08',
};
const state = { activation: { id: 'act_0011aabb', leaseEnd: 1767225600 }, seen: [1, 2, 3] };

async function savedStore(components: MachineComponents = machineA) {
  const dir = await scratch();
  await openFileStore(dir, components).save(state);
  return dir;
}

async function loadError(
  dir: string,
  components: MachineComponents,
  t: import('ava').ExecutionContext,
) {
  const error = await t.throwsAsync(openFileStore(dir, components).load(), {
    instanceOf: AirlockError,
  });
  return error;
}

test('state round-trips, and nothing stored loads as undefined', async (t) => {
  const dir = await scratch();
  const store = openFileStore(join(dir, 'nested', 'client'), machineA);
  t.is(await store.load(), undefined);
  for (const value of [state, 'text', 42, null, [true, { a: 'ü' }]]) {
    await store.save(value);
    t.deepEqual(await openFileStore(join(dir, 'nested', 'client'), machineA).load(), value);
  }
  t.is(store.path, join(dir, 'nested', 'client', 'airlock-store.json'));
});

test('the file is mode 0600 in a directory made with mode 0700, and hides the state', async (t) => {
  const dir = join(await scratch(), 'client');
  const store = openFileStore(dir, machineA);
  await store.save(state);
  t.is((await stat(store.path)).mode & 0o777, 0o600);
  t.is((await stat(dir)).mode & 0o777, 0o700);
  const text = await readFile(store.path, 'utf8');
  t.false(text.includes('act_0011aabb'));
  t.false(text.includes('build-07'));
  const file = JSON.parse(text) as { format: string; slots: { slot: string }[] };
  t.is(file.format, 'airlock-store/v1');
  t.deepEqual(
    file.slots.map((s) => s.slot),
    [
      'product-uuid+mac+hostname',
      'machine-id+mac+hostname',
      'machine-id+product-uuid+hostname',
      'machine-id+product-uuid+mac',
    ],
  );
});

test('every save uses a fresh IV', async (t) => {
  const dir = await scratch();
  const store = openFileStore(dir, machineA);
  await store.save(state);
  const first = await readFile(store.path, 'utf8');
  await store.save(state);
  t.not(await readFile(store.path, 'utf8'), first);
  t.deepEqual(await store.load(), state);
});

test('a store copied to another machine is STORE_FOREIGN', async (t) => {
  const dir = await savedStore();
  const elsewhere = await scratch();
  await cp(join(dir, 'airlock-store.json'), join(elsewhere, 'airlock-store.json'));
  const error = await loadError(elsewhere, machineB, t);
  t.is(error?.code, 'STORE_FOREIGN');
  t.regex(error?.message ?? '', /made on another machine/);
});

test('one changed or missing component still opens the store', async (t) => {
  const dir = await savedStore();
  for (const slot of ['machine-id', 'product-uuid', 'mac', 'hostname'] as const) {
    t.deepEqual(
      await openFileStore(dir, { ...machineA, [slot]: machineB[slot] }).load(),
      state,
      slot,
    );
    const { [slot]: _, ...without } = machineA;
    t.deepEqual(await openFileStore(dir, without).load(), state, `without ${slot}`);
  }
});

test('a clone sharing two components with the original (machine-id and hostname) is STORE_FOREIGN', async (t) => {
  const dir = await savedStore();
  const clone = { ...machineB, 'machine-id': machineA['machine-id'], hostname: machineA.hostname };
  t.is((await loadError(dir, clone, t))?.code, 'STORE_FOREIGN');
});

test('saving heals a changed component, so a second change later is still tolerated', async (t) => {
  const dir = await savedStore();
  const newNic = { ...machineA, mac: machineB.mac };
  const store = openFileStore(dir, newNic);
  await store.save(await store.load());
  const renamed = { ...newNic, hostname: machineB.hostname };
  t.deepEqual(await openFileStore(dir, renamed).load(), state);
  t.is(
    (await loadError(dir, { ...renamed, 'machine-id': machineB['machine-id'] }, t))?.code,
    'STORE_FOREIGN',
  );
});

test('a store bound to few components opens with any one of them', async (t) => {
  const dir = await savedStore({ 'machine-id': machineA['machine-id'], hostname: 'build-07' });
  t.deepEqual(await openFileStore(dir, { 'machine-id': machineA['machine-id'] }).load(), state);
  t.deepEqual(await openFileStore(dir, { hostname: 'build-07', mac: machineB.mac }).load(), state);
  t.is((await loadError(dir, { hostname: 'build-08' }, t))?.code, 'STORE_FOREIGN');
});

test('an explicit machine ID binds the store to that ID', async (t) => {
  const dir = await savedStore(explicitComponents('kiosk-17'));
  t.deepEqual(await openFileStore(dir, explicitComponents('kiosk-17')).load(), state);
  t.is((await loadError(dir, explicitComponents('kiosk-18'), t))?.code, 'STORE_FOREIGN');
});

test('a flipped byte in the ciphertext is STORE_UNREADABLE naming the file', async (t) => {
  const dir = await savedStore();
  const path = join(dir, 'airlock-store.json');
  const file = JSON.parse(await readFile(path, 'utf8')) as { ciphertext: string };
  const bytes = base64urlnopad.decode(file.ciphertext);
  bytes[3]! ^= 0x01;
  await writeFile(path, JSON.stringify({ ...file, ciphertext: base64urlnopad.encode(bytes) }));
  const error = await loadError(dir, machineA, t);
  t.is(error?.code, 'STORE_UNREADABLE');
  t.true(error?.message.includes(path));
  t.regex(error?.message ?? '', /tampered with/);
});

test('a truncated or malformed file is STORE_UNREADABLE', async (t) => {
  const dir = await savedStore();
  const path = join(dir, 'airlock-store.json');
  const text = await readFile(path, 'utf8');
  const good = JSON.parse(text) as Record<string, unknown>;
  const slots = good['slots'] as Record<string, unknown>[];
  const variants = [
    text.slice(0, text.length - 20),
    '',
    '[]',
    JSON.stringify({ ...good, format: 'airlock-store/v2' }),
    JSON.stringify({ ...good, extra: 1 }),
    JSON.stringify({ ...good, slots: [] }),
    JSON.stringify({ ...good, slots: [...slots, slots[0]] }),
    JSON.stringify({ ...good, slots: [{ ...slots[0], slot: 'hostname+mac' }] }),
    JSON.stringify({ ...good, slots: [{ ...slots[0], slot: '' }] }),
    JSON.stringify({ ...good, tag: 'AAAA' }),
    JSON.stringify({ ...good, iv: `${String(good['iv'])}=` }),
  ];
  for (const [i, content] of variants.entries()) {
    await writeFile(path, content);
    t.is((await loadError(dir, machineA, t))?.code, 'STORE_UNREADABLE', `variant ${i}`);
  }
});

test('an oversized file is STORE_UNREADABLE', async (t) => {
  const dir = await scratch();
  await writeFile(join(dir, 'airlock-store.json'), ' '.repeat(4 * 1024 * 1024 + 1));
  t.is((await loadError(dir, machineA, t))?.code, 'STORE_UNREADABLE');
});

test('a refused load leaves the file untouched', async (t) => {
  const dir = await savedStore();
  const path = join(dir, 'airlock-store.json');
  const before = await readFile(path);
  const { mtimeMs } = await stat(path);
  t.is((await loadError(dir, machineB, t))?.code, 'STORE_FOREIGN');
  t.deepEqual(await readFile(path), before);
  t.is((await stat(path)).mtimeMs, mtimeMs);
});

test('misuse throws a TypeError', async (t) => {
  const dir = await scratch();
  t.throws(() => openFileStore(dir, {}), { instanceOf: TypeError });
  t.throws(() => openFileStore('', machineA), { instanceOf: TypeError });
  await t.throwsAsync(openFileStore(dir, machineA).save(undefined), { instanceOf: TypeError });
});
