// Fuzzing (fast-check) of everything that reads untrusted input. Over HTTP: every endpoint the
// OpenAPI document gives a JSON body gets arbitrary JSON, objects of its own fields with hostile
// values, arbitrary bytes, wrong content types, bodies at the size limit, deep nesting and
// prototype-pollution keys (and the picture and bundle uploads get random and damaged files), on a
// real file ledger; no answer is a 5xx, every refusal is a coded error, and a refusal appends
// nothing to the ledger but its audit record. In-process: every decoder of codes, images, trust
// files, root hand-overs and usage reports gives back a value or an AirlockError with a listed
// code, never another exception. test/core/type-confusion.test.ts already feeds random strings to
// the text decoders and random bytes to parseBundle; this file adds what reaches past the check
// characters (well-formed typed codes of random bytes), the byte parsers, held keys, decodeTyped,
// checkGroups and decodeCompact, images, trust files, hand-overs applied to any anchors (whose
// result must read back as a trust file) and signed usage reports.

import { crc32, deflateSync } from 'node:zlib';
import test from 'ava';
import fc from 'fast-check';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { createToken } from '../../src/appliance/tokens.ts';
import { ALPHABET } from '../../src/core/alphabet.ts';
import { toHex, utf8 } from '../../src/core/bytes.ts';
import { AirlockError, ERROR_CODES } from '../../src/core/errors.ts';
import {
  decodeCertificate,
  issueCertificate,
  parseCertificate,
} from '../../src/core/formats/certificate.ts';
import { decodeChallenge, parseChallenge } from '../../src/core/formats/challenge.ts';
import { decodeDeactivation, parseDeactivation } from '../../src/core/formats/deactivation.ts';
import { decodeHeldKey, parseHeldKey } from '../../src/core/formats/held-key.ts';
import { decodeLicenseKey, parseLicenseKey } from '../../src/core/formats/license-key.ts';
import { decodeResponse, parseResponse } from '../../src/core/formats/response.ts';
import { parseBundle } from '../../src/core/formats/revocation-bundle.ts';
import {
  decodeRootHandover,
  issueRootHandover,
  parseRootHandover,
  rootHandoverText,
} from '../../src/core/formats/root-handover.ts';
import {
  issueUsageReport,
  type UsageReportFields,
  verifyUsageReport,
} from '../../src/core/formats/usage-report.ts';
import {
  formatId,
  ID_PREFIX,
  type IdKind,
  keyIdOf,
  parseActivationId,
  parseId,
} from '../../src/core/ids.ts';
import { KINDS, type KindLetter, kindByte } from '../../src/core/kinds.ts';
import {
  checkGroups,
  decodeCompact,
  decodeTyped,
  decodeTypedOrCompact,
  encodeCompact,
  encodeTyped,
  type TypedLimits,
} from '../../src/core/typed-code.ts';
import { JSON_LIMIT } from '../../src/http/body.ts';
import { HTTP_ERROR_CODES } from '../../src/http/errors.ts';
import { nodeSuite } from '../../src/node/ed25519.ts';
import { decodeImage } from '../../src/scan/image.ts';
import { applyRootHandover } from '../../src/sdk/root-handover.ts';
import { parseTrust, type TrustAnchors, trustFile } from '../../src/sdk/trust.ts';
import { applyResponse, createChallenge, deactivate, emptyState } from '../../src/sdk/index.ts';
import { NOW, setup, type Setup, USER_PASSWORDS } from './helpers.ts';

// ---- Shared -------------------------------------------------------------------------------------

/**
 * Runs a decoder: a return or an AirlockError with a listed code is fine; anything else escapes
 * as an Error naming the decoder, which fast-check reports with the shrunk input.
 */
function refusesCleanly(what: string, run: () => unknown): void {
  try {
    run();
  } catch (error) {
    if (error instanceof AirlockError && Object.hasOwn(ERROR_CODES, error.code)) return;
    const name = (error as Error)?.constructor?.name ?? typeof error;
    throw new Error(`${what} threw ${name}: ${(error as Error)?.message ?? String(error)}`);
  }
}

const KIND_LETTERS = Object.keys(KINDS) as KindLetter[];

/** Mostly version 1, the one every format is at, so parsers read past the first byte. */
const version = fc.oneof(
  { weight: 3, arbitrary: fc.constant(1) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 7 }) },
);

/** Bytes whose first byte names a kind and a version. */
const kindPrefixed = (lengths: fc.Arbitrary<number>) =>
  fc.tuple(fc.constantFrom(...KIND_LETTERS), version, lengths).chain(([letter, v, length]) =>
    fc.uint8Array({ minLength: length, maxLength: length }).map((bytes) => {
      if (bytes.length > 0) bytes[0] = kindByte(letter, v);
      return bytes;
    }),
  );

