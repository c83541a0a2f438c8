// The applier of installation plans on real files below a temporary root: each kind of step it
// can take here (the system user and systemctl are the host's, not a test's), owners given with
// chown as the installer gives them, and a failed step named with what was done before it.

import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { AirlockError } from '../../src/core/errors.ts';
import { applyPlan } from '../../src/install/apply.ts';
import type { Step } from '../../src/install/steps.ts';

async function tempRoot(t: ExecutionContext): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'airlock-apply-'));
  t.teardown(() => rm(root, { recursive: true, force: true }));
  return root;
}

const noInit = { initData: async () => 'unused' };
const modeOf = async (path: string) => ((await stat(path)).mode & 0o7777).toString(8);

test('directories, files, modes, owners, the binary and removals, below the root', async (t) => {
  const root = await tempRoot(t);
  const source = join(root, 'build');
  await writeFile(source, 'binary bytes');
  const me = userInfo().username;
  const steps: Step[] = [
    { kind: 'make-dir', path: '/opt/a/b', mode: 0o700 },
    {
      kind: 'write-file',
      path: '/opt/a/b/settings',
      mode: 0o640,
      text: 'x = 1\n',
      what: 'settings',
      secret: false,
      replaces: false,
    },
    { kind: 'set-mode', path: '/opt/a/b/settings', mode: 0o600 },
    { kind: 'set-owner', path: '/opt/a', user: me, recursive: true },
    { kind: 'make-dir', path: '/bin', mode: 0o755 },
    { kind: 'copy-binary', source, path: '/bin/airlock', replaces: false },
    { kind: 'remove', path: '/opt/a/b/settings', what: 'settings', recursive: false },
  ];
  t.is(await applyPlan(steps, { root, ...noInit }), undefined);
  t.is(await modeOf(join(root, 'opt/a/b')), '700');
  await t.throwsAsync(stat(join(root, 'opt/a/b/settings')), { code: 'ENOENT' });
  t.is(await readFile(join(root, 'bin/airlock'), 'utf8'), 'binary bytes');
  t.is(await modeOf(join(root, 'bin/airlock')), '755');
  t.is((await stat(join(root, 'opt/a'))).uid, process.getuid!());
});

test('the data directory is initialised with the passphrase in its file, newline dropped', async (t) => {
  const root = await tempRoot(t);
  await writeFile(join(root, 'passphrase'), 'correct horse\n', { mode: 0o600 });
  const seen: string[] = [];
  const result = await applyPlan(
    [{ kind: 'init-data', dir: '/data', passphraseFile: '/passphrase' }],
    { root, initData: async (dir, passphrase) => (seen.push(dir, passphrase), 'initialised') },
  );
  t.is(result, 'initialised');
  t.deepEqual(seen, [join(root, 'data'), 'correct horse']);

  await chmod(join(root, 'passphrase'), 0o644);
  const error = await t.throwsAsync(
    applyPlan([{ kind: 'init-data', dir: '/data', passphraseFile: '/passphrase' }], {
      root,
      ...noInit,
    }),
    { instanceOf: AirlockError },
  );
  t.is(error?.code, 'KEY_FILE_EXPOSED');
});

test('a failed step says which, keeps its code, and that the steps before it were done', async (t) => {
  const root = await tempRoot(t);
  const steps: Step[] = [
    { kind: 'make-dir', path: '/etc/airlock', mode: 0o755 },
    { kind: 'set-owner', path: '/etc/airlock', user: 'no-such-user-here', recursive: false },
  ];
  const error = await t.throwsAsync(applyPlan(steps, { root, ...noInit }), {
    instanceOf: AirlockError,
  });
  t.is(error?.code, 'INTERNAL');
  t.is(error?.details['step'], 2);
  t.regex(
    error?.message ?? '',
    /^Step 2 of 2 \(give \/etc\/airlock to the user no-such-user-here\) failed: chown .*The steps before it were done; run the command again once this is fixed\.$/s,
  );
  t.true((await stat(join(root, 'etc/airlock'))).isDirectory());
});
