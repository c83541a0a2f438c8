// Carries out an installation plan (src/install/plan.ts) step by step, below --root when given.
// Files are written atomically, the binary is copied beside its place and renamed over it (a
// running service keeps its old file), users and owners are left to useradd and chown. A failed
// step stops the run; the steps before it stay done, so running the command again finishes it.

import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, copyFile, mkdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { AirlockError, isAirlockError } from '../core/errors.ts';
import { syncDirectory, writeFileAtomic } from '../node/atomic-file.ts';
import { readPrivateFile } from '../node/private-file.ts';
import { placeOf } from './facts.ts';
import { describeStep, type Step } from './steps.ts';

export interface ApplyOptions<T> {
  /** Where the host paths go: undefined for the host itself. */
  readonly root: string | undefined;
  /** `airlock appliance init` of a data directory (a path of this machine), with the passphrase. */
  readonly initData: (dir: string, passphrase: string) => Promise<T>;
}

/** A passphrase is a line of text (src/cli/passphrase.ts reads it the same way). */
const MAX_PASSPHRASE_BYTES = 1024;

function run(file: string, args: readonly string[]): Promise<void> {
  return new Promise((done, failed) => {
    execFile(file, args, { encoding: 'utf8' }, (error, _stdout, stderr) => {
      if (error === null) return done();
      const why =
        (error as { code?: unknown }).code === 'ENOENT'
          ? `${file} is not installed`
          : stderr.trim() || error.message;
      failed(new AirlockError('INTERNAL', `${file} ${args.join(' ')} failed: ${why}`));
    });
  });
}

/** The passphrase file's text without its final newline; the file must be private. */
async function readPassphrase(path: string): Promise<string> {
  // Read by root for the service's user: the mode is checked, not the owner.
  const bytes = await readPrivateFile(path, MAX_PASSPHRASE_BYTES, 'passphrase file');
  const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes).replace(/\r?\n$/, '');
  if (text === '') {
    throw new AirlockError('PASSPHRASE_REQUIRED', `The passphrase file ${path} is empty.`, {
      path,
    });
  }
  return text;
}

/** Copies beside the target, then renames over it: never a half-copied binary in place. */
async function copyBinary(source: string, target: string): Promise<void> {
  const temp = join(dirname(target), `.${basename(target)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await copyFile(source, temp);
    await chmod(temp, 0o755);
    await rename(temp, target);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  await syncDirectory(dirname(target));
}

async function applyStep<T>(step: Step, options: ApplyOptions<T>): Promise<T | undefined> {
  const place = placeOf(options.root);
  switch (step.kind) {
    case 'create-user':
      await run('useradd', [
        '--system',
        '--user-group',
        '--home-dir',
        step.home,
        '--no-create-home',
        '--shell',
        '/usr/sbin/nologin',
        step.user,
      ]);
      return undefined;
    case 'make-dir':
      await mkdir(place(step.path), { recursive: true, mode: step.mode });
      await chmod(place(step.path), step.mode); // mkdir applies the umask
      return undefined;
    case 'set-mode':
      await chmod(place(step.path), step.mode);
      return undefined;
    case 'set-owner':
      // "user:" is the user and its login group.
      await run('chown', [...(step.recursive ? ['-R'] : []), `${step.user}:`, place(step.path)]);
      return undefined;
    case 'write-file':
      await writeFileAtomic(place(step.path), step.text, { mode: step.mode });
      return undefined;
    case 'copy-binary':
      await copyBinary(step.source, place(step.path));
      return undefined;
    case 'init-data':
      return options.initData(place(step.dir), await readPassphrase(place(step.passphraseFile)));
    case 'remove':
      await rm(place(step.path), { recursive: step.recursive, force: true });
      return undefined;
    case 'daemon-reload':
      await run('systemctl', ['daemon-reload']);
      return undefined;
  }
}

/** Applies the steps in order; returns what the data directory's initialisation reported. */
export async function applyPlan<T>(
  steps: readonly Step[],
  options: ApplyOptions<T>,
): Promise<T | undefined> {
  let initialised: T | undefined;
  for (const [index, step] of steps.entries()) {
    try {
      initialised = (await applyStep(step, options)) ?? initialised;
    } catch (error) {
      const code = isAirlockError(error) ? error.code : 'INTERNAL';
      const message = error instanceof Error ? error.message : String(error);
      throw new AirlockError(
        code,
        `Step ${index + 1} of ${steps.length} (${describeStep(step)}) failed: ${message.replace(/\.?$/, '.')} The steps before it were done; run the command again once this is fixed.`,
        isAirlockError(error) ? { ...error.details, step: index + 1 } : { step: index + 1 },
      );
    }
  }
  return initialised;
}