/** Group counts of the typed artefacts: held key, deactivation, challenge, response, … */
const groupCount = fc.oneof(
  fc.constantFrom(3, 6, 9, 15, 22, 23, 20, 40),
  fc.integer({ min: 1, max: 60 }),
);

/** Each typed artefact's letter and group count (license keys vary), at version 1. */
const artefactBytes = fc
  .constantFrom<[KindLetter, fc.Arbitrary<number>]>(
    ['S', fc.constant(3)],
    ['D', fc.constant(6)],
    ['C', fc.constant(9)],
    ['R', fc.constant(15)],
    ['A', fc.constant(23)],
    ['H', fc.constant(22)],
    ['K', fc.integer({ min: 20, max: 150 })],
  )
  .chain(([letter, groups]) =>
    groups.chain((n) =>
      fc.uint8Array({ minLength: n * 5, maxLength: n * 5 }).map((bytes) => {
        bytes[0] = kindByte(letter, 1);
        return bytes;
      }),
    ),
  );

/** A multiple of 5 bytes, mostly starting with a kind byte: what typed codes carry. */
const codeBytes = fc.oneof(
  artefactBytes,
  groupCount.chain((groups) =>
    fc.oneof(
      fc.uint8Array({ minLength: groups * 5, maxLength: groups * 5 }),
      kindPrefixed(fc.constant(groups * 5)),
    ),
  ),
);

/** Typed codes with correct check characters (they pass the first layer), typed sloppily or not. */
const wellFormedTyped = fc
  .tuple(codeBytes, fc.constantFrom('as is', 'lower', 'spaces', 'no separators', 'padded'))
  .map(([bytes, style]) => {
    const text = encodeTyped(bytes);
    if (style === 'lower') return text.toLowerCase();
    if (style === 'spaces') return text.replaceAll('-', ' ');
    if (style === 'no separators') return text.replaceAll('-', '');
    if (style === 'padded') return `  ${text}\n`;
    return text;
  });

/** Anything a person or a QR code could hand a text decoder. */
const codeText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.string({ unit: fc.constantFrom(...`${ALPHABET}oilOILu-+ _\t`), maxLength: 400 }),
  wellFormedTyped,
  codeBytes.map(encodeCompact),
  fc.tuple(codeBytes, wellFormedTyped).map(([a, b]) => `${encodeCompact(a)}+${b}`),
);

// ---- Decoders of codes --------------------------------------------------------------------------

const TEXT_DECODERS: Readonly<Record<string, (text: string) => unknown>> = {
  decodeLicenseKey,
  decodeChallenge,
  decodeResponse,
  decodeDeactivation,
  decodeCertificate,
  decodeHeldKey,
  decodeRootHandover,
  parseActivationId,
  ...Object.fromEntries(
    (Object.keys(ID_PREFIX) as IdKind[]).map((kind) => [
      `parseId(${kind})`,
      (text: string) => parseId(kind, text),
    ]),
  ),
};

test('well-formed typed codes of random bytes give a value or an AirlockError from every text decoder', (t) => {
  fc.assert(
    fc.property(codeText, (text) => {
      for (const [name, decode] of Object.entries(TEXT_DECODERS)) {
        refusesCleanly(name, () => decode(text));
      }
    }),
    { numRuns: 800, includeErrorInReport: true },
  );
  t.pass();
});

const limits: fc.Arbitrary<TypedLimits> = fc
  .tuple(
    fc.integer({ min: 1, max: 40 }),
    fc.integer({ min: 0, max: 40 }),
    fc.option(fc.tuple(fc.constantFrom(...KIND_LETTERS), fc.integer({ min: 0, max: 7 }))),
  )
  .map(([min, extra, kind]) => ({
    what: 'code',
    minGroups: min,
    maxGroups: min + extra,
    ...(kind === null ? {} : { kind: { letter: kind[0], version: kind[1] } }),
  }));

test('decodeTyped, decodeCompact, decodeTypedOrCompact and checkGroups give a value or an AirlockError for any text and limits', (t) => {
  fc.assert(
    fc.property(codeText, limits, fc.integer({ min: 0, max: 60 }), (text, l, maxGroups) => {
      refusesCleanly('decodeTyped', () => decodeTyped(text, l));
      refusesCleanly('decodeCompact', () => decodeCompact(text, l));
      refusesCleanly('decodeTypedOrCompact', () => decodeTypedOrCompact(text, l));
      refusesCleanly('checkGroups', () => {
        const groups = checkGroups(text, maxGroups);
        if (groups.length > maxGroups + 1) throw new Error(`checkGroups gave ${groups.length}`);
      });
    }),
    { numRuns: 800, includeErrorInReport: true },
  );
  t.pass();
});

const BYTE_PARSERS: Readonly<Record<string, (bytes: Uint8Array) => unknown>> = {
  parseLicenseKey,
  parseChallenge,
  parseResponse,
  parseCertificate,
  parseDeactivation,
  parseHeldKey,
  parseRootHandover,
  parseBundle,
};

