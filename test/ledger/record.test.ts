// The journal's line format (src/ledger/record.ts): exact bytes, round trips, and a coded reason
// for every kind of damage; any single changed byte of a line is caught.

import test from 'ava';
import fc from 'fast-check';
import { createHash } from 'node:crypto';
import {
  EMPTY_CHAIN,
  encodeRecord,
  type Expected,
  GENESIS_HASH,
  MAX_LINE_BYTES,
  parseRecordLine,
} from '../../src/ledger/record.ts';

const T = 1_799_971_200_000;
const lineOf = (buffer: Buffer) => buffer.subarray(0, buffer.length - 1); // without `\n`

test('a record is its JSON body with the body hash spliced in before the closing brace', (t) => {
  const { record, line } = encodeRecord(EMPTY_CHAIN, T, 'license.added', { id: 'L1', seats: 3 });
  const body = `{"seq":1,"prev":"${GENESIS_HASH}","at":${T},"type":"license.added","data":{"id":"L1","seats":3}}`;
  const hash = createHash('sha256').update(body).digest('hex');
  t.is(line.toString(), `${body.slice(0, -1)},"hash":"${hash}"}\n`);
  t.deepEqual(record, {
    seq: 1,
    prev: GENESIS_HASH,
    at: T,
    type: 'license.added',
    data: { id: 'L1', seats: 3 },
    hash,
  });
  t.deepEqual(JSON.parse(line.toString()), record, 'the line is plain JSON for a person too');
});

test('a parsed line gives back the same record, and the next record links to it', (t) => {
  const first = encodeRecord(EMPTY_CHAIN, T, 'a', { text: 'grüße ✓', list: [1, null, true] });
  const second = encodeRecord(first.record, T + 1, 'b', {});
  t.deepEqual(parseRecordLine(lineOf(first.line), EMPTY_CHAIN), { ok: true, record: first.record });
  t.deepEqual(parseRecordLine(lineOf(second.line), first.record), {
    ok: true,
    record: second.record,
  });
  t.is(second.record.prev, first.record.hash);
});

test('the returned record is what JSON keeps, so it equals what a later read gives', (t) => {
  const { record, line } = encodeRecord(EMPTY_CHAIN, T, 'a', {
    dropped: undefined,
    when: new Date(0),
  });
  t.deepEqual(record.data, { when: '1970-01-01T00:00:00.000Z' });
  const parsed = parseRecordLine(lineOf(line), EMPTY_CHAIN);
  t.deepEqual(parsed, { ok: true, record });
});

test('encodeRecord refuses misuse with a TypeError or RangeError', (t) => {
  const bad: Array<[number, string, unknown]> = [
    [-1, 'a', {}],
    [1.5, 'a', {}],
    [T, '', {}],
    [T, 'x'.repeat(201), {}],
    [T, 'a', []],
    [T, 'a', null],
    [T, 'a', 'text'],
    [T, 'a', new Map()],
  ];
  for (const [at, type, data] of bad) {
    t.throws(() => encodeRecord(EMPTY_CHAIN, at, type, data as object), { instanceOf: TypeError });
  }
  t.throws(() => encodeRecord({ seq: 0, hash: 'nothex' }, T, 'a', {}), { instanceOf: TypeError });
  t.throws(() => encodeRecord(EMPTY_CHAIN, T, 'a', { big: 'x'.repeat(MAX_LINE_BYTES) }), {
    instanceOf: RangeError,
  });
});

test('each kind of damage has its own reason', (t) => {
  const first = encodeRecord(EMPTY_CHAIN, T, 'a', { n: 1 });
  const second = encodeRecord(first.record, T, 'b', { n: 2 });
  const text = lineOf(second.line).toString();
  const reason = (line: string | Buffer, expected: Expected = first.record) => {
    const result = parseRecordLine(Buffer.from(line), expected);
    return result.ok ? 'ok' : result.reason;
  };
  t.is(reason(text), 'ok');
  t.is(reason(text.replace('"n":2', '"n":3')), 'checksum');
  t.is(reason(text, { seq: 1, hash: GENESIS_HASH }), 'chain');
  t.is(reason(text, EMPTY_CHAIN), 'sequence');
  t.is(reason(text, { seq: 2, hash: first.record.hash }), 'sequence');
  t.is(reason(text.slice(0, 40)), 'malformed');
  t.is(reason(text.replace(',"hash":"', ',"hash" :"')), 'malformed');
  t.is(reason(text.slice(0, -2) + 'X}'), 'malformed');
  t.is(reason(Buffer.alloc(MAX_LINE_BYTES + 1, 0x20)), 'malformed');
  t.is(reason(''), 'malformed');
});

/** A line whose hash is right but whose body breaks a rule (what only a bad writer could make). */
function forged(body: string): string {
  const hash = createHash('sha256').update(body).digest('hex');
  return `${body.slice(0, -1)},"hash":"${hash}"}`;
}

test('a correctly hashed body that is not a valid record is malformed', (t) => {
  const prev = GENESIS_HASH;
  const bodies = [
    `{"seq":1,"prev":"${prev}","at":1,"type":"a","data":{}`, // not JSON once closed
    `{"prev":"${prev}","seq":1,"at":1,"type":"a","data":{}}`, // field order
    `{"seq":1,"prev":"${prev}","at":1,"type":"a","data":{},"extra":1}`,
    `{"seq":"1","prev":"${prev}","at":1,"type":"a","data":{}}`,
    `{"seq":1.5,"prev":"${prev}","at":1,"type":"a","data":{}}`,
    `{"seq":1,"prev":"${'A'.repeat(64)}","at":1,"type":"a","data":{}}`,
    `{"seq":1,"prev":"${prev}","at":-1,"type":"a","data":{}}`,
    `{"seq":1,"prev":"${prev}","at":1,"type":"","data":{}}`,
    `{"seq":1,"prev":"${prev}","at":1,"type":"a","data":[]}`,
    `{"seq":1,"prev":"${prev}","at":1,"type":"a","data":null}`,
  ];
  for (const body of bodies) {
    t.deepEqual(
      parseRecordLine(Buffer.from(forged(body)), EMPTY_CHAIN),
      { ok: false, reason: 'malformed' },
      body,
    );
  }
  const good = `{"seq":1,"prev":"${prev}","at":1,"type":"a","data":{}}`;
  t.true(parseRecordLine(Buffer.from(forged(good)), EMPTY_CHAIN).ok);
});

test('any single changed byte of a line is rejected', (t) => {
  const { line } = encodeRecord(EMPTY_CHAIN, T, 'activation', { license: 'L-1', seat: 4 });
  const bytes = lineOf(line);
  fc.assert(
    fc.property(
      fc.nat({ max: bytes.length - 1 }),
      fc.integer({ min: 1, max: 255 }),
      (index, delta) => {
        const changed = Buffer.from(bytes);
        changed[index] = (changed[index]! + delta) & 0xff;
        return !parseRecordLine(changed, EMPTY_CHAIN).ok;
      },
    ),
    { numRuns: 2000 },
  );
  t.pass();
});
