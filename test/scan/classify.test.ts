// What a scanned QR code holds, by its shape: every kind from the format vectors, the combined
// response form of a first activation, and texts that only look close.

import test from 'ava';
import { classifyCode, type CodeKind } from '../../src/scan/classify.ts';
import { CODES } from './codes.ts';

const kinds: readonly [string, string, CodeKind][] = [
  ['a challenge', CODES.challenge, 'challenge'],
  ['a typed response code', CODES.response, 'response'],
  [
    'the combined response and certificate of a first activation',
    CODES.combinedResponse,
    'response',
  ],
  ['a deactivation code', CODES.deactivation, 'deactivation'],
  ['a license key', CODES.license, 'license'],
  ['an appliance-held license key (FORMATS §13)', 'S40G40R43-0M30E209Y-185GR38ER', 'held-license'],
  ['an appliance certificate, typed', CODES.certificate, 'certificate'],
  ['an appliance certificate, compact', CODES.compactCertificate, 'certificate'],
];

for (const [what, text, kind] of kinds) {
  test(`classifies ${what} as ${kind}`, (t) => {
    t.is(classifyCode(text), kind);
    t.is(classifyCode(`  ${text}\n`), kind, 'surrounding white space is ignored');
  });
}

test('calls anything else unknown', (t) => {
  const [response, certificate] = CODES.combinedResponse.split('+') as [string, string];
  const unknown = [
    '',
    'https://example.com/activate?code=C5DNR000H',
    'hello',
    CODES.challenge.toLowerCase(), // machines print canonical codes; typing forgives, QR does not
    CODES.challenge.replace('0', 'O'),
    CODES.challenge.slice(0, -1), // a group of 8
    `${CODES.challenge}-`,
    CODES.challenge.replace(/-/g, ' '),
    `B${CODES.challenge.slice(1)}`, // a revocation bundle's letter: never a QR code
    `X${CODES.challenge.slice(1)}`,
    response, // a compact response alone is no form Airlock reads
    `${response}+`,
    `+${certificate}`,
    `${certificate}+${response}`,
    `${response}+${certificate}+${certificate}`,
    `C${certificate.slice(1)}`, // compact, but only certificates have a compact form alone
    CODES.challenge.repeat(30),
  ];
  for (const text of unknown) t.is(classifyCode(text), 'unknown', text.slice(0, 60));
});

test('refuses what is not a string with a TypeError', (t) => {
  for (const value of [undefined, null, 42, new Uint8Array(3), {}]) {
    t.throws(() => classifyCode(value as string), { instanceOf: TypeError });
  }
});
