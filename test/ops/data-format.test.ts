// A data directory written in a newer data format is refused by every opener: each command that
// takes --data, the library's openAppliance (what serve runs on), backup, upgrade and a restore of
// its backup; the refusal names the airlock version that wrote it, and nothing is changed.

import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { initApplianceDir } from '../../src/appliance/data-dir.ts';
import {
  checkDataFormat,
  DATA_FORMAT,
  formatOfSettings,
  readDataFormat,
} from '../../src/appliance/data-format.ts';
import { openAppliance } from '../../src/appliance/service.ts';
import { GROUPS } from '../../src/cli/main.ts';
import { createBackup } from '../../src/ops/backup.ts';
import { restoreBackup } from '../../src/ops/restore.ts';
import { upgradeDataDir } from '../../src/ops/upgrade.ts';
import { serve } from '../serve/helpers.ts';
import { cli } from './helpers.ts';

const NOW = 1_799_971_200;
const restoring = { now: NOW + 3600, airlockVersion: '0.2.0' };

async function dataDir(t: ExecutionContext): Promise<{ root: string; data: string }> {
  const root = await mkdtemp(join(tmpdir(), 'airlock-format-'));
  t.teardown(() => rm(root, { recursive: true, force: true }));
  const data = join(root, 'data');
  await initApplianceDir(data, { now: NOW });
  return { root, data };
}

/** Rewrites the settings as an airlock of a later data format would have. */
async function makeNewer(data: string): Promise<void> {
  const path = join(data, 'appliance.json');
  const settings = JSON.parse(await readFile(path, 'utf8'));
  await writeFile(
    path,
    JSON.stringify({ ...settings, dataFormat: DATA_FORMAT + 1, airlockVersion: '9.1.0' }),
  );
}

test('a new data directory is of the current format, written by this airlock', async (t) => {
  const { data } = await dataDir(t);
  const found = await readDataFormat(data);
  t.is(found?.format, DATA_FORMAT);
  t.regex(found?.writtenBy ?? '', /^\d+\.\d+\.\d+/);
});

test('formats are read strictly and compared both ways', (t) => {
  t.deepEqual(formatOfSettings({ format: 'airlock-appliance/v1' }), { format: 1, writtenBy: null });
  t.deepEqual(
    formatOfSettings({ format: 'airlock-appliance/v2', dataFormat: 2, airlockVersion: '0.2.0' }),
    { format: 2, writtenBy: '0.2.0' },
  );
  for (const bad of [
    null,
    [],
    'airlock-appliance/v2',
    { format: 'airlock-appliance/v3', dataFormat: 3, airlockVersion: '1.0.0' },
    { format: 'airlock-appliance/v2', dataFormat: 1, airlockVersion: '0.2.0' },
    { format: 'airlock-appliance/v2', dataFormat: 2.5, airlockVersion: '0.2.0' },
    { format: 'airlock-appliance/v2', dataFormat: 2 },
    { format: 'airlock-appliance/v2', dataFormat: 2, airlockVersion: 'x'.repeat(65) },
    { format: 'airlock-appliance/v2', dataFormat: 2, airlockVersion: '0.2.0\n' },
  ]) {
    t.is(formatOfSettings(bad), null, JSON.stringify(bad));
  }
  t.notThrows(() => checkDataFormat({ format: DATA_FORMAT, writtenBy: '0.1.0' }, 'D'));
  const newer = t.throws(() =>
    checkDataFormat({ format: DATA_FORMAT + 1, writtenBy: '9.1.0' }, 'D'),
  );
  t.like(newer, { code: 'DATA_FORMAT_NEWER', details: { needs: '9.1.0' } });
  t.regex(newer!.message, /written by airlock 9\.1\.0.*Run airlock 9\.1\.0 or newer/);
  t.like(
    t.throws(() => checkDataFormat({ format: 1, writtenBy: null }, 'D')),
    { code: 'DATA_FORMAT_OLDER' },
  );
});

test('every command given --data refuses a newer data format, naming the version that reads it', async (t) => {
  const { data } = await dataDir(t);
  await makeNewer(data);
  const settings = await readFile(join(data, 'appliance.json'), 'utf8');
  const checked: string[] = [];
  for (const group of GROUPS) {
    for (const command of group.commands) {
      if (!('data' in command.options) || group.name === 'restore' || group.name === 'doctor') {
        continue;
      }
      const argv = [group.name, ...(command.name === '' ? [] : [command.name])];
      argv.push(...(command.positionals ?? []).map(() => 'x'));
      for (const name of command.required ?? []) {
        if (name !== 'data') argv.push(`--${name}`, name === 'role' ? 'admin' : 'x');
      }
      argv.push('--data', data);
      const { json } = await cli(argv);
      t.is(
        json.error?.code,
        'DATA_FORMAT_NEWER',
        `airlock ${argv.join(' ')}: ${JSON.stringify(json)}`,
      );
      t.regex(json.error?.message ?? '', /airlock 9\.1\.0 or newer/);
      checked.push(`${group.name} ${command.name}`.trim());
    }
  }
  t.true(checked.includes('serve'));
  t.true(checked.includes('backup'));
  t.true(checked.includes('upgrade'));
  t.true(checked.length >= 20, checked.join(', '));
  t.is(await readFile(join(data, 'appliance.json'), 'utf8'), settings);
});

test('the library, serve as a process, backup, upgrade and restore refuse a newer format too', async (t) => {
  const { root, data } = await dataDir(t);
  await createBackup(data, { out: join(root, 'current.tar'), now: NOW, airlockVersion: '0.2.0' });
  await makeNewer(data);
  const random = (n: number) => new Uint8Array(n);
  await t.throwsAsync(openAppliance(data, { clock: () => NOW, random, purpose: 'test' }), {
    code: 'DATA_FORMAT_NEWER',
  } as never);
  await t.throwsAsync(serve(t, data), { message: /DATA_FORMAT_NEWER/ });
  const options = { now: NOW, airlockVersion: '0.2.0' };
  await t.throwsAsync(createBackup(data, { ...options, out: join(root, 'newer.tar') }), {
    code: 'DATA_FORMAT_NEWER',
  } as never);
  await t.throwsAsync(upgradeDataDir(data, { ...options, tlsConfigured: false, tlsHosts: [] }), {
    code: 'DATA_FORMAT_NEWER',
  } as never);
  // A backup whose manifest says it was taken in a newer format (same length, so only that changed).
  const archive = await readFile(join(root, 'current.tar'), 'latin1');
  const at = archive.lastIndexOf(`"dataFormat": ${DATA_FORMAT},`); // in the manifest, at the end
  const marked = `${archive.slice(0, at)}"dataFormat": ${DATA_FORMAT + 1}${archive.slice(at + 15)}`;
  t.not(marked, archive);
  await writeFile(join(root, 'newer-backup.tar'), marked, 'latin1');
  await t.throwsAsync(
    restoreBackup(join(root, 'newer-backup.tar'), join(root, 'restored'), restoring),
    {
      code: 'DATA_FORMAT_NEWER',
    } as never,
  );
  t.false((await readdir(root)).includes('restored'));
});
