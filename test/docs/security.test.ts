// docs/SECURITY.md backs each claim with a named test (`folder › file › title`): every one it names
// must exist, so the threat model cannot drift away from what is tested.

import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import test from 'ava';

const ROOT = resolve(import.meta.dirname, '../..');

test('every test docs/SECURITY.md names exists under that name', async (t) => {
  const doc = await readFile(join(ROOT, 'docs', 'SECURITY.md'), 'utf8');
  const named = [...doc.matchAll(/`([\w-]+) › ([\w.-]+) › ([^`]+)`/g)];
  t.true(named.length >= 20, 'the claims are backed by tests');
  for (const [, folder, file, title] of named) {
    const source = await readFile(join(ROOT, 'test', folder!, `${file}.test.ts`), 'utf8').catch(
      () => '',
    );
    t.true(source.includes(title!), `test/${folder}/${file}.test.ts has "${title}"`);
  }
});
