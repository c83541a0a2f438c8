// The typeable form shared by every short artefact (docs/FORMATS.md §2): 5 bytes become a group of
// 8 Crockford Base32 characters plus 1 check character; groups are joined with '-'. Confusable
// characters are forgiven here, at the typing edge, and nowhere else.

import { base32crockford } from '@scure/base';
import { ALPHABET } from './alphabet.ts';
import { AirlockError } from './errors.ts';
import { expectKind, type KindLetter } from './kinds.ts';

export { ALPHABET };
export const GROUP_BYTES = 5;
export const GROUP_DATA_CHARS = 8;
export const GROUP_CHARS = GROUP_DATA_CHARS + 1;

const VALUE_OF = new Map<string, number>();
for (let i = 0; i < ALPHABET.length; i++) VALUE_OF.set(ALPHABET[i]!, i);
// Forgiven when typed (§2.3): lower case, and letters that look like digits.
const CONFUSABLE: Readonly<Record<string, string>> = { O: '0', I: '1', L: '1' };

/** Multiplication in GF(32) with the primitive polynomial x^5 + x^2 + 1. */
function gfMul(a: number, b: number): number {
  let product = 0;
  for (let i = 0; i < 5; i++) {
    if (b & (1 << i)) product ^= a << i;
  }
  for (let bit = 9; bit >= 5; bit--) {
    if (product & (1 << bit)) product ^= 0b100101 << (bit - 5);
  }
  return product;
}

// WEIGHT[j] = alpha^(j+1) for the 8 data positions; WEIGHT[8] multiplies the group number.
const WEIGHT: number[] = [];
for (let j = 0, w = 1; j <= GROUP_DATA_CHARS; j++) {
  w = gfMul(w, 2);
  WEIGHT.push(w);
}

/** The check character of a group (§2.2): it covers the 8 data characters and the group number. */
export function checkCharacter(data: string, groupNumber: number): string {
  let sum = gfMul(WEIGHT[GROUP_DATA_CHARS]!, groupNumber % 32);
  for (let j = 0; j < GROUP_DATA_CHARS; j++) sum ^= gfMul(WEIGHT[j]!, VALUE_OF.get(data[j]!)!);
  return ALPHABET[sum]!;
}

/** Encodes bytes (a multiple of 5) as dash-separated groups with check characters. */
export function encodeTyped(bytes: Uint8Array): string {
  if (bytes.length === 0 || bytes.length % GROUP_BYTES !== 0) {
    throw new TypeError(
      `typed codes carry a multiple of ${GROUP_BYTES} bytes, got ${bytes.length}`,
    );
  }
  const groups: string[] = [];
  for (let g = 0; g < bytes.length / GROUP_BYTES; g++) {
    const data = base32crockford.encode(bytes.subarray(g * GROUP_BYTES, (g + 1) * GROUP_BYTES));
    groups.push(data + checkCharacter(data, g + 1));
  }
  return groups.join('-');
}

/** Encodes bytes (a multiple of 5) as plain characters without checks or dashes, for QR codes. */
export function encodeCompact(bytes: Uint8Array): string {
  if (bytes.length === 0 || bytes.length % GROUP_BYTES !== 0) {
    throw new TypeError(
      `compact codes carry a multiple of ${GROUP_BYTES} bytes, got ${bytes.length}`,
    );
  }
  return base32crockford.encode(bytes);
}

export interface TypedLimits {
  /** What the code is, for messages: "challenge", "response code", ... */
  readonly what: string;
  readonly minGroups: number;
  readonly maxGroups: number;
  /** The artefact's first letter and version, checked before the group count. */
  readonly kind?: { readonly letter: KindLetter; readonly version: number };
}

function normaliseChar(c: string): string | undefined {
  // ASCII only: toUpperCase() would turn 'ı' into 'I' and 'ſ' into 'S'.
  const upper = c >= 'a' && c <= 'z' ? c.toUpperCase() : c;
  const forgiven = CONFUSABLE[upper] ?? upper;
  return VALUE_OF.has(forgiven) ? forgiven : undefined;
}

function ordinal(n: number): string {
  return `group ${n}`;
}

/**
 * Decodes a typed code into its bytes. Bounds the input first, then forgives confusables, then
 * checks every group's length and check character before anything else looks at the bytes.
 */