test('random bytes of any kind, near each artefact’s length, give a value or an AirlockError from every byte parser', (t) => {
  // Held key, deactivation, challenge, response, hand-over, certificate; keys and bundles vary.
  const near = fc.oneof(
    fc.constantFrom(15, 30, 45, 75, 110, 115).chain((n) => fc.integer({ min: n - 6, max: n + 6 })),
    fc.integer({ min: 0, max: 750 }),
  );
  fc.assert(
    fc.property(
      fc.oneof(fc.uint8Array({ maxLength: 300 }), kindPrefixed(near), artefactBytes),
      (bytes) => {
        for (const [name, parse] of Object.entries(BYTE_PARSERS)) {
          refusesCleanly(name, () => parse(bytes));
        }
      },
    ),
    { numRuns: 1000, includeErrorInReport: true },
  );
  t.pass();
});

// ---- Images -------------------------------------------------------------------------------------

function smallImages(): { png: Uint8Array; jpeg: Uint8Array } {
  const width = 24;
  const height = 16;
  const png = new PNG({ width, height });
  const rgba = new Uint8Array(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    const v = (i * 37) % 256;
    rgba.set([v, 255 - v, (v * 3) % 256, 255], i * 4);
  }
  png.data.set(rgba);
  return {
    png: new Uint8Array(PNG.sync.write(png)),
    jpeg: new Uint8Array(jpeg.encode({ data: rgba, width, height }, 80).data),
  };
}

/** A file changed in a few places, cut short, or with random bytes spliced in. */
function damaged(file: Uint8Array): fc.Arbitrary<Uint8Array> {
  const at = fc.nat({ max: file.length - 1 });
  return fc.oneof(
    fc
      .array(fc.tuple(at, fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 })
      .map((changes) => {
        const copy = file.slice();
        for (const [i, b] of changes) copy[i] = b;
        return copy;
      }),
    at.map((n) => file.slice(0, n)),
    fc
      .tuple(at, fc.uint8Array({ minLength: 1, maxLength: 64 }))
      .map(([i, junk]) => new Uint8Array([...file.slice(0, i), ...junk, ...file.slice(i)])),
  );
}

/** A PNG's chunks: type and data (the CRC is recomputed when it is written back). */
function chunksOf(png: Uint8Array): { type: string; data: Uint8Array }[] {
  const chunks: { type: string; data: Uint8Array }[] = [];
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  for (let at = 8; at + 12 <= png.length;) {
    const length = view.getUint32(at);
    const type = String.fromCharCode(...png.subarray(at + 4, at + 8));
    chunks.push({ type, data: png.slice(at + 8, at + 8 + length) });
    at += 12 + length;
  }
  return chunks;
}

