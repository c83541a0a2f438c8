// Properties of the typed form (docs/FORMATS.md §2): round trips, every single-character typo and
// every adjacent transposition is caught and named by its group, confusables are forgiven, and
// inputs are bounded before any work is done.

import test from 'ava';
import fc from 'fast-check';
import { AirlockError } from '../../src/core/errors.ts';
import { decodeCertificate } from '../../src/core/formats/certificate.ts';
import { decodeChallenge } from '../../src/core/formats/challenge.ts';
import { decodeDeactivation } from '../../src/core/formats/deactivation.ts';
import { decodeLicenseKey } from '../../src/core/formats/license-key.ts';
import { decodeResponse } from '../../src/core/formats/response.ts';
import { kindByte, type KindLetter } from '../../src/core/kinds.ts';
import {
  ALPHABET,
  checkCharacter,
  checkGroups,
  decodeCompact,
  decodeTyped,
  encodeCompact,
  encodeTyped,
} from '../../src/core/typed-code.ts';

const ANY = { what: 'code', minGroups: 1, maxGroups: 200 } as const;

/** The typed artefacts, with their decoders and group counts (§3.2). */
const TYPED = {
  C: { decode: (s: string) => decodeChallenge(s), groups: [9, 9] },
  R: { decode: (s: string) => decodeResponse(s), groups: [15, 15] },
  D: { decode: (s: string) => decodeDeactivation(s), groups: [6, 6] },
  A: { decode: (s: string) => decodeCertificate(s), groups: [23, 23] },
  K: { decode: (s: string) => decodeLicenseKey(s), groups: [20, 150] },
} as const satisfies Record<string, { decode: (s: string) => unknown; groups: [number, number] }>;
type TypedKind = keyof typeof TYPED;

/** Bytes of a typed artefact's length whose first byte names its kind, version 1. */
function artefactBytes(letter: TypedKind): fc.Arbitrary<Uint8Array> {
  const [min, max] = TYPED[letter].groups;
  return fc
    .integer({ min, max })
    .chain((groups) => fc.uint8Array({ minLength: groups * 5, maxLength: groups * 5 }))
    .map((bytes) => {
      bytes[0] = kindByte(letter as KindLetter, 1);
      return bytes;
    });
}

const anyArtefact = fc
  .constantFrom<TypedKind>('C', 'R', 'D', 'K')
  .chain((letter) => artefactBytes(letter).map((bytes) => ({ letter, bytes })));

function thrown(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  return undefined;
}

/** The decoded value as JSON, or the code it was refused with. */
function outcome(run: () => unknown): string {
  const error = thrown(run);
  if (error === undefined) return JSON.stringify(run());
  return error instanceof AirlockError ? `refused: ${error.code}` : `crashed: ${String(error)}`;
}

function codeOf(run: () => unknown): string | undefined {
  const error = thrown(run);
  return error instanceof AirlockError ? error.code : undefined;
}

/** An independent computation of §2.2, straight from the definition. */
function referenceCheck(data: string, groupNumber: number): string {
  const mul = (a: number, b: number): number => {
    let p = 0;
    for (let i = 0; i < 5; i++) if (b & (1 << i)) p ^= a << i;
    for (let bit = 9; bit >= 5; bit--) if (p & (1 << bit)) p ^= 0b100101 << (bit - 5);
    return p;
  };
  const alphaPow = (e: number): number => {
    let x = 1;
    for (let i = 0; i < e; i++) x = mul(x, 2);
    return x;
  };
  let sum = mul(alphaPow(9), groupNumber % 32);
  for (let j = 0; j < 8; j++) sum ^= mul(alphaPow(j + 1), ALPHABET.indexOf(data[j]!));
  return ALPHABET[sum]!;
}

// ---------------------------------------------------------------------------------------------

test('any multiple of 5 bytes survives the typed and the compact form', (t) => {
  fc.assert(
    fc.property(
      fc
        .integer({ min: 1, max: 60 })
        .chain((n) => fc.uint8Array({ minLength: n * 5, maxLength: n * 5 })),
      (bytes) => {
        const text = encodeTyped(bytes);
        const groups = bytes.length / 5;
        return (
          text.length === groups * 10 - 1 &&
          /^[0-9A-HJKMNP-TV-Z]{9}(-[0-9A-HJKMNP-TV-Z]{9})*$/.test(text) &&
          Buffer.from(decodeTyped(text, ANY)).equals(bytes) &&
          Buffer.from(decodeCompact(encodeCompact(bytes), ANY)).equals(bytes) &&
          encodeCompact(bytes).length === groups * 8
        );
      },
    ),
    { numRuns: 300 },
  );
  t.pass();
});

