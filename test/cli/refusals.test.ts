// Bad input from the command line: each refusal has its own code, exit status and a sentence a
// person can act on; with --json, the one error object; never a stack trace.

import test from 'ava';
import { ALPHABET } from '../../src/core/alphabet.ts';
import { ROOT, run, vendorWithLicense, Workspace } from './helpers.ts';

/** Changes the first character of a group (1-based) to another code character. */
function mistype(code: string, group: number): string {
  const groups = code.split('-');
  const g = groups[group - 1]!;
  const next = ALPHABET[(ALPHABET.indexOf(g[0]!) + 1) % ALPHABET.length]!;
  groups[group - 1] = next + g.slice(1);
  return groups.join('-');
}

test('a mistyped group of a challenge is named before anything else is checked', async (t) => {
  const { ws, key } = await vendorWithLicense(t);
  const { challenge } = await ws.given(t, [
    'client',
    'challenge',
    '--license',
    key,
    '--store',
    ws.store,
    '--trust',
    ws.vendor,
  ]);
  const respond = [
    'vendor',
    'respond',
    mistype(challenge, 3),
    '--vendor',
    ws.vendor,
    '--license',
    key,
  ];

  const { error, exitCode } = await ws.refused(t, respond, 'CODE_GROUP_MISTYPED');
  t.is(exitCode, 3);
  t.like(error, { details: { group: 3 } });
  t.regex(error['message'], /Group 3 of the challenge looks mistyped/);

  const human = await ws.run(respond);
  t.is(human.exitCode, 3);
  t.is(human.stdout, '');
  t.regex(
    human.stderr,
    /^airlock: Group 3 of the challenge looks mistyped.*\(CODE_GROUP_MISTYPED\)\n$/,
  );
});

test("a license key of another vendor is refused as KEY_UNKNOWN by that vendor's clients", async (t) => {
  const { ws, key } = await vendorWithLicense(t);
  const other = ws.path('other-vendor');
  await ws.given(t, ['vendor', 'init', '--dir', other]);

  const { exitCode, error } = await ws.refused(
    t,
    ['client', 'challenge', '--license', key, '--store', ws.store, '--trust', other],
    'KEY_UNKNOWN',
  );
  t.is(exitCode, 4);
  t.regex(error['message'], /not among the trusted keys/);
});

test('inspect --product refuses a key for another product, still explaining its fields', async (t) => {
  const { ws, key, licenseId } = await vendorWithLicense(t);
  const { json, exitCode } = await ws.refused(
    t,
    ['license', 'inspect', key, '--trust', ws.vendor, '--product', 'acme-viewer'],
    'PRODUCT_MISMATCH',
  );
  t.is(exitCode, 5);
  t.like(json, { licenseId, product: 'acme-cad', valid: false });
});

test('an encrypted vendor key cannot sign without AIRLOCK_PASSPHRASE, nor with a wrong one', async (t) => {
  const ws = await Workspace.create(t);
  const init = await ws.given(t, ['vendor', 'init', '--dir', ws.vendor], {
    AIRLOCK_PASSPHRASE: 'correct horse',
  });
  t.true(init['encrypted']);
  const issue = ['license', 'issue', '--vendor', ws.vendor, '--product', 'acme-cad'];

  const missing = await ws.refused(t, issue, 'PASSPHRASE_REQUIRED');
  t.is(missing.exitCode, 7);
  t.regex(missing.error['message'], /AIRLOCK_PASSPHRASE/);
  await ws.refused(t, issue, 'PASSPHRASE_WRONG', { AIRLOCK_PASSPHRASE: 'battery staple' });
  await ws.given(t, issue, { AIRLOCK_PASSPHRASE: 'correct horse' });
});

test('a vendor directory is never overwritten, and a missing one says how to create it', async (t) => {
  const ws = await Workspace.create(t);
  await ws.given(t, ['vendor', 'init', '--dir', ws.vendor]);
  const before = await ws.snapshot('vendor');
  await ws.refused(t, ['vendor', 'init', '--dir', ws.vendor], 'FILE_EXISTS');
  t.deepEqual(await ws.snapshot('vendor'), before);

  const { error } = await ws.refused(
    t,
    ['license', 'issue', '--vendor', ws.path('nowhere'), '--product', 'acme-cad'],
    'FILE_NOT_FOUND',
  );
  t.regex(error['message'], /airlock vendor init/);
});

test('an unknown flag or a missing argument is a usage error with exit status 2', async (t) => {
  const ws = await Workspace.create(t);
  const { error, exitCode } = await ws.refused(
    t,
    ['client', 'status', '--stor', 'store', '--trust', 'vendor'],
    'USAGE',
  );
  t.is(exitCode, 2);
  t.regex(error['message'], /has no option --stor/);

  const human = await ws.run(['license', 'issue', '--vendor', 'vendor']);
  t.is(human.exitCode, 2);
  t.regex(human.stderr, /^airlock: `airlock license issue` needs --product NAME\..*\(USAGE\)\n$/);
  t.notRegex(human.stderr, /\n\s+at /, 'no stack trace');
});

test('help is printed by --help, by help, and for one command', async (t) => {
  const ws = await Workspace.create(t);
  const overview = await ws.run(['--help']);
  t.is(overview.exitCode, 0);
  t.regex(overview.stdout, /airlock client challenge/);
  t.regex(overview.stdout, /AIRLOCK_NOW .*testing and demos/s);

  const command = await ws.run(['help', 'client', 'challenge']);
  t.is(command.exitCode, 0);
  t.regex(command.stdout, /^Usage: airlock client challenge --license KEY --store DIR/);
  t.regex(command.stdout, /--qr FILE\.png\|FILE\.svg/);
});

test('npx airlock --help works from the project', async (t) => {
  const result = await run(['airlock', '--help'], { cwd: ROOT, command: ['npx', '--no-install'] });
  t.is(result.exitCode, 0, result.stderr);
  t.regex(result.stdout, /^airlock: offline software-license activation/);
});
