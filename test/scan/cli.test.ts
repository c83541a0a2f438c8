// `airlock scan IMAGE`, run as a user would: the real command in a child process, on image files
// and on standard input.

import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { CODES } from './codes.ts';
import * as d from './distort.ts';

const BIN = resolve(import.meta.dirname, '../../bin/airlock.js');

interface Run {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

function airlock(args: readonly string[], cwd: string, input?: Uint8Array): Promise<Run> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    child.on('error', fail);
    child.on('close', (code) => done({ exitCode: code ?? -1, stdout, stderr }));
    child.stdin.end(input ?? '');
  });
}

async function workspace(t: ExecutionContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'airlock-scan-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

test('airlock scan prints the challenge in a photo of a screen', async (t) => {
  const dir = await workspace(t);
  const photo = d.jpegRecode(d.noise(d.photo(await d.qrImage(CODES.challenge)), 8), 40);
  await writeFile(join(dir, 'photo.jpg'), d.toJpeg(photo, 80));

  const json = await airlock(['scan', 'photo.jpg', '--json'], dir);
  t.is(json.exitCode, 0, json.stderr);
  t.is(json.stderr, '');
  t.deepEqual(JSON.parse(json.stdout), { codes: [{ text: CODES.challenge, kind: 'challenge' }] });

  const text = await airlock(['scan', 'photo.jpg'], dir);
  t.is(text.exitCode, 0);
  t.is(text.stdout, `1 QR code in photo.jpg:\n  challenge: ${CODES.challenge}\n`);
});

test('airlock scan - reads the image from standard input and finds every code', async (t) => {
  const dir = await workspace(t);
  const picture = d.sideBySide([
    await d.qrImage(CODES.challenge, { scale: 4 }),
    await d.qrImage(CODES.combinedResponse, { scale: 3 }),
  ]);
  const run = await airlock(['scan', '-', '--json'], dir, d.toPng(picture));
  t.is(run.exitCode, 0, run.stdout);
  const { codes } = JSON.parse(run.stdout) as { codes: { text: string; kind: string }[] };
  t.deepEqual(
    codes.sort((a, b) => a.kind.localeCompare(b.kind)),
    [
      { text: CODES.challenge, kind: 'challenge' },
      { text: CODES.combinedResponse, kind: 'response' },
    ],
  );
});

test('airlock scan explains a picture without a code, and refuses what is not an image', async (t) => {
  const dir = await workspace(t);
  await writeFile(join(dir, 'wall.png'), d.toPng(d.noise(d.blank(640, 480, 180), 10)));
  await writeFile(join(dir, 'notes.txt'), CODES.challenge);

  const none = await airlock(['scan', 'wall.png', '--json'], dir);
  t.is(none.exitCode, 3);
  t.deepEqual(JSON.parse(none.stdout), {
    error: {
      code: 'CODE_EMPTY',
      message:
        'No QR code was found in this image: fill the frame with the code, avoid glare and reflections, and hold the camera steady.',
    },
  });

  const text = await airlock(['scan', 'notes.txt'], dir);
  t.is(text.exitCode, 3);
  t.is(text.stderr, 'airlock: This is not a PNG or JPEG image. (FORMAT_INVALID)\n');

  const missing = await airlock(['scan', 'nowhere.png', '--json'], dir);
  t.is(missing.exitCode, 7);
  t.is(JSON.parse(missing.stdout).error.code, 'FILE_NOT_FOUND');
});