test('byte strings that are not a multiple of 5 cannot be encoded', (t) => {
  for (const length of [0, 1, 4, 6, 44]) {
    t.throws(() => encodeTyped(new Uint8Array(length)), { instanceOf: TypeError });
    t.throws(() => encodeCompact(new Uint8Array(length)), { instanceOf: TypeError });
  }
});

test('the check character is the GF(32) sum defined in the specification', (t) => {
  fc.assert(
    fc.property(
      fc.string({ unit: fc.constantFrom(...ALPHABET), minLength: 8, maxLength: 8 }),
      fc.integer({ min: 1, max: 300 }),
      (data, group) => checkCharacter(data, group) === referenceCheck(data, group),
    ),
    { numRuns: 500 },
  );
  t.pass();
});

test('any single changed character of a typed code is refused and its group is named', (t) => {
  fc.assert(
    fc.property(
      anyArtefact,
      fc.nat(),
      fc.integer({ min: 1, max: 31 }),
      ({ letter, bytes }, where, shift) => {
        const text = encodeTyped(bytes);
        const positions = [...text].flatMap((c, i) => (c === '-' ? [] : [i]));
        const i = positions[where % positions.length]!;
        // Another canonical character; O, I and L are not in the alphabet, so nothing is forgiven.
        const replacement = ALPHABET[(ALPHABET.indexOf(text[i]!) + shift) % 32]!;
        const typo = text.slice(0, i) + replacement + text.slice(i + 1);
        const error = thrown(() => TYPED[letter].decode(typo));
        return (
          error instanceof AirlockError &&
          error.code === 'CODE_GROUP_MISTYPED' &&
          error.details['group'] === Math.floor(i / 10) + 1
        );
      },
    ),
    { numRuns: 1000 },
  );
  t.pass();
});

test('lower case, O for zero and I or L for one are forgiven', (t) => {
  const confusable: Record<string, readonly string[]> = {
    '0': ['0', 'O', 'o'],
    '1': ['1', 'I', 'i', 'L', 'l'],
  };
  fc.assert(
    fc.property(anyArtefact, fc.infiniteStream(fc.nat()), ({ letter, bytes }, choices) => {
      const text = encodeTyped(bytes);
      const it = choices[Symbol.iterator]();
      const sloppy = [...text]
        .map((c) => {
          const pick = it.next().value as number;
          const options = confusable[c] ?? [c, c.toLowerCase()];
          return options[pick % options.length]!;
        })
        .join('');
      // Random bytes often break a field rule; then both must fail alike, after the typed layer.
      const reference = outcome(() => TYPED[letter].decode(text));
      return (
        outcome(() => TYPED[letter].decode(sloppy)) === reference &&
        Buffer.from(decodeTyped(sloppy, ANY)).equals(bytes)
      );
    }),
    { numRuns: 300 },
  );
  t.pass();
});

test('spaces instead of dashes, no separators at all and surrounding blanks are forgiven', (t) => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 45, maxLength: 45 }), (bytes) => {
      const text = encodeTyped(bytes);
      return [
        text.replaceAll('-', ' '),
        text.replaceAll('-', ''),
        `\t ${text} \n`,
        text.replaceAll('-', ' - '),
      ].every((variant) => Buffer.from(decodeTyped(variant, ANY)).equals(bytes));
    }),
  );
  t.pass();
});

test('the compact form forgives nothing', (t) => {
  const compact = encodeCompact(Uint8Array.from([0, 0, 0, 0, 0]));
  t.is(compact, '00000000');
  for (const typo of ['0000000O', '0000000o', 'oooooooo']) {
    t.is(
      codeOf(() => decodeCompact(typo, ANY)),
      'CODE_MALFORMED',
    );
  }
});