export function decodeTyped(input: unknown, limits: TypedLimits): Uint8Array {
  if (typeof input !== 'string') throw new TypeError(`the ${limits.what} must be a string`);
  const canonicalLength = limits.maxGroups * (GROUP_CHARS + 1);
  if (input.length > canonicalLength * 2 + 16) {
    throw new AirlockError(
      'CODE_TOO_LONG',
      `This is too long to be a ${limits.what}: at most ${canonicalLength - 1} characters are expected.`,
    );
  }
  const trimmed = input.trim();
  if (trimmed === '') throw new AirlockError('CODE_EMPTY', `No ${limits.what} was entered.`);

  const groups: string[] = [];
  for (const [i, raw] of splitGroups(trimmed).entries()) {
    let group = '';
    for (const c of raw) {
      const n = normaliseChar(c);
      if (n === undefined) {
        throw new AirlockError(
          'CODE_MALFORMED',
          `${capital(ordinal(i + 1))} of the ${limits.what} contains "${c}", which is not used in codes.`,
          { group: i + 1 },
        );
      }
      group += n;
    }
    groups.push(group);
  }
  if (groups.length === 0) throw new AirlockError('CODE_EMPTY', `No ${limits.what} was entered.`);
  // A code of another kind is named as such before its length is judged.
  const first = groups[0]!;
  if (
    limits.kind &&
    first.length === GROUP_CHARS &&
    checkCharacter(first, 1) === first[GROUP_DATA_CHARS]
  ) {
    expectKind(
      base32crockford.decode(first.slice(0, GROUP_DATA_CHARS)),
      limits.kind.letter,
      limits.kind.version,
    );
  }
  if (groups.length > limits.maxGroups) {
    throw new AirlockError(
      'CODE_TOO_LONG',
      `This ${limits.what} has ${groups.length} groups; it should have ${describeCount(limits)}.`,
    );
  }
  for (const [i, group] of groups.entries()) {
    if (group.length !== GROUP_CHARS) {
      throw new AirlockError(
        'CODE_MALFORMED',
        `${capital(ordinal(i + 1))} of the ${limits.what} has ${group.length} characters; every group has ${GROUP_CHARS}.`,
        { group: i + 1 },
      );
    }
  }
  const mistyped = groups.flatMap((g, i) =>
    checkCharacter(g, i + 1) === g[GROUP_DATA_CHARS] ? [] : [i + 1],
  );
  if (mistyped.length > 0) {
    const list = mistyped.length === 1 ? `Group ${mistyped[0]}` : `Groups ${mistyped.join(', ')}`;
    throw new AirlockError(
      'CODE_GROUP_MISTYPED',
      `${list} of the ${limits.what} ${mistyped.length === 1 ? 'looks' : 'look'} mistyped: check ${mistyped.length === 1 ? 'it' : 'them'} against the original.`,
      { group: mistyped[0]!, groups: mistyped.join(',') },
    );
  }
  if (groups.length < limits.minGroups) {
    throw new AirlockError(
      'CODE_MALFORMED',
      `This ${limits.what} has only ${groups.length} groups; it should have ${describeCount(limits)}. Is part of it missing?`,
    );
  }
  return base32crockford.decode(groups.map((g) => g.slice(0, GROUP_DATA_CHARS)).join(''));
}

/** Dashes or spaces separate groups; a code typed without any is cut every 9 characters. */
function splitGroups(trimmed: string): string[] {
  return /[\s-]/.test(trimmed)
    ? trimmed.split(/[\s-]+/).filter((g) => g !== '')
    : (trimmed.match(/.{1,9}/gsu) ?? []);
}

/** How one group of a code being typed looks so far (see checkGroups). */
export interface GroupCheck {
  /** The group as it will be read: upper case, confusables forgiven. */
  readonly text: string;
  /**
   * ok: its check character matches; mistyped: complete but the check fails; partial: still being
   * typed; too-long: more than 9 characters; bad-character: holds a character codes never use.
   */
  readonly state: 'ok' | 'mistyped' | 'partial' | 'too-long' | 'bad-character';
}

/**
 * Checks a code group by group while it is being typed (the console marks each one), with the
 * same forgiveness as decodeTyped. Bounded: at most `maxGroups + 1` groups are looked at.
 */
export function checkGroups(input: string, maxGroups: number): GroupCheck[] {
  if (typeof input !== 'string') throw new TypeError('the code must be a string');
  const groups = splitGroups(input.trim().slice(0, (maxGroups + 1) * (GROUP_CHARS + 2)));
  return groups.slice(0, maxGroups + 1).map((raw, i): GroupCheck => {
    let text = '';
    let badCharacter = false;
    for (const c of raw) {
      const n = normaliseChar(c);
      badCharacter ||= n === undefined;
      text += n ?? c;
    }
    if (badCharacter) return { text, state: 'bad-character' };
    if (text.length < GROUP_CHARS) return { text, state: 'partial' };
    if (text.length > GROUP_CHARS) return { text, state: 'too-long' };
    return {
      text,
      state: checkCharacter(text, i + 1) === text[GROUP_DATA_CHARS] ? 'ok' : 'mistyped',
    };
  });
}

/** Decodes the compact (QR) form: canonical characters only, nothing forgiven. */
export function decodeCompact(input: string, limits: TypedLimits): Uint8Array {
  const maxChars = limits.maxGroups * GROUP_DATA_CHARS;
  if (input.length > maxChars) {
    throw new AirlockError('CODE_TOO_LONG', `This is too long to be a ${limits.what}.`);
  }
  if (input.length % GROUP_DATA_CHARS !== 0 || input.length < limits.minGroups * GROUP_DATA_CHARS) {
    throw new AirlockError('CODE_MALFORMED', `This ${limits.what} has the wrong length.`);
  }
  for (const c of input) {
    if (!VALUE_OF.has(c)) {
      throw new AirlockError(
        'CODE_MALFORMED',
        `This ${limits.what} contains "${c}", which is not used in codes.`,
      );
    }
  }
  return base32crockford.decode(input);
}

/**
 * A code of a fixed number of groups that may come in either form (§2.3, §7.2): exactly the
 * compact length without dashes or white space is read as the compact form, anything else as
 * the typed form.
 */
export function decodeTypedOrCompact(input: string, limits: TypedLimits): Uint8Array {
  const trimmed = input.trim();
  const compact = trimmed.length === limits.maxGroups * GROUP_DATA_CHARS && !/[-\s]/.test(trimmed);
  return compact ? decodeCompact(trimmed, limits) : decodeTyped(trimmed, limits);
}

function describeCount(limits: TypedLimits): string {
  return limits.minGroups === limits.maxGroups
    ? `${limits.maxGroups}`
    : `between ${limits.minGroups} and ${limits.maxGroups}`;
}

function capital(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
