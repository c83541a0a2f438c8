// Output for people on a terminal: aligned tables, colours only on a terminal, and a progress bar
// on stderr that a pipe and --json never see.

import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import test from 'ava';
import { bytesText } from '../../src/cli/output.ts';
import { progressBar } from '../../src/cli/progress.ts';
import { table } from '../../src/cli/table.ts';
import { ansi, plain, visibleWidth, wantsColour } from '../../src/cli/terminal.ts';
import { ROOT, vendorWithLicense } from './helpers.ts';

test('a table aligns its columns, numbers to the right, whatever colours its cells carry', (t) => {
  const rows = [
    ['act_1', ansi('green', 'active'), '3'],
    ['act_22', ansi('red', 'revoked'), '12'],
  ];
  const lines = table(['id', 'status', { title: 'seats', align: 'right' }], rows, plain);
  t.deepEqual(
    lines.map((l) => l.replace(/\u001b\[[0-9;]*m/g, '')),
    ['  id      status   seats', '  act_1   active       3', '  act_22  revoked     12'],
  );
  t.is(visibleWidth(ansi('bold', 'héllo')), 5);
  t.deepEqual(table(['id'], [], plain), [], 'no rows, no header');
});

test('colours only for a terminal, without --json, NO_COLOR or TERM=dumb', (t) => {
  t.true(wantsColour(true, false, {}));
  t.false(wantsColour(false, false, {}), 'a pipe');
  t.false(wantsColour(undefined, false, {}));
  t.false(wantsColour(true, true, {}), '--json');
  t.false(wantsColour(true, false, { NO_COLOR: '1' }));
  t.true(wantsColour(true, false, { NO_COLOR: '' }), 'an empty NO_COLOR does not count');
  t.false(wantsColour(true, false, { TERM: 'dumb' }));
});

test('the progress bar redraws at most every interval, always at the end, and clears itself', (t) => {
  let now = 0;
  const out: string[] = [];
  const bar = progressBar('verifying', {
    write: (s) => out.push(s),
    paint: plain,
    clock: () => now,
    intervalMs: 100,
    units: bytesText,
  });
  bar.update(0, 2048);
  bar.update(512, 2048);
  now = 50;
  bar.update(1024, 2048);
  t.is(out.length, 1, 'updates within the interval are skipped');
  t.regex(out[0]!, /^\r\u001b\[2Kverifying {2}░{30} {3}0% {2}0 bytes\/2 KiB$/);
  bar.update(2048, 2048);
  t.is(out.length, 2, 'the last update is always drawn');
  t.regex(out[1]!, /█{30} 100% {2}2 KiB\/2 KiB$/);
  bar.finish();
  t.is(out[2], '\r\u001b[2K');
  bar.finish();
  t.is(out.length, 3, 'a cleared bar is not cleared twice');
  t.is(bytesText(3 * 2 ** 20 + 2 ** 19), '3.5 MiB');
});

const exec = promisify(execFile);
const BIN = join(ROOT, 'bin', 'airlock.js');

/** Runs airlock under a pseudo-terminal (util-linux `script`), as a person at a terminal would. */
async function onTerminal(args: readonly string[]): Promise<string> {
  const command = [process.execPath, BIN, ...args].map((a) => `'${a}'`).join(' ');
  const { stdout } = await exec('script', ['-qec', command, '/dev/null'], {
    env: { ...process.env, TERM: 'xterm', NO_COLOR: '' },
  });
  return stdout;
}

test('ledger verify and backup: a bar and colours on a terminal; neither in a pipe nor with --json', async (t) => {
  const { ws, key } = await vendorWithLicense(t);
  const data = ws.path('data');
  await ws.given(t, ['appliance', 'init', '--data', data, '--vendor', ws.vendor]);
  await ws.given(t, ['license', 'add', key, '--data', data]);

  const terminal = await onTerminal(['ledger', 'verify', '--data', data]);
  t.regex(terminal, /verifying {2}\u001b\[36m█+/, 'the bar is drawn');
  t.regex(terminal, /\r\u001b\[2K/, 'and cleared');
  t.regex(terminal, /\u001b\[32mThe ledger verifies\u001b\[39m/);

  const json = await onTerminal(['ledger', 'verify', '--data', data, '--json']);
  t.notRegex(json, /\u001b/, 'no bar and no colour with --json');
  t.like(JSON.parse(json), { ok: true });

  const backup = await onTerminal(['backup', '--data', data, '--out', ws.path('b.tar')]);
  t.regex(backup, /backing up {2}\u001b\[36m█+/, 'backup draws its bar too');

  const piped = await ws.run(['ledger', 'verify', '--data', data]);
  t.is(piped.exitCode, 0);
  t.notRegex(piped.stdout + piped.stderr, /\u001b|█/);
  t.regex(piped.stdout, /^The ledger verifies: \d+ records?\./);
});