test('adjacent transpositions inside a group are detected', (t) => {
  fc.assert(
    fc.property(
      anyArtefact,
      fc.nat(),
      fc.integer({ min: 0, max: 7 }),
      ({ letter, bytes }, g, j) => {
        const text = encodeTyped(bytes);
        const groups = text.split('-');
        const n = g % groups.length;
        const group = groups[n]!;
        // Positions j and j+1; j+1 may be the check character itself.
        fc.pre(group[j] !== group[j + 1]);
        groups[n] = group.slice(0, j) + group[j + 1]! + group[j]! + group.slice(j + 2);
        const error = thrown(() => TYPED[letter].decode(groups.join('-')));
        return (
          error instanceof AirlockError &&
          error.code === 'CODE_GROUP_MISTYPED' &&
          error.details['group'] === n + 1
        );
      },
    ),
    { numRuns: 1000 },
  );
  t.pass();
});

test('swapping two different groups is detected, and both groups are named', (t) => {
  fc.assert(
    fc.property(anyArtefact, fc.nat(), fc.nat(), ({ letter, bytes }, x, y) => {
      const groups = encodeTyped(bytes).split('-');
      const a = x % groups.length;
      const b = y % groups.length;
      // Group numbers enter the check modulo 32 (§2.2): see the next test.
      fc.pre(a < b && a % 32 !== b % 32 && groups[a]!.slice(0, 8) !== groups[b]!.slice(0, 8));
      [groups[a], groups[b]] = [groups[b]!, groups[a]!];
      const error = thrown(() => TYPED[letter].decode(groups.join('-')));
      return (
        error instanceof AirlockError &&
        error.code === 'CODE_GROUP_MISTYPED' &&
        error.details['group'] === a + 1 &&
        String(error.details['groups'])
          .split(',')
          .includes(String(b + 1))
      );
    }),
    { numRuns: 500 },
  );
  t.pass();
});

test('groups 32 apart have the same check, so only the signature catches that swap (§2.2)', (t) => {
  const bytes = Uint8Array.from({ length: 40 * 5 }, (_, i) => (i * 13) & 0xff);
  bytes[0] = kindByte('K', 1);
  const groups = encodeTyped(bytes).split('-');
  [groups[1], groups[33]] = [groups[33]!, groups[1]!];
  const swapped = decodeLicenseKey(groups.join('-'));
  t.notDeepEqual(swapped, bytes);
  t.is(checkCharacter('00000000', 1), checkCharacter('00000000', 33));
  t.is(checkCharacter('00000000', 32), checkCharacter('00000000', 64));
});

test('input far too long is refused with CODE_TOO_LONG before any work', (t) => {
  // Characters that are not in the alphabet: any work on them would report CODE_MALFORMED instead.
  const huge = '#'.repeat(10_000_000);
  for (const [letter, { decode }] of Object.entries(TYPED)) {
    const started = performance.now();
    t.is(
      codeOf(() => decode(huge)),
      'CODE_TOO_LONG',
      letter,
    );
    t.true(performance.now() - started < 200, `${letter} took too long`);
  }
  t.is(
    codeOf(() => decodeTyped(huge, ANY)),
    'CODE_TOO_LONG',
  );
  t.is(
    codeOf(() => decodeCompact(huge, ANY)),
    'CODE_TOO_LONG',
  );
});

test('more groups than the artefact has is CODE_TOO_LONG, fewer is CODE_MALFORMED', (t) => {
  for (const [letter, { decode, groups }] of Object.entries(TYPED) as [
    TypedKind,
    (typeof TYPED)[TypedKind],
  ][]) {
    const make = (n: number): string => {
      const bytes = new Uint8Array(n * 5).fill(0x21);
      bytes[0] = kindByte(letter, 1);
      return encodeTyped(bytes);
    };
    t.is(
      codeOf(() => decode(make(groups[1] + 1))),
      'CODE_TOO_LONG',
      letter,
    );
    t.is(
      codeOf(() => decode(make(groups[0] - 1))),
      'CODE_MALFORMED',
      letter,
    );
  }
});

