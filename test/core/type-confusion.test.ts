// Wrong-type and hostile inputs fed to every public decoder (docs/FORMATS.md §1.3): a value of the
// wrong type is a programmer's mistake and throws TypeError; bad data throws an AirlockError with a
// code. Nothing else ever escapes, and nothing takes long.

import test from 'ava';
import fc from 'fast-check';
import { AirlockError } from '../../src/core/errors.ts';
import { decodeCertificate, parseCertificate } from '../../src/core/formats/certificate.ts';
import { decodeChallenge, parseChallenge } from '../../src/core/formats/challenge.ts';
import { decodeDeactivation, parseDeactivation } from '../../src/core/formats/deactivation.ts';
import { decodeLicenseKey, parseLicenseKey } from '../../src/core/formats/license-key.ts';
import { decodeResponse, parseResponse } from '../../src/core/formats/response.ts';
import { parseBundle } from '../../src/core/formats/revocation-bundle.ts';
import { decodeRootHandover, parseRootHandover } from '../../src/core/formats/root-handover.ts';
import { ID_PREFIX, type IdKind, parseId } from '../../src/core/ids.ts';

type Decoder = (input: unknown) => unknown;

/** Decoders of text: anything but a string is misuse. */
const TEXT_DECODERS: Record<string, Decoder> = {
  decodeLicenseKey,
  decodeChallenge,
  decodeResponse: (x) => decodeResponse(x),
  decodeDeactivation,
  decodeCertificate,
  decodeRootHandover,
  ...Object.fromEntries(
    (Object.keys(ID_PREFIX) as IdKind[]).map((kind) => [
      `parseId(${kind})`,
      (x: unknown) => parseId(kind, x),
    ]),
  ),
};

/** Decoders of bytes: parseBundle checks its argument; the others are typed Uint8Array only. */
const BYTE_DECODERS: Record<string, Decoder> = {
  parseBundle: (x) => parseBundle(x as Uint8Array),
};
const INTERNAL_BYTE_DECODERS: Record<string, Decoder> = {
  parseLicenseKey: (x) => parseLicenseKey(x as Uint8Array),
  parseChallenge: (x) => parseChallenge(x as Uint8Array),
  parseResponse: (x) => parseResponse(x as Uint8Array),
  parseCertificate: (x) => parseCertificate(x as Uint8Array),
  parseDeactivation: (x) => parseDeactivation(x as Uint8Array),
  parseRootHandover: (x) => parseRootHandover(x as Uint8Array),
};

const NOT_STRINGS: [string, unknown][] = [
  ['undefined', undefined],
  ['null', null],
  ['42', 42],
  ['NaN', Number.NaN],
  ['true', true],
  ['a bigint', 10n],
  ['a symbol', Symbol('code')],
  ['a function', () => 'C5DNR000H'],
  ['{}', {}],
  ['[]', []],
  ['an array of strings', ['C5DNR000H']],
  ['a String object', new String('C5DNR000H')],
  ['an object with toString', { toString: () => 'C5DNR000H' }],
  ['a Uint8Array', new Uint8Array(45)],
  ['a Buffer', Buffer.from('C5DNR000H')],
  ['a Date', new Date(0)],
];

const NOT_BYTES: [string, unknown][] = [
  ...NOT_STRINGS.filter(([name]) => name !== 'a Uint8Array' && name !== 'a Buffer'),
  ['a string', 'C5DNR000H'],
  ['a Uint16Array', new Uint16Array(45)],
  ['an ArrayBuffer', new ArrayBuffer(45)],
  ['an array of numbers', [0x61, 1, 2, 3]],
  ['an array-like object', { length: 200, 0: 0x61 }],
];

function outcome(run: () => unknown): { kind: string; ms: number; error?: unknown } {
  const started = performance.now();
  try {
    run();
    return { kind: 'accepted', ms: performance.now() - started };
  } catch (error) {
    const ms = performance.now() - started;
    if (error instanceof AirlockError) return { kind: `AirlockError ${error.code}`, ms, error };
    if (error instanceof TypeError) return { kind: 'TypeError', ms, error };
    return { kind: `other: ${String(error)}`, ms, error };
  }
}

test('every text decoder throws TypeError for a value that is not a string', (t) => {
  for (const [fn, decode] of Object.entries(TEXT_DECODERS)) {
    for (const [what, input] of NOT_STRINGS) {
      const o = outcome(() => decode(input));
      t.is(o.kind, 'TypeError', `${fn}(${what})`);
      t.true(o.ms < 100, `${fn}(${what}) took ${o.ms} ms`);
    }
  }
});

test('parseBundle throws TypeError for a value that is not a Uint8Array', (t) => {
  for (const [fn, decode] of Object.entries(BYTE_DECODERS)) {
    for (const [what, input] of NOT_BYTES) {
      t.is(outcome(() => decode(input)).kind, 'TypeError', `${fn}(${what})`);
    }
  }
});

