// One journal record as one line of JSON (the ledger's on-disk format): how a record is encoded,
// and how a line is checked (length, checksum, fields, sequence, chain) with coded results.

import { hash as digest } from 'node:crypto';

export type JsonValue =
  null | boolean | number | string | readonly JsonValue[] | { readonly [key: string]: JsonValue };
export type JsonObject = { readonly [key: string]: JsonValue };

/** One event of the ledger, exactly as stored. `hash` is its checksum and the next one's `prev`. */
export interface LedgerRecord {
  readonly seq: number;
  readonly prev: string;
  readonly at: number;
  readonly type: string;
  readonly data: JsonObject;
  readonly hash: string;
}

/** Where a chain stands: the last record's sequence number and hash (seq 0: the empty chain). */
export interface ChainHead {
  readonly seq: number;
  readonly hash: string;
}

/** The record before a line being checked; `hash: null` when it is unknown (reading from the middle). */
export interface Expected {
  readonly seq: number;
  readonly hash: string | null;
}

export type BadRecordReason = 'torn' | 'checksum' | 'chain' | 'sequence' | 'malformed';
export type ParseResult =
  | { readonly ok: true; readonly record: LedgerRecord }
  | { readonly ok: false; readonly reason: BadRecordReason };

/** `prev` of the first record. */
export const GENESIS_HASH = '0'.repeat(64);
export const EMPTY_CHAIN: ChainHead = { seq: 0, hash: GENESIS_HASH };
/** Longest line accepted, without its `\n`: bounds the work done on a damaged file. */
export const MAX_LINE_BYTES = 1024 * 1024;
export const MAX_TYPE_LENGTH = 200;

const HASH_PATTERN = /^[0-9a-f]{64}$/;
const HASH_KEY = Buffer.from(',"hash":"');
// `,"hash":"` + 64 hex digits + `"}`
const SUFFIX_BYTES = HASH_KEY.length + 64 + 2;
const FIELD_ORDER = 'seq,prev,at,type,data';

export interface EncodedRecord {
  readonly record: LedgerRecord;
  /** The line as written, with its `\n`. */
  readonly line: Buffer;
}

function isPlainObject(value: unknown): value is JsonObject {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * Encodes the record that follows `previous`. The returned record is the stored line parsed back,
 * so it equals what a later read gives (JSON drops `undefined`, turns dates into strings). Misuse
 * (a non-integer time, an empty type, data that is not a plain object, an oversized line) throws.
 */
export function encodeRecord(
  previous: ChainHead,
  at: number,
  type: string,
  data: object,
): EncodedRecord {
  const { body, hash, line } = encode(previous, at, type, data);
  const parsed = JSON.parse(body) as { data: unknown };
  if (!isPlainObject(parsed.data)) throw new TypeError('data must serialise to a JSON object');
  const record = { seq: previous.seq + 1, prev: previous.hash, at, type, data: parsed.data, hash };
  return { record, line };
}

/**
 * Just the line and hash of the record after `previous`, for bulk writers that keep no record
 * object (imports, benchmark fixtures): encodeRecord without parsing the line back.
 */
export function encodeLine(
  previous: ChainHead,
  at: number,
  type: string,
  data: object,
): { readonly line: Buffer; readonly head: ChainHead } {
  const { hash, line } = encode(previous, at, type, data);
  return { line, head: { seq: previous.seq + 1, hash } };
}

function encode(previous: ChainHead, at: number, type: string, data: object) {
  if (!Number.isSafeInteger(at) || at < 0) {
    throw new TypeError('at must be a non-negative integer (Unix milliseconds)');
  }
  if (typeof type !== 'string' || type.length === 0 || type.length > MAX_TYPE_LENGTH) {
    throw new TypeError(`type must be a string of 1 to ${MAX_TYPE_LENGTH} characters`);
  }
  if (!isPlainObject(data)) throw new TypeError('data must be a plain JSON object');
  if (
    !Number.isSafeInteger(previous.seq) ||
    previous.seq < 0 ||
    !HASH_PATTERN.test(previous.hash)
  ) {
    throw new TypeError('previous must be a chain head { seq, hash }');
  }
  const body = JSON.stringify({ seq: previous.seq + 1, prev: previous.hash, at, type, data });
  const hash = digest('sha256', body, 'hex');
  const line = Buffer.from(`${body.slice(0, -1)},"hash":"${hash}"}\n`);
  if (line.length - 1 > MAX_LINE_BYTES) {
    throw new RangeError(`a record must encode to at most ${MAX_LINE_BYTES} bytes`);
  }
  return { body, hash, line };
}

/**
 * Checks one line (without its `\n`) against the record before it, in the order that makes each
 * later step safe: bounded length, the exact hash suffix, the checksum over the body's bytes, then
 * JSON and field types, then sequence and chain. Never throws on bad data.
 */
export function parseRecordLine(line: Uint8Array, expected: Expected): ParseResult {
  if (line.length > MAX_LINE_BYTES || line.length < SUFFIX_BYTES + 2) {
    return { ok: false, reason: 'malformed' };
  }
  const bytes = Buffer.from(line.buffer, line.byteOffset, line.length);
  const cut = bytes.length - SUFFIX_BYTES;
  if (
    bytes[bytes.length - 1] !== 0x7d || // }
    bytes[bytes.length - 2] !== 0x22 || // "
    !bytes.subarray(cut, cut + HASH_KEY.length).equals(HASH_KEY)
  ) {
    return { ok: false, reason: 'malformed' };
  }
  // No pattern check needed: only 64 lower-case hex digits can equal the digest below.
  const hash = bytes.toString('latin1', cut + HASH_KEY.length, bytes.length - 2);
  // The body as text: hashing its UTF-8 encoding gives back the bytes read, unless they were not
  // valid UTF-8 (which no writer produces), and then the checksum fails as it should.
  const body = `${bytes.toString('utf8', 0, cut)}}`;
  if (digest('sha256', body, 'hex') !== hash) return { ok: false, reason: 'checksum' };

  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  if (!isPlainObject(value) || Object.keys(value).join(',') !== FIELD_ORDER) {
    return { ok: false, reason: 'malformed' };
  }
  const { seq, prev, at, type, data } = value;
  if (
    typeof seq !== 'number' ||
    !Number.isSafeInteger(seq) ||
    seq < 1 ||
    typeof prev !== 'string' ||
    !HASH_PATTERN.test(prev) ||
    typeof at !== 'number' ||
    !Number.isSafeInteger(at) ||
    at < 0 ||
    typeof type !== 'string' ||
    type.length === 0 ||
    type.length > MAX_TYPE_LENGTH ||
    !isPlainObject(data)
  ) {
    return { ok: false, reason: 'malformed' };
  }
  if (seq !== expected.seq + 1) return { ok: false, reason: 'sequence' };
  if (expected.hash !== null && prev !== expected.hash) return { ok: false, reason: 'chain' };
  return { ok: true, record: { seq, prev, at, type, data, hash } };
}

/** Words for a reason, to finish "record N …" in messages. */
export function describeReason(reason: BadRecordReason): string {
  switch (reason) {
    case 'torn':
      return 'is incomplete (a torn write)';
    case 'checksum':
      return 'fails its checksum';
    case 'chain':
      return 'does not link to the record before it';
    case 'sequence':
      return 'is out of sequence';
    case 'malformed':
      return 'is not a valid record';
  }
}