test('a code of another kind is named as that kind when it is within the length bound', (t) => {
  const names: Record<TypedKind, string> = {
    C: 'challenge',
    R: 'response code',
    D: 'deactivation code',
    A: 'appliance certificate',
    K: 'license key',
  };
  // The raw length bound of §2.3 (twice the longest canonical text plus 16) comes first.
  const bound: Record<TypedKind, number> = { C: 196, R: 316, D: 136, A: 476, K: 3016 };
  for (const found of Object.keys(TYPED) as TypedKind[]) {
    const bytes = new Uint8Array(TYPED[found].groups[0] * 5).fill(0x42);
    bytes[0] = kindByte(found, 1);
    const text = encodeTyped(bytes);
    for (const expected of Object.keys(TYPED) as TypedKind[]) {
      if (expected === found) continue;
      const error = thrown(() => TYPED[expected].decode(text));
      t.true(error instanceof AirlockError, `${found} as ${expected}`);
      const e = error as AirlockError;
      if (text.length > bound[expected]) {
        t.is(e.code, 'CODE_TOO_LONG', `${found} (${text.length} chars) as ${expected}`);
        continue;
      }
      t.is(e.code, 'CODE_WRONG_KIND', `${found} as ${expected}`);
      t.deepEqual(e.details, { expected, found });
      t.true(e.message.includes(names[found]), e.message);
    }
  }
});

test('a first byte that names no kind is refused as the wrong kind', (t) => {
  const bytes = new Uint8Array(45);
  bytes[0] = (ALPHABET.indexOf('Z') << 3) | 1;
  const error = thrown(() => decodeChallenge(encodeTyped(bytes)));
  t.true(error instanceof AirlockError);
  t.is((error as AirlockError).code, 'CODE_WRONG_KIND');
  t.deepEqual((error as AirlockError).details, { expected: 'C', found: 'Z' });
});

test('characters outside the alphabet are refused with the group that holds them', (t) => {
  const text = encodeTyped(new Uint8Array(45).fill(7));
  for (const [bad, group] of [
    ['U', 1],
    ['*', 3],
    ['é', 9],
    ['\u{1F600}', 5],
  ] as const) {
    const i = (group - 1) * 10 + 4;
    const typo = text.slice(0, i) + bad + text.slice(i + 1);
    const error = thrown(() => decodeTyped(typo, ANY));
    t.true(error instanceof AirlockError, bad);
    t.is((error as AirlockError).code, 'CODE_MALFORMED');
    t.is((error as AirlockError).details['group'], group);
  }
});

test('empty and blank input is CODE_EMPTY', (t) => {
  for (const blank of ['', ' ', '\n\t '])
    t.is(
      codeOf(() => decodeChallenge(blank)),
      'CODE_EMPTY',
    );
});

test('separators alone are refused as empty', (t) => {
  for (const blank of ['-', ' - ', '---'])
    t.is(
      codeOf(() => decodeChallenge(blank)),
      'CODE_EMPTY',
    );
});

test('checkGroups marks each group of a code being typed, as decodeTyped would read it', (t) => {
  const text = encodeTyped(new Uint8Array(45).map((_, i) => i * 7));
  const groups = text.split('-');
  t.deepEqual(
    checkGroups(text, 9).map((g) => g.state),
    Array(9).fill('ok'),
  );
  // Lower case, confusables and missing dashes are forgiven, as when the code is decoded.
  t.deepEqual(
    checkGroups(text.toLowerCase().replaceAll('-', '').replaceAll('0', 'o'), 9).map((g) => g.text),
    groups,
  );
  const typo = [...groups];
  const g4 = typo[3]!;
  typo[3] = g4.slice(0, 2) + (g4[2] === 'X' ? 'Y' : 'X') + g4.slice(3);
  t.deepEqual(
    checkGroups(typo.join('-'), 9).map((g) => g.state),
    ['ok', 'ok', 'ok', 'mistyped', 'ok', 'ok', 'ok', 'ok', 'ok'],
  );
  t.deepEqual(
    checkGroups(`${groups[0]}-${groups[1]!.slice(0, 4)}`, 9).map((g) => g.state),
    ['ok', 'partial'],
  );
  t.deepEqual(
    checkGroups(`${groups[0]}U-${groups[1]}`, 9).map((g) => g.state),
    ['bad-character', 'ok'],
  );
  t.deepEqual(checkGroups(`${groups[0]}7-${groups[1]}`, 9)[0]!.state, 'too-long');
  t.deepEqual(checkGroups('   ', 9), []);
});

test('checkGroups looks at no more than one group beyond the expected count', (t) => {
  const long = Array(10_000).fill('123456789').join('-');
  t.is(checkGroups(long, 9).length, 10);
  t.throws(() => checkGroups(42 as unknown as string, 9), { instanceOf: TypeError });
});
