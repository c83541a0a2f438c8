// Big-endian byte reading and writing for the binary formats (docs/FORMATS.md §3). The reader
// never reads past its end: running out of bytes is a FORMAT_INVALID refusal, not a crash.

import { AirlockError } from './errors.ts';

const utf8Decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const utf8Encoder = new TextEncoder();

export function utf8(text: string): Uint8Array {
  return utf8Encoder.encode(text);
}

export function concatBytes(...parts: readonly Uint8Array[]): Uint8Array {
  let length = 0;
  for (const part of parts) length += part.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

/** Lexicographic comparison, used to keep sorted lists canonical. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    if (a[i] !== b[i]) return a[i]! - b[i]!;
  }
  return a.length - b.length;
}

export function toHex(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) out += b.toString(16).padStart(2, '0');
  return out;
}

export function fromHex(hex: string): Uint8Array | undefined {
  if (hex.length % 2 !== 0 || !/^[0-9a-f]*$/.test(hex)) return undefined;
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

export class ByteWriter {
  private readonly parts: number[] = [];

  u8(value: number): this {
    if (!Number.isInteger(value) || value < 0 || value > 0xff)
      throw new TypeError(`u8 out of range: ${value}`);
    this.parts.push(value);
    return this;
  }

  u16(value: number): this {
    if (!Number.isInteger(value) || value < 0 || value > 0xffff)
      throw new TypeError(`u16 out of range: ${value}`);
    this.parts.push(value >>> 8, value & 0xff);
    return this;
  }

  u32(value: number): this {
    if (!Number.isInteger(value) || value < 0 || value > 0xffffffff)
      throw new TypeError(`u32 out of range: ${value}`);
    this.parts.push(value >>> 24, (value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff);
    return this;
  }

  bytes(value: Uint8Array, expectedLength?: number): this {
    if (expectedLength !== undefined && value.length !== expectedLength) {
      throw new TypeError(`expected ${expectedLength} bytes, got ${value.length}`);
    }
    for (const b of value) this.parts.push(b);
    return this;
  }

  /** A string as one length byte and its UTF-8 bytes. */
  shortString(value: string): this {
    const encoded = utf8(value);
    this.u8(encoded.length);
    return this.bytes(encoded);
  }

  get length(): number {
    return this.parts.length;
  }

  finish(): Uint8Array {
    return Uint8Array.from(this.parts);
  }
}

export class ByteReader {
  private offset = 0;
  private readonly data: Uint8Array;
  private readonly what: string;

  constructor(data: Uint8Array, what: string) {
    this.data = data;
    this.what = what;
  }

  get position(): number {
    return this.offset;
  }

  get remaining(): number {
    return this.data.length - this.offset;
  }

  private take(n: number): Uint8Array {
    if (this.offset + n > this.data.length) {
      throw new AirlockError(
        'FORMAT_INVALID',
        `The ${this.what} is cut short: it ends in the middle of a field.`,
      );
    }
    const out = this.data.subarray(this.offset, this.offset + n);
    this.offset += n;
    return out;
  }

  u8(): number {
    return this.take(1)[0]!;
  }

  u16(): number {
    const b = this.take(2);
    return (b[0]! << 8) | b[1]!;
  }

  u32(): number {
    const b = this.take(4);
    return ((b[0]! << 24) >>> 0) + (b[1]! << 16) + (b[2]! << 8) + b[3]!;
  }

  bytes(n: number): Uint8Array {
    return this.take(n).slice();
  }

  /** One length byte then that many bytes of strict UTF-8. */
  shortString(field: string, maxLength: number): string {
    const length = this.u8();
    if (length === 0 || length > maxLength) {
      throw new AirlockError(
        'FORMAT_INVALID',
        `The ${this.what}'s ${field} has an invalid length (${length}).`,
      );
    }
    try {
      return utf8Decoder.decode(this.take(length));
    } catch {
      throw new AirlockError('FORMAT_INVALID', `The ${this.what}'s ${field} is not valid UTF-8.`);
    }
  }

  /** Refuses trailing bytes: every format has exactly one valid encoding. */
  end(): void {
    if (this.remaining !== 0) {
      throw new AirlockError(
        'FORMAT_INVALID',
        `The ${this.what} has ${this.remaining} unexpected trailing bytes.`,
      );
    }
  }
}
