// QR codes: the challenge as an image file, and drawn in the terminal for a person at it.

import { readFile } from 'node:fs/promises';
import test from 'ava';
import QRCode from 'qrcode';
import { main } from '../../src/cli/main.ts';
import { givenActivation, vendorWithLicense } from './helpers.ts';

test('--qr writes the challenge as a PNG or SVG image', async (t) => {
  const { ws, key } = await vendorWithLicense(t);
  const challenge = [
    'client',
    'challenge',
    '--license',
    key,
    '--store',
    ws.store,
    '--trust',
    ws.vendor,
  ];

  const png = await ws.ok(t, [...challenge, '--qr', ws.path('challenge.png')]);
  t.is(png['qrFile'], ws.path('challenge.png'));
  const image = await readFile(ws.path('challenge.png'));
  t.deepEqual([...image.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

  await ws.given(t, [...challenge, '--qr', ws.path('challenge.svg')]);
  t.regex(await readFile(ws.path('challenge.svg'), 'utf8'), /<svg xmlns=/);

  await ws.refused(t, [...challenge, '--qr', ws.path('challenge.jpg')], 'USAGE');
});

test('the QR forms are alphanumeric; a first response fits QR version 10 at level M', async (t) => {
  const { ws, key } = await vendorWithLicense(t);
  const { challenge, qr } = await givenActivation(t, ws, key);
  for (const text of [challenge, qr]) {
    const symbol = QRCode.create(text, { errorCorrectionLevel: 'M' });
    // Never byte mode; a run of digits in the random part may go in numeric mode, which is smaller.
    t.deepEqual(
      symbol.segments.filter((s) => s.mode.id !== 'Alphanumeric' && s.mode.id !== 'Numeric'),
      [],
    );
    t.true(symbol.version <= 10, `version ${symbol.version}`);
  }
});

test('in a terminal, the challenge is also drawn as a QR code', async (t) => {
  const { ws, key } = await vendorWithLicense(t);
  let stdout = '';
  const exitCode = await main(
    ['client', 'challenge', '--license', key, '--store', ws.store, '--trust', ws.vendor],
    {
      env: ws.env,
      stdout: { write: (s: string) => (stdout += s), isTTY: true },
      stderr: { write: () => true },
      stdin: [],
    },
  );
  t.is(exitCode, 0);
  t.regex(stdout, /[▀▄█]{10}/, 'a QR code of block characters');
  t.regex(stdout, /airlock client apply RESPONSE/);
});
