// The first byte of every artefact (docs/FORMATS.md §3.1): the top 5 bits are the Base32 value of
// the letter the code starts with, the low 3 bits its format version.

import { ALPHABET } from './alphabet.ts';
import { AirlockError } from './errors.ts';

export const KINDS = {
  K: 'license key',
  C: 'challenge',
  R: 'response code',
  D: 'deactivation code',
  A: 'appliance certificate',
  B: 'revocation bundle',
  S: 'held license key',
  H: 'root hand-over',
} as const;

export type KindLetter = keyof typeof KINDS;

export function kindByte(letter: KindLetter, version: number): number {
  return (ALPHABET.indexOf(letter) << 3) | version;
}

/** Checks the first byte: the right kind (named when it is another kind) and a known version. */
function a(noun: string): string {
  return /^[aeiou]/.test(noun) ? `an ${noun}` : `a ${noun}`;
}

export function expectKind(bytes: Uint8Array, letter: KindLetter, version: number): void {
  if (!(bytes instanceof Uint8Array))
    throw new TypeError(`a ${KINDS[letter]} is read from a Uint8Array`);
  const first = bytes[0];
  if (first === undefined)
    throw new AirlockError('FORMAT_INVALID', `The ${KINDS[letter]} is empty.`);
  const found = ALPHABET[first >>> 3]!;
  if (found !== letter) {
    const other = KINDS[found as KindLetter];
    throw new AirlockError(
      'CODE_WRONG_KIND',
      other
        ? `This is ${a(other)} (it starts with ${found}), but ${a(KINDS[letter])} was expected.`
        : `This is not ${a(KINDS[letter])}: ${a(KINDS[letter])} starts with ${letter}.`,
      { expected: letter, found },
    );
  }
  if ((first & 7) !== version) {
    throw new AirlockError(
      'FORMAT_UNSUPPORTED_VERSION',
      `This ${KINDS[letter]} uses format version ${first & 7}; this version of Airlock reads version ${version}. Update Airlock or ask for a version ${version} ${KINDS[letter]}.`,
      { version: first & 7 },
    );
  }
}