function pngOf(chunks: readonly { type: string; data: Uint8Array }[]): Uint8Array {
  const parts = chunks.map(({ type, data }) => {
    const out = new Uint8Array(12 + data.length);
    const view = new DataView(out.buffer);
    view.setUint32(0, data.length);
    out.set(utf8(type), 4);
    out.set(data, 8);
    view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
    return out;
  });
  return new Uint8Array(Buffer.concat([Buffer.from(PNG_SIGNATURE), ...parts]));
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/**
 * A PNG whose chunks still have good CRCs (so the decoder reads them) but hold other values: a
 * small changed size, bit depth, colour type or interlace; changed or cut compressed data; a chunk
 * removed, repeated or added.
 */
function recrcPng(png: Uint8Array): fc.Arbitrary<Uint8Array> {
  const chunks = chunksOf(png);
  const ihdr = chunks.findIndex((c) => c.type === 'IHDR');
  const idat = chunks.findIndex((c) => c.type === 'IDAT');
  const withChunk = (i: number, data: Uint8Array) =>
    pngOf(chunks.map((c, j) => (j === i ? { type: c.type, data } : c)));
  const header = fc
    .tuple(
      fc.integer({ min: 0, max: 64 }),
      fc.integer({ min: 0, max: 64 }),
      fc.constantFrom(0, 1, 2, 4, 8, 16, 3, 255),
      fc.constantFrom(0, 2, 3, 4, 6, 1, 7),
      fc.integer({ min: 0, max: 2 }),
    )
    .map(([width, height, depth, colour, interlace]) => {
      const data = chunks[ihdr]!.data.slice();
      const view = new DataView(data.buffer);
      view.setUint32(0, width);
      view.setUint32(4, height);
      data[8] = depth;
      data[9] = colour;
      data[12] = interlace;
      return withChunk(ihdr, data);
    });
  const compressed = chunks[idat]!.data;
  const pixels = fc.oneof(
    damaged(compressed).map((data) => withChunk(idat, data)),
    fc.uint8Array({ maxLength: 300 }).map((junk) => withChunk(idat, deflateSync(junk))),
  );
  const shuffled = fc
    .tuple(
      fc.nat({ max: chunks.length - 1 }),
      fc.constantFrom('remove', 'repeat', 'add'),
      fc.constantFrom('PLTE', 'tRNS', 'IDAT', 'IEND', 'gAMA', 'zzzz'),
      fc.uint8Array({ maxLength: 40 }),
    )
    .map(([i, how, type, data]) => {
      const copy = [...chunks];
      if (how === 'remove') copy.splice(i, 1);
      else if (how === 'repeat') copy.splice(i, 0, chunks[i]!);
      else copy.splice(i, 0, { type, data });
      return pngOf(copy);
    });
  return fc.oneof(header, pixels, shuffled);
}

test('decodeImage gives pixels or an AirlockError for random bytes and damaged PNG and JPEG files', (t) => {
  const { png, jpeg: jpg } = smallImages();
  t.deepEqual(pngOf(chunksOf(png)), png, 'chunks are read and written back exactly');
  const magic = (prefix: number[]) =>
    fc.uint8Array({ maxLength: 200 }).map((rest) => new Uint8Array([...prefix, ...rest]));
  fc.assert(
    fc.property(
      fc.oneof(
        fc.uint8Array({ maxLength: 200 }),
        magic(PNG_SIGNATURE),
        magic([0xff, 0xd8, 0xff]),
        damaged(png),
        recrcPng(png),
        damaged(jpg),
      ),
      (bytes) => refusesCleanly('decodeImage', () => decodeImage(bytes)),
    ),
    { numRuns: 400, includeErrorInReport: true },
  );
  t.pass();
});

// ---- Trust files and usage reports --------------------------------------------------------------

// Seeds as in test/vectors: vendor 0x01, appliance 0x02.
const vendor = nodeSuite.signer(new Uint8Array(32).fill(1));
const applianceKey = nodeSuite.signer(new Uint8Array(32).fill(2));
const T0 = 1767225600;
const certificate = issueCertificate(
  {
    applianceId: Uint8Array.of(0x0a, 0x0b, 0x0c, 0x0d),
    publicKey: applianceKey.publicKey,
    notAfter: T0 + 365 * 86400,
    seatQuota: 0,
    product: null,
  },
  vendor,
);
const trust: TrustAnchors = {
  roots: [{ keyId: keyIdOf(vendor.publicKey), publicKey: vendor.publicKey }],
  certificates: [certificate],
  retired: [Uint8Array.of(1, 2, 3, 4)],
};

/** A JSON value with one place replaced by an arbitrary value, removed, or given a new key. */
function mutated(value: unknown): fc.Arbitrary<unknown> {
  const paths: (string | number)[][] = [];
  const walk = (v: unknown, path: (string | number)[]) => {
    paths.push(path);
    if (Array.isArray(v)) v.forEach((x, i) => walk(x, [...path, i]));
    else if (typeof v === 'object' && v !== null) {
      for (const [k, x] of Object.entries(v)) walk(x, [...path, k]);
    }
  };
  walk(value, []);
  const hostileKey = fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'length');
  return fc
    .tuple(
      fc.constantFrom(...paths),
      fc.constantFrom('replace', 'remove', 'add'),
      fc.jsonValue({ maxDepth: 3 }),
      fc.oneof(hostileKey, fc.string({ maxLength: 8 })),
    )
    .map(([path, how, replacement, key]) => {
      const copy = JSON.parse(JSON.stringify(value)) as unknown;
      if (path.length === 0) return how === 'replace' ? replacement : copy;
      const parent = path.slice(0, -1).reduce<any>((node, k) => node[k], copy);
      const last = path[path.length - 1]!;
      if (how === 'replace') parent[last] = replacement;
      else if (how === 'remove' && Array.isArray(parent)) parent.splice(Number(last), 1);
      else if (how === 'remove') delete parent[last];
      else if (
        typeof parent[last] === 'object' &&
        parent[last] !== null &&
        !Array.isArray(parent[last])
      ) {
        // Defined as an own property, as JSON.parse would: `__proto__` included.
        Object.defineProperty(parent[last], key, {
          value: replacement,
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
      return copy;
    });
}

test('parseTrust gives anchors or TRUST_INVALID for any value and for a trust file changed anywhere', (t) => {
  const file = trustFile(trust);
  fc.assert(
    fc.property(fc.oneof(fc.jsonValue({ maxDepth: 4 }), fc.anything(), mutated(file)), (json) =>
      refusesCleanly('parseTrust', () => parseTrust(json)),
    ),
    { numRuns: 600, includeErrorInReport: true },
  );
  t.pass();
});

/** Vendor root keys a trust may pin, have retired, or never have seen. */
const ROOT_KEYS = Array.from({ length: 140 }, (_, i) =>
  nodeSuite.signer(Uint8Array.from({ length: 32 }, (_, j) => (i * 32 + j) % 251)),
);

/** Trust anchors of 1 to 64 roots and 0 to 64 retired keys (the most a trust file holds). */
const anchors: fc.Arbitrary<TrustAnchors> = fc
  .tuple(
    fc.oneof(fc.integer({ min: 1, max: 64 }), fc.constant(64)),
    fc.oneof(fc.integer({ min: 0, max: 64 }), fc.constant(64)),
    fc.shuffledSubarray(
      ROOT_KEYS.map((_, i) => i),
      { minLength: ROOT_KEYS.length, maxLength: ROOT_KEYS.length },
    ),
  )
  .map(([pinned, retired, order]) => ({
    roots: order.slice(0, pinned).map((i) => ({
      keyId: keyIdOf(ROOT_KEYS[i]!.publicKey),
      publicKey: ROOT_KEYS[i]!.publicKey,
    })),
    certificates: [],
    retired: order.slice(pinned, pinned + retired).map((i) => keyIdOf(ROOT_KEYS[i]!.publicKey)),
  }));

test('applyRootHandover gives anchors a trust file can hold, or an AirlockError, for any hand-over', (t) => {
  const signed = fc
    .tuple(
      fc.nat({ max: ROOT_KEYS.length - 1 }),
      fc.nat({ max: ROOT_KEYS.length - 1 }),
      fc.nat({ max: 0xffffffff }),
      fc.boolean(),
    )
    .filter(([from, to]) => from !== to)
    .map(([from, to, issuedAt, retiresSigner]) =>
      rootHandoverText(
        issueRootHandover(
          { newPublicKey: ROOT_KEYS[to]!.publicKey, issuedAt, retiresSigner },
          ROOT_KEYS[from]!,
        ),
      ),
    );
  fc.assert(
    fc.property(anchors, fc.oneof({ weight: 4, arbitrary: signed }, codeText), (trust, text) => {
      let applied: ReturnType<typeof applyRootHandover> | undefined;
      refusesCleanly('applyRootHandover', () => {
        applied = applyRootHandover(trust, text, { verifier: nodeSuite });
      });
      if (applied === undefined) return;
      // What a client writes back must be a trust file it can read again.
      const file = JSON.parse(JSON.stringify(trustFile(applied.trust))) as unknown;
      try {
        parseTrust(file);
      } catch (error) {
        throw new Error(`the anchors after the hand-over are refused: ${String(error)}`);
      }
    }),
    { numRuns: 300, includeErrorInReport: true },
  );
  t.pass();
});

const reportFields: UsageReportFields = {
  certificate,
  issuedAt: T0 + 86400,
  ledger: { seq: 42, hash: '42'.repeat(32) },
  previous: { seq: 30, hash: '30'.repeat(32) },
  licenses: [
    {
      licenseId: 'lic_0100000000000001',
      product: 'acme-view',
      seats: 10,
      seatsUsed: 3,
      activations: 4,
    },
    {
      licenseId: 'lic_ff00000000000002',
      product: 'acme-cad',
      seats: 0,
      seatsUsed: 7,
      activations: 7,
    },
  ],
  revocations: { vendorSequence: 3, siteSequence: null },
};

/** Signs any body as the appliance would (§15.2), so the parser behind the signature sees it. */
function sealed(body: string): string {
  const input = new Uint8Array([...utf8('airlock-usage-report-v1'), 0, ...utf8(body)]);
  return `${body.slice(0, -1)},"signature":"${toHex(applianceKey.sign(input))}"}\n`;
}

test('verifyUsageReport gives a report or an AirlockError for any text, any bytes and any signed body', (t) => {
  const text = issueUsageReport(reportFields, applianceKey);
  const { signature: _, ...parsed } = JSON.parse(text) as Record<string, unknown>;
  const { format, applianceId, certificate: cert, ...rest } = parsed;
  // Any body behind a good signature: the header lines as the format has them, the rest changed.
  const signedBodies = mutated(rest).map((changed) =>
    sealed(
      JSON.stringify(
        {
          format,
          applianceId,
          certificate: cert,
          ...(typeof changed === 'object' && changed !== null ? changed : { changed }),
        },
        null,
        2,
      ),
    ),
  );
  const characters = fc.array(
    fc.tuple(fc.nat({ max: text.length - 1 }), fc.string({ maxLength: 3 })),
    {
      minLength: 1,
      maxLength: 3,
    },
  );
  const changedText = characters.map((edits) =>
    edits.reduce((s, [i, c]) => s.slice(0, i) + c + s.slice(i + 1), text),
  );
  const options = { trust, verifier: nodeSuite, now: T0 + 2 * 86400 };
  fc.assert(
    fc.property(
      fc.oneof(
        fc.string({ unit: 'binary', maxLength: 300 }),
        fc.uint8Array({ maxLength: 300 }),
        changedText,
        changedText.map(utf8),
        signedBodies,
      ),
      (input) => refusesCleanly('verifyUsageReport', () => verifyUsageReport(input, options)),
    ),
    { numRuns: 600, includeErrorInReport: true },
  );
  t.pass();
});

// ---- Every endpoint with a body, over HTTP ----------------------------------------------------

interface BodyEndpoint {
  readonly method: string;
  readonly path: string;
  /** The media types its body may have (application/json for most). */
  readonly mediaTypes: readonly string[];
  /** A JSON body's fields, with their JSON Schema (maxLength, enum). */
  readonly fields: Readonly<Record<string, { maxLength?: number; enum?: string[] }>>;
  /** Only a console session may call it (the document offers no bearer token). */
  readonly sessionOnly: boolean;
}

const ALL_CODES = { ...ERROR_CODES, ...HTTP_ERROR_CODES };

/** Every operation the document gives a request body. */
function bodyEndpoints(doc: any): BodyEndpoint[] {
  return Object.entries(doc.paths as Record<string, Record<string, any>>).flatMap(([path, ops]) =>
    Object.entries(ops)
      .filter(([, op]) => op.requestBody?.content !== undefined)
      .map(([method, op]) => ({
        method: method.toUpperCase(),
        path,
        mediaTypes: Object.keys(op.requestBody.content),
        fields: op.requestBody.content['application/json']?.schema?.properties ?? {},
        sessionOnly: !(op.security as object[]).some((s) => Object.hasOwn(s, 'bearer')),
      })),
  );
}

interface Fuzzed {
  readonly label: string;
  readonly body: string | Uint8Array;
  readonly contentType?: string;
  readonly encoding?: string;
}

/** Bodies any JSON endpoint must refuse or take without a fault, whatever its fields. */
function fixedBodies(fields: Readonly<Record<string, unknown>>): Fuzzed[] {
  const [first = 'x'] = Object.keys(fields);
  const json = (label: string, value: unknown): Fuzzed => ({ label, body: JSON.stringify(value) });
  const padded = (size: number) => {
    const head = `{"${first}":"`;
    return `${head}${'a'.repeat(size - head.length - 2)}"}`;
  };
  return [
    { label: 'empty', body: '' },
    { label: 'whitespace', body: ' \n\t ' },
    { label: 'null', body: 'null' },
    { label: 'a number', body: '1e309' },
    { label: 'an array', body: '[]' },
    { label: 'truncated', body: `{"${first}":` },
    { label: 'trailing text', body: `{"${first}":"a"} x` },
    { label: 'two objects', body: '{}{}' },
    { label: 'duplicate keys', body: `{"${first}":"a","${first}":"b"}` },
    { label: 'a byte-order mark', body: `\ufeff{"${first}":"a"}` },
    { label: 'invalid UTF-8', body: new Uint8Array([0x7b, 0x22, 0xc3, 0x28, 0x22, 0x7d]) },
    { label: 'UTF-16', body: new Uint8Array(Buffer.from(`{"${first}":"a"}`, 'utf16le')) },
    { label: 'a lone surrogate escape', body: `{"${first}":"\\ud800"}` },
    { label: 'NUL in a string', body: `{"${first}":"a\\u0000b"}` },
    { label: 'deep arrays', body: `${'['.repeat(30000)}${']'.repeat(30000)}` },
    { label: 'deep objects', body: `${'{"a":'.repeat(10000)}1${'}'.repeat(10000)}` },
    { label: 'deep, unclosed', body: '['.repeat(60000) },
    { label: 'at the size limit', body: padded(JSON_LIMIT) },
    { label: 'one byte over the limit', body: padded(JSON_LIMIT + 1) },
    { label: 'a megabyte', body: padded(1 << 20) },
    json('__proto__', JSON.parse(`{"__proto__":{"polluted":1},"${first}":"a"}`)),
    { label: '__proto__ as text', body: `{"__proto__":{"polluted":1}}` },
    { label: 'constructor.prototype', body: '{"constructor":{"prototype":{"polluted":1}}}' },
    json('toString', { toString: 'x', valueOf: 1, hasOwnProperty: 'y' }),
    json('every field an object', Object.fromEntries(Object.keys(fields).map((k) => [k, {}]))),
    json('every field an array', Object.fromEntries(Object.keys(fields).map((k) => [k, ['a']]))),
    json('every field a number', Object.fromEntries(Object.keys(fields).map((k) => [k, 1]))),
    ...['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x'].map(
      (contentType) => ({ label: contentType, body: `{"${first}":"a"}`, contentType }),
    ),
    {
      label: 'JSON with a charset',
      body: `{"${first}":"a"}`,
      contentType: 'application/json; charset=latin1',
    },
    { label: 'upper-case JSON', body: `{"${first}":"a"}`, contentType: 'APPLICATION/JSON' },
    { label: 'no content type', body: new Uint8Array(utf8(`{"${first}":"a"}`)), contentType: '' },
    { label: 'gzip', body: `{"${first}":"a"}`, encoding: 'gzip' },
  ];
}

/**
 * Objects of the endpoint's own fields, mostly strings (real IDs and codes, its enum's values,
 * strings at and over its length limit, typed codes of random bytes), so many get past the shape
 * check to the use case; sometimes a field missing, another type, or extra keys.
 */
function shapedBodies(
  fields: BodyEndpoint['fields'],
  dictionary: Readonly<Record<string, readonly string[]>>,
): fc.Arbitrary<unknown> {
  const everything = Object.values(dictionary).flat();
  const valueFor = (name: string, schema: { maxLength?: number; enum?: string[] }) => {
    const max = schema.maxLength ?? 200;
    const edges = ['', ' ', 'a'.repeat(max), 'a'.repeat(max + 1), 'a\u0000b', 'x\ny'];
    const known = [...(dictionary[name] ?? everything), ...(schema.enum ?? [])];
    return fc.oneof(
      { weight: 6, arbitrary: fc.constantFrom(...known) },
      { weight: 2, arbitrary: fc.constantFrom(...edges) },
      { weight: 3, arbitrary: codeText },
      { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 40 }) },
      { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
    );
  };
  const keys = Object.keys(fields);
  const own = fc.record(
    Object.fromEntries(Object.entries(fields).map(([k, schema]) => [k, valueFor(k, schema)])),
  );
  const extra = fc.dictionary(
    fc.oneof(fc.constantFrom('__proto__', 'constructor', 'prototype'), fc.string({ maxLength: 8 })),
    fc.jsonValue({ maxDepth: 2 }),
    { minKeys: 1, maxKeys: 2 },
  );
  /** `arbitrary` once in `n` times, otherwise null. */
  const sometimes = <T>(arbitrary: fc.Arbitrary<T>, n: number) =>
    fc.oneof({ weight: n - 1, arbitrary: fc.constant(null) }, { weight: 1, arbitrary });
  return fc
    .tuple(own, sometimes(fc.constantFrom(...keys), 5), sometimes(extra, 6))
    .map(([o, missing, e]) => {
      const body: Record<string, unknown> = { ...o };
      if (missing !== null) delete body[missing];
      return e === null ? body : { ...body, ...e };
    });
}

/** What the ledger's non-audit history and the appliance's state are. */
function stateOf(s: Setup) {
  const { appliance } = s;
  return {
    seq: s.ledger!.head.seq,
    hash: s.ledger!.head.hash,
    kept: JSON.stringify([
      appliance.licenses(),
      appliance.activations({}),
      appliance.revocationStatus(),
    ]),
  };
}

/** Whether the ledger gained nothing since `before` but audit records, the state the same. */
async function onlyAudited(s: Setup, before: ReturnType<typeof stateOf>): Promise<boolean> {
  const after = stateOf(s);
  if (after.kept !== before.kept) return false;
  if (after.seq === before.seq) return after.hash === before.hash;
  const { records } = await s.ledger!.recent({ limit: after.seq - before.seq });
  return records.every((r) => r.seq <= before.seq || r.type === 'audit');
}

test('every endpoint with a body answers any body without a fault, and refusals leave the ledger as it was', async (t) => {
  const s = await setup(t, { fileLedger: true, users: true });
  const doc = (await s.call('GET', '/openapi.json')).json;
  const endpoints = bodyEndpoints(doc);
  const json = endpoints.filter((e) => e.mediaTypes.includes('application/json'));
  const others = endpoints.filter((e) => !e.mediaTypes.includes('application/json'));
  t.true(json.length >= 10, `${json.length} JSON endpoints`);

  // Real artefacts: an activation (and its machine's deactivation code), a license, a token.
  const machine = createChallenge(emptyState(), s.key, s.machine('fuzz'));
  const responded = await s.call('POST', '/offline/respond', {
    token: s.tokens.admin,
    body: { challenge: machine.text },
  });
  t.is(responded.status, 200, responded.text);
  const applied = applyResponse(machine.state, responded.json.qr, s.machine('fuzz'));
  const spare = await createToken(s.dir, { role: 'auditor', label: 'spare', now: NOW });
  const parameters: Readonly<Record<string, string>> = {
    'licenses/{id}': s.licenseId,
    'activations/{id}': responded.json.activationId,
    'tokens/{id}': spare.info.id,
    'users/{name}': 'operator',
  };
  // A fuzzing dictionary: values that pass a field's checks, so requests reach the use cases.
  const dictionary: Readonly<Record<string, readonly string[]>> = {
    challenge: [machine.text, createChallenge(emptyState(), s.key, s.machine('other')).text],
    code: [deactivate(applied.state, { now: NOW }).code],
    key: [s.key, s.issue(2)],
    licenseId: [s.licenseId, formatId('license', Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8))],
    activationId: [responded.json.activationId, 'act_000000ff'],
    reason: ['lost-or-stolen', 'retired', 'r'.repeat(200)],
    name: ['admin', 'operator', 'fuzz-user', 'Admin '],
    password: [USER_PASSWORDS.admin, 'a new pass phrase 4'],
    current: [USER_PASSWORDS.admin, 'a new pass phrase 4'],
    role: ['auditor', 'root'],
    label: ['fuzz', 'l'.repeat(100)],
    expiresInDays: ['1', '3650', '0', '3651', '1e3'],
    clientId: ['client-1'],
  };
  const signIn = await s.call('POST', '/auth/sign-in', {
    body: { name: 'admin', password: USER_PASSWORDS.admin },
  });
  // Changing one's own password renews the session: the new one is taken up below.
  const session = {
    cookie: signIn.headers.get('set-cookie')!.split(';')[0]!,
    csrf: signIn.json.csrfToken as string,
  };

  async function send(endpoint: BodyEndpoint, fuzzed: Fuzzed) {
    const url = endpoint.path.replace(/([a-z-]+)\/\{\w+\}/g, (whole: string, resource: string) => {
      const value = parameters[whole];
      if (value === undefined) throw new Error(`No value for ${whole}: add one to the fuzz test.`);
      return `${resource}/${encodeURIComponent(value)}`;
    });
    const headers: Record<string, string> = endpoint.sessionOnly
      ? { cookie: session.cookie, 'x-csrf-token': session.csrf }
      : { authorization: `Bearer ${s.tokens.admin}` };
    const contentType = fuzzed.contentType ?? 'application/json';
    if (contentType !== '') headers['content-type'] = contentType;
    if (fuzzed.encoding !== undefined) headers['content-encoding'] = fuzzed.encoding;
    const before = stateOf(s);
    const res = await fetch(s.url + url, { method: endpoint.method, headers, body: fuzzed.body });
    const text = await res.text();
    const renewed = res.headers.get('set-cookie')?.split(';')[0];
    if (endpoint.sessionOnly && res.status === 200 && renewed !== undefined) {
      session.cookie = renewed;
      session.csrf = (JSON.parse(text) as { csrfToken: string }).csrfToken;
    }
    const problems: string[] = [];
    if (res.status >= 500) problems.push(`status ${res.status}: ${text.slice(0, 300)}`);
    if (res.status >= 400 && res.status < 500) {
      let code: unknown;
      try {
        code = (JSON.parse(text) as { error?: { code?: unknown } }).error?.code;
      } catch {
        code = undefined;
      }
      if (typeof code !== 'string' || !Object.hasOwn(ALL_CODES, code)) {
        problems.push(`status ${res.status} without a listed code: ${text.slice(0, 200)}`);
      }
      if (!(await onlyAudited(s, before))) {
        problems.push(
          `refused with ${res.status} ${String(code)}, yet the ledger or state changed`,
        );
      }
    }
    if (problems.length > 0) {
      throw new Error(
        `${endpoint.method} ${endpoint.path} with ${fuzzed.label}: ${problems.join('; ')}`,
      );
    }
  }

  for (const endpoint of json) {
    for (const fuzzed of fixedBodies(endpoint.fields)) await send(endpoint, fuzzed);
    const shaped = shapedBodies(endpoint.fields, dictionary);
    const bodies = fc.oneof(
      {
        weight: 3,
        arbitrary: shaped.map((v) => ({ label: 'its fields', body: JSON.stringify(v) })),
      },
      fc.jsonValue({ maxDepth: 4 }).map((v) => ({ label: 'JSON', body: JSON.stringify(v) })),
      fc.uint8Array({ maxLength: 300 }).map((bytes) => ({ label: 'bytes', body: bytes })),
      fc.string({ unit: 'binary', maxLength: 300 }).map((text) => ({ label: 'text', body: text })),
    );
    await fc.assert(
      fc.asyncProperty(bodies, (fuzzed) => send(endpoint, fuzzed)),
      { numRuns: 30, includeErrorInReport: true },
    );
  }
  // Bodies that are not JSON (pictures, bundles): any bytes, damaged pictures, the wrong type.
  const { png, jpeg: jpg } = smallImages();
  for (const endpoint of others) {
    await send(endpoint, { label: 'JSON', body: '{}' });
    const bytes = fc.oneof(
      fc.uint8Array({ maxLength: 300 }),
      kindPrefixed(fc.integer({ min: 1, max: 300 })),
      damaged(png),
      recrcPng(png),
      damaged(jpg),
    );
    await fc.assert(
      fc.asyncProperty(bytes, fc.constantFrom(...endpoint.mediaTypes), (body, contentType) =>
        send(endpoint, { label: contentType, body, contentType }),
      ),
      { numRuns: 30, includeErrorInReport: true },
    );
  }
  t.is(({} as Record<string, unknown>)['polluted'], undefined, 'Object.prototype is untouched');
  // The ledger still reads and verifies after all that.
  t.is((await s.call('GET', '/ledger', { token: s.tokens.admin })).status, 200);
  const verified = await s.call('POST', '/ledger/verify', { token: s.tokens.admin });
  t.regex(verified.text, /"ok":true/);
});
