// Appliance-held license keys (docs/FORMATS.md §13): 15 bytes typed as 3 checked groups, the
// license ID derived from the key, and the keyed hash the appliance stores instead of the key.

import { createHash, createHmac } from 'node:crypto';
import test from 'ava';
import { toHex } from '../../src/core/bytes.ts';
import {
  createHeldKey,
  decodeHeldKey,
  heldKeyHash,
  HELD_KEY_RANDOM_BYTES,
  parseHeldKey,
} from '../../src/core/formats/held-key.ts';
import { encodeTyped } from '../../src/core/typed-code.ts';

const RANDOM = Uint8Array.from({ length: HELD_KEY_RANDOM_BYTES }, (_, i) => i + 1);

test('a held key is S, version 1, and 14 random bytes: 29 characters in 3 checked groups', (t) => {
  const key = createHeldKey(RANDOM);
  t.is(key.bytes[0], (0x19 << 3) | 1); // S is the 25th letter of the alphabet
  t.deepEqual(key.bytes.subarray(1), RANDOM);
  t.regex(key.text, /^S[0-9A-Z]{8}-[0-9A-Z]{9}-[0-9A-Z]{9}$/);
  t.is(key.text, encodeTyped(key.bytes));
  t.snapshot(key.text);
});

test('its license ID is SHA-256 of a context string and the key, cut to 8 bytes', (t) => {
  const key = createHeldKey(RANDOM);
  const expected = createHash('sha256')
    .update(Buffer.concat([Buffer.from('airlock-held-key-v1\0'), key.bytes]))
    .digest()
    .subarray(0, 8);
  t.is(toHex(key.licenseId), expected.toString('hex'));
  t.deepEqual(decodeHeldKey(key.text).licenseId, key.licenseId);
});

test('typing is forgiven like every typed code, and a mistyped group is named', (t) => {
  const key = createHeldKey(RANDOM);
  const sloppy = key.text.toLowerCase().replaceAll('0', 'o').replaceAll('1', 'i');
  t.deepEqual(decodeHeldKey(sloppy).bytes, key.bytes);
  const groups = key.text.split('-');
  const wrong = groups[1]![0] === 'A' ? 'B' : 'A';
  groups[1] = wrong + groups[1]!.slice(1);
  t.throws(() => decodeHeldKey(groups.join('-')), { code: 'CODE_GROUP_MISTYPED' });
});

test('another kind of code, a length other than 3 groups, or misuse is refused', (t) => {
  const deactivationLike = encodeTyped(Uint8Array.from([0x19, ...RANDOM])); // D, version 1
  t.throws(() => decodeHeldKey(deactivationLike), { code: 'CODE_WRONG_KIND' });
  const challenge = encodeTyped(Uint8Array.from([0x61, ...new Uint8Array(44)]));
  t.throws(() => decodeHeldKey(challenge), { code: 'CODE_TOO_LONG' });
  const longer = encodeTyped(Uint8Array.from([(0x19 << 3) | 1, ...new Uint8Array(19)]));
  t.throws(() => decodeHeldKey(longer), {
    code: 'CODE_TOO_LONG',
    message: /has 4 groups; it should have 3/,
  });
  const v2 = encodeTyped(Uint8Array.from([(0x19 << 3) | 2, ...RANDOM]));
  t.throws(() => decodeHeldKey(v2), { code: 'FORMAT_UNSUPPORTED_VERSION' });
  t.throws(() => createHeldKey(new Uint8Array(13)), { instanceOf: TypeError });
  t.throws(() => decodeHeldKey(42), { instanceOf: TypeError });
});

test('parseHeldKey refuses bytes of any other length as FORMAT_INVALID', (t) => {
  const key = createHeldKey(RANDOM);
  for (const length of [1, 5, 9, 10, 14, 16, 20]) {
    const bytes = new Uint8Array(length);
    bytes.set(key.bytes.subarray(0, Math.min(length, key.bytes.length)));
    t.throws(() => parseHeldKey(bytes), { code: 'FORMAT_INVALID' }, `${length} bytes`);
  }
  t.deepEqual(parseHeldKey(key.bytes).licenseId, key.licenseId);
});

test('the stored hash is HMAC-SHA-256 of the key bytes under the data directory secret', (t) => {
  const key = createHeldKey(RANDOM);
  const secret = new Uint8Array(32).fill(7);
  const expected = createHmac('sha256', secret).update(key.bytes).digest('hex');
  t.is(heldKeyHash(secret, key), expected);
  t.not(heldKeyHash(new Uint8Array(32).fill(8), key), expected);
});
