// POSIX ustar headers (IEEE Std 1003.1, "pax" interchange format's ustar subset), as backups
// write them and restore reads them back: regular files only, short relative ASCII names, every
// field checked (checksum, magic, digits, padding) so that a damaged or crafted header is refused.

export const BLOCK = 512;
/** The ustar name field; longer names would need the prefix field, which backups never use. */
export const MAX_NAME_BYTES = 100;
/** 11 octal digits: the most a ustar size or time field holds. */
const MAX_OCTAL = 0o77777777777;
const MAX_DEPTH = 8;
/** A name: relative, `/`-separated, each part starting with a letter, digit or `_` (so never `.` or `..`). */
const NAME_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9._-]*(\/[A-Za-z0-9_][A-Za-z0-9._-]*)*$/;
const MAGIC = 'ustar\u000000'; // magic "ustar\0" and version "00"

export interface TarHeader {
  /** Relative path inside the archive ("ledger/journal/0000000001.jsonl"). */
  readonly name: string;
  readonly size: number;
  /** Permission bits (0o600, 0o644). */
  readonly mode: number;
  /** Unix seconds. */
  readonly mtime: number;
}

export type HeaderRead =
  | { readonly kind: 'file'; readonly header: TarHeader }
  | { readonly kind: 'end' }
  | { readonly kind: 'bad'; readonly reason: string };

/** Whether `name` may be written or read: relative, no `.`/`..` parts, short, shallow, ASCII. */
export function isSafeName(name: string): boolean {
  return (
    typeof name === 'string' &&
    name.length <= MAX_NAME_BYTES &&
    NAME_PATTERN.test(name) &&
    name.split('/').length <= MAX_DEPTH
  );
}

/** Bytes an entry of `size` bytes takes after its header (rounded up to whole blocks). */
export function paddedSize(size: number): number {
  return Math.ceil(size / BLOCK) * BLOCK;
}

function octal(value: number, width: number): string {
  return `${value.toString(8).padStart(width - 1, '0')}\0`;
}

function checksum(block: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : block[i]!;
  return sum;
}

export function encodeHeader(header: TarHeader): Uint8Array {
  const { name, size, mode, mtime } = header;
  if (!isSafeName(name)) throw new TypeError(`"${name}" is not a name a backup may hold`);
  for (const [field, value] of [
    ['size', size],
    ['mtime', mtime],
  ] as const) {
    if (!Number.isSafeInteger(value) || value < 0 || value > MAX_OCTAL) {
      throw new TypeError(`${field} must be a whole number that fits a ustar header`);
    }
  }
  if (!Number.isSafeInteger(mode) || mode < 0 || mode > 0o777) {
    throw new TypeError('mode must be permission bits');
  }
  const block = new Uint8Array(BLOCK);
  const put = (text: string, at: number) => block.set(new TextEncoder().encode(text), at);
  put(name, 0);
  put(octal(mode, 8), 100);
  put(octal(0, 8), 108); // uid: a restore gives the files to whoever runs it
  put(octal(0, 8), 116); // gid
  put(octal(size, 12), 124);
  put(octal(mtime, 12), 136);
  put('0', 156); // a regular file
  put(MAGIC, 257);
  put(octal(checksum(block), 7), 148);
  block[155] = 0x20; // the checksum field ends with NUL and a space, as tar writes it
  return block;
}

/** An octal field: digits, then NULs or spaces to its end; null when it is anything else. */
function readOctal(block: Uint8Array, at: number, width: number): number | null {
  let value = 0;
  let digits = 0;
  let i = at;
  for (; i < at + width; i++) {
    const byte = block[i]!;
    if (byte < 0x30 || byte > 0x37) break;
    value = value * 8 + (byte - 0x30);
    digits++;
  }
  if (digits === 0 || digits > 11) return null;
  for (; i < at + width; i++) if (block[i] !== 0 && block[i] !== 0x20) return null;
  return value;
}

function allZero(block: Uint8Array, from = 0, to = block.length): boolean {
  for (let i = from; i < to; i++) if (block[i] !== 0) return false;
  return true;
}

/** Reads one 512-byte header block; never throws on bad data. */
export function decodeHeader(block: Uint8Array): HeaderRead {
  if (block.length !== BLOCK) return { kind: 'bad', reason: 'a header is cut short' };
  if (allZero(block)) return { kind: 'end' };
  const sum = readOctal(block, 148, 8);
  if (sum === null || sum !== checksum(block)) {
    return { kind: 'bad', reason: 'a header fails its checksum' };
  }
  if (new TextDecoder('latin1').decode(block.subarray(257, 265)) !== MAGIC) {
    return { kind: 'bad', reason: 'a header is not POSIX ustar' };
  }
  const type = block[156];
  if (type !== 0x30 && type !== 0) {
    return { kind: 'bad', reason: 'an entry is not a regular file (a link, device or extension)' };
  }
  // Names fill the name field alone: no prefix, no link target.
  if (!allZero(block, 157, 257) || !allZero(block, 345, 500)) {
    return { kind: 'bad', reason: 'an entry has a link target or a long-name prefix' };
  }
  const end = block.indexOf(0);
  const nameEnd = end === -1 || end > MAX_NAME_BYTES ? MAX_NAME_BYTES : end;
  if (!allZero(block, nameEnd, MAX_NAME_BYTES)) {
    return { kind: 'bad', reason: 'an entry name has bytes after its end' };
  }
  const name = new TextDecoder('latin1').decode(block.subarray(0, nameEnd));
  if (!isSafeName(name)) {
    return {
      kind: 'bad',
      reason: 'an entry name is absolute, climbs with .., or is not plain ASCII',
    };
  }
  const mode = readOctal(block, 100, 8);
  const size = readOctal(block, 124, 12);
  const mtime = readOctal(block, 136, 12);
  if (mode === null || mode > 0o7777 || size === null || mtime === null) {
    return { kind: 'bad', reason: 'a header has a malformed mode, size or time' };
  }
  return { kind: 'file', header: { name, size, mode: mode & 0o777, mtime } };
}