test('the byte parsers throw only TypeError or AirlockError for a value that is not bytes', (t) => {
  for (const [fn, decode] of Object.entries(INTERNAL_BYTE_DECODERS)) {
    for (const [what, input] of NOT_BYTES) {
      const o = outcome(() => decode(input));
      t.regex(o.kind, /^(TypeError|AirlockError [A-Z_]+)$/, `${fn}(${what}) gave ${o.kind}`);
    }
  }
});

const HOSTILE_STRINGS: [string, string][] = [
  ['empty', ''],
  ['blank', ' \t\n'],
  ['NUL', '\u0000'],
  ['a lone surrogate', '\ud800'],
  ['an emoji', '\u{1F511}'],
  ['right-to-left marks', '\u202eC5DNR000H\u202c'],
  ['zero-width spaces', 'C5DNR\u200b000H'],
  ['full-width letters', 'Ｃ５ＤＮＲ０００Ｈ'],
  ['one group', 'C5DNR000H'],
  ['a prefix without hex', 'lic_'],
  ['odd hex', 'lic_123'],
  ['non-hex digits', 'lic_010203040506070g'],
  ['JSON', '{"code":"C5DNR000H"}'],
  ['9 characters 200 times', 'ZZZZZZZZZ'.repeat(200)],
  ['many dashes between groups', 'C5DNR000H' + '-'.repeat(50) + '000000RDW'],
  ['a megabyte', 'A'.repeat(1 << 20)],
  ['ten megabytes of dashes', '-'.repeat(10 << 20)],
  ['ten megabytes of spaces', ' '.repeat(10 << 20)],
  ['a combined form of separators', '+'.repeat(300)],
  ['a plus and nothing', '+'],
];

test('every text decoder refuses hostile strings with an AirlockError, quickly', (t) => {
  for (const [fn, decode] of Object.entries(TEXT_DECODERS)) {
    for (const [what, input] of HOSTILE_STRINGS) {
      const o = outcome(() => decode(input));
      t.regex(o.kind, /^AirlockError [A-Z_]+$/, `${fn}(${what}) gave ${o.kind}`);
      t.true(o.ms < 500, `${fn}(${what}) took ${o.ms} ms`);
    }
  }
});

test('parseBundle refuses hostile byte strings with an AirlockError, quickly', (t) => {
  const cases: [string, Uint8Array][] = [
    ['empty', new Uint8Array(0)],
    ['one byte', Uint8Array.of(0x59)],
    ['64 zero bytes', new Uint8Array(64)],
    ['a megabyte of 0xff', new Uint8Array(1 << 20).fill(0xff)],
    [
      'a megabyte after a bundle kind byte',
      Uint8Array.from({ length: 1 << 20 }, (_, i) => (i === 0 ? 0x59 : 0xff)),
    ],
    ['33 MiB', new Uint8Array(33 << 20)],
  ];
  for (const [what, input] of cases) {
    const o = outcome(() => parseBundle(input));
    t.regex(o.kind, /^AirlockError [A-Z_]+$/, `parseBundle(${what}) gave ${o.kind}`);
    t.true(o.ms < 500, `parseBundle(${what}) took ${o.ms} ms`);
  }
});

test('random values of any type give TypeError or AirlockError from every decoder', (t) => {
  const all = { ...TEXT_DECODERS, ...BYTE_DECODERS, ...INTERNAL_BYTE_DECODERS };
  fc.assert(
    fc.property(
      fc.anything({ withTypedArray: true, withBigInt: true, withMap: true, withSet: true }),
      (input) =>
        Object.values(all).every((decode) =>
          /^(TypeError|AirlockError)/.test(outcome(() => decode(input)).kind),
        ),
    ),
    { numRuns: 300 },
  );
  t.pass();
});

test('random strings give an AirlockError from every text decoder', (t) => {
  // Strings of separators alone are left out here: see the known failure below.
  const text = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 300 }),
    fc.string({
      unit: fc.constantFrom(...'0123456789ABCDEFGHJKMNPQRSTVWXYZoil- +'),
      maxLength: 300,
    }),
  );
  fc.assert(
    fc.property(text, (input) => {
      fc.pre(!/^[\s-]*-[\s-]*$/.test(input));
      return Object.values(TEXT_DECODERS).every((decode) => {
        const kind = outcome(() => decode(input)).kind;
        return kind.startsWith('AirlockError') || kind === 'accepted';
      });
    }),
    { numRuns: 1000 },
  );
  t.pass();
});

test('random byte strings give an AirlockError from parseBundle', (t) => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 600 }), fc.boolean(), (bytes, asBundle) => {
      if (asBundle && bytes.length > 0) bytes[0] = 0x59;
      return /^(AirlockError|accepted)/.test(outcome(() => parseBundle(bytes)).kind);
    }),
    { numRuns: 1000 },
  );
  t.pass();
});

test('a string of separators alone is bad data, not a TypeError', (t) => {
  for (const [fn, decode] of Object.entries(TEXT_DECODERS)) {
    if (fn.startsWith('parseId')) continue;
    for (const input of ['-', ' - ', '---']) {
      t.regex(
        outcome(() => decode(input)).kind,
        /^AirlockError/,
        `${fn}(${JSON.stringify(input)})`,
      );
    }
  }
});
