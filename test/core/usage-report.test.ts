// Usage reports (docs/FORMATS.md §15): round trips, the exact signed bytes checked independently
// with @noble/curves (no OpenSSL needed), any changed byte refused, another appliance's
// certificate and an untrusted root refused, bounds before work, strict and canonical fields.

import test from 'ava';
import fc from 'fast-check';
import { fromHex, toHex, utf8 } from '../../src/core/bytes.ts';
import type { Signer } from '../../src/core/crypto.ts';
import { nobleSuite } from '../../src/core/ed25519-noble.ts';
import { AirlockError } from '../../src/core/errors.ts';
import {
  type Certificate,
  certificateText,
  issueCertificate,
  parseCertificate,
} from '../../src/core/formats/certificate.ts';
import {
  issueUsageReport,
  MAX_REPORT_BYTES,
  type UsageReportFields,
  verifyUsageReport,
} from '../../src/core/formats/usage-report.ts';
import { formatId, keyIdOf } from '../../src/core/ids.ts';
import { nodeSuite } from '../../src/node/ed25519.ts';
import type { TrustAnchors } from '../../src/sdk/trust.ts';

// The seeds of test/vectors (§12): vendor 0x01, appliance 0x02, untrusted 0x03, second appliance 0x04.
const vendor = nobleSuite.signer(new Uint8Array(32).fill(1));
const appliance = nobleSuite.signer(new Uint8Array(32).fill(2));
const untrusted = nobleSuite.signer(new Uint8Array(32).fill(3));
const second = nobleSuite.signer(new Uint8Array(32).fill(4));
const T0 = 1767225600;
const trust: TrustAnchors = {
  roots: [{ keyId: keyIdOf(vendor.publicKey), publicKey: vendor.publicKey }],
  certificates: [],
};
const options = { trust, verifier: nobleSuite };

function certificateOf(signer: Signer, applianceId: number[], by: Signer = vendor): Certificate {
  return issueCertificate(
    {
      applianceId: Uint8Array.from(applianceId),
      publicKey: signer.publicKey,
      notAfter: T0 + 365 * 86400,
      seatQuota: 0,
      product: null,
    },
    by,
  );
}

const certificate = certificateOf(appliance, [0x0a, 0x0b, 0x0c, 0x0d]);
const secondCertificate = certificateOf(second, [0x01, 0x02, 0x03, 0x04]);
const hash = (n: number) => n.toString(16).padStart(2, '0').repeat(32);

const fields: UsageReportFields = {
  certificate,
  issuedAt: T0 + 86400,
  ledger: { seq: 42, hash: hash(0x42) },
  previous: { seq: 30, hash: hash(0x30) },
  // Given out of order: the report lists them sorted by license ID.
  licenses: [
    {
      licenseId: 'lic_ff00000000000002',
      product: 'acme-cad',
      seats: 0,
      seatsUsed: 7,
      activations: 7,
    },
    {
      licenseId: '0100000000000001',
      product: 'acme-view',
      seats: 10,
      seatsUsed: 3,
      activations: 4,
    },
  ],
  revocations: { vendorSequence: 3, siteSequence: null },
};

/** The signature rule of §15.2, written out independently of the implementation. */
function seal(body: string, signer: Signer): string {
  const input = new Uint8Array([...utf8('airlock-usage-report-v1'), 0, ...utf8(body)]);
  return `${body.slice(0, -1)},"signature":"${toHex(signer.sign(input))}"}\n`;
}

/** The signed body of a report: its text up to the signature, closed again. */
function bodyOf(text: string): string {
  return `${text.slice(0, text.lastIndexOf(',"signature":'))}}`;
}

function codeOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    return error instanceof AirlockError ? error.code : `crashed: ${String(error)}`;
  }
  return 'accepted';
}

test('a report verifies and gives back what the appliance stated, licenses sorted', (t) => {
  const text = issueUsageReport(fields, appliance);
  const report = verifyUsageReport(text, options);
  t.is(report.format, 'airlock-usage-report/v1');
  t.is(report.applianceId, 'apl_0a0b0c0d');
  t.deepEqual(report.certificate.bytes, certificate.bytes);
  t.is(report.issuedAt, fields.issuedAt);
  t.deepEqual(report.ledger, fields.ledger);
  t.deepEqual(report.previous, fields.previous);
  t.deepEqual(
    report.licenses.map((l) => l.licenseId),
    ['lic_0100000000000001', 'lic_ff00000000000002'],
  );
  t.deepEqual(report.licenses[0], {
    licenseId: 'lic_0100000000000001',
    product: 'acme-view',
    seats: 10,
    seatsUsed: 3,
    activations: 4,
  });
  t.deepEqual(report.revocations, fields.revocations);
  t.is(report.text, text);
  // The same report from file bytes.
  t.deepEqual(verifyUsageReport(utf8(text), options).licenses, report.licenses);
});

test('a first report has no previous checkpoint and may list no license', (t) => {
  const text = issueUsageReport(
    { ...fields, previous: null, licenses: [], ledger: { seq: 0, hash: hash(0) } },
    appliance,
  );
  const report = verifyUsageReport(text, options);
  t.is(report.previous, null);
  t.deepEqual(report.licenses, []);
});

test('the file is indented JSON whose last line is the signature over the text before it', (t) => {
  const text = issueUsageReport(fields, appliance);
  const lines = text.split('\n');
  t.is(lines[0], '{');
  t.is(lines[1], '  "format": "airlock-usage-report/v1",');
  t.is(lines[2], '  "applianceId": "apl_0a0b0c0d",');
  t.is(lines[3], `  "certificate": "${certificateText(certificate)}",`);
  t.regex(lines.at(-2)!, /^,"signature":"[0-9a-f]{128}"\}$/);
  t.is(lines.at(-1), '');
  // The signed bytes are the text up to ,"signature": with its } put back: plain JSON of the fields.
  const body = bodyOf(text);
  t.is(body, JSON.stringify(JSON.parse(body), null, 2));
  const signature = fromHex(/"signature":"([0-9a-f]{128})"/.exec(text)![1]!)!;
  const input = new Uint8Array([...utf8('airlock-usage-report-v1'), 0, ...utf8(body)]);
  t.true(nobleSuite.verify(appliance.publicKey, input, signature));
  t.is(seal(body, appliance), text);
});

test('node:crypto and @noble/curves write the same report, and each verifies the other', (t) => {
  const seed = new Uint8Array(32).fill(2);
  const viaNode = issueUsageReport(fields, nodeSuite.signer(seed));
  t.is(viaNode, issueUsageReport(fields, nobleSuite.signer(seed)));
  t.notThrows(() => verifyUsageReport(viaNode, { trust, verifier: nodeSuite }));
  t.notThrows(() => verifyUsageReport(viaNode, { trust, verifier: nobleSuite }));
});

test('any single changed character is refused', (t) => {
  const text = issueUsageReport(fields, appliance);
  // Every position, each with a neighbouring character (a space for a newline and back).
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const other = c === 0x0a ? ' ' : c === 0x20 ? '\n' : String.fromCharCode(c ^ 1);
    const changed = text.slice(0, i) + other + text.slice(i + 1);
    const code = codeOf(() => verifyUsageReport(changed, { trust, verifier: nodeSuite }));
    if (code === 'accepted' || code.startsWith('crashed')) t.fail(`position ${i}: ${code}`);
  }
  // And any printable character anywhere.
  fc.assert(
    fc.property(fc.nat({ max: text.length - 1 }), fc.integer({ min: 0x20, max: 0x7e }), (i, c) => {
      fc.pre(text.charCodeAt(i) !== c);
      const changed = text.slice(0, i) + String.fromCharCode(c) + text.slice(i + 1);
      const code = codeOf(() => verifyUsageReport(changed, options));
      return code !== 'accepted' && !code.startsWith('crashed');
    }),
    { numRuns: 300 },
  );
  t.pass();
});

test('text added, removed or cut off is refused', (t) => {
  const text = issueUsageReport(fields, appliance);
  const body = bodyOf(text);
  for (const changed of [
    `${text}\n`,
    text.slice(0, -1),
    text.slice(1),
    `{}${text}`,
    text.replace('\n  "issuedAt"', '\n  "extra": 1,\n  "issuedAt"'),
    body,
    '',
  ]) {
    t.not(
      codeOf(() => verifyUsageReport(changed, options)),
      'accepted',
    );
  }
});

test('a report carrying another appliance’s certificate is refused', (t) => {
  const text = issueUsageReport(fields, appliance);
  // Signed by the second appliance, with the first one's certificate and ID: the key differs.
  const borrowed = seal(bodyOf(text), second);
  t.is(
    codeOf(() => verifyUsageReport(borrowed, options)),
    'SIGNATURE_INVALID',
  );
  // The first appliance's signature, with the certificate swapped for the second's.
  const swapped = text.replace(certificateText(certificate), certificateText(secondCertificate));
  t.is(
    codeOf(() => verifyUsageReport(swapped, options)),
    'SIGNATURE_INVALID',
  );
  // The second appliance signs a report about the first appliance's ID with its own certificate.
  const own = issueUsageReport({ ...fields, certificate: secondCertificate }, second);
  const claimed = seal(bodyOf(own).replace('"apl_01020304"', '"apl_0a0b0c0d"'), second);
  const error = t.throws(() => verifyUsageReport(claimed, options), { instanceOf: AirlockError });
  t.is(error.code, 'SIGNATURE_INVALID');
  t.regex(error.message, /apl_0a0b0c0d.*apl_01020304/);
  // Issuing with a certificate for another key is misuse.
  t.throws(() => issueUsageReport({ ...fields, certificate: secondCertificate }, appliance), {
    instanceOf: TypeError,
  });
});

test('a certificate from an untrusted root, or with a forged signature, is refused', (t) => {
  const foreign = certificateOf(appliance, [0x0a, 0x0b, 0x0c, 0x0d], untrusted);
  const text = issueUsageReport({ ...fields, certificate: foreign }, appliance);
  const error = t.throws(() => verifyUsageReport(text, options), { instanceOf: AirlockError });
  t.is(error.code, 'KEY_UNKNOWN');
  t.regex(error.message, new RegExp(formatId('key', keyIdOf(untrusted.publicKey))));
  // The vendor's key ID, but seat quota raised after signing: the chain does not verify.
  const bytes = certificate.bytes.slice();
  bytes[46] = 0xff;
  const altered = issueUsageReport({ ...fields, certificate: parseCertificate(bytes) }, appliance);
  t.is(
    codeOf(() => verifyUsageReport(altered, options)),
    'SIGNATURE_INVALID',
  );
});

test('input is bounded before any work, and must be ASCII text', (t) => {
  const text = issueUsageReport(fields, appliance);
  const huge = `${text}${' '.repeat(MAX_REPORT_BYTES)}`;
  const error = t.throws(() => verifyUsageReport(huge, options), { instanceOf: AirlockError });
  t.is(error.code, 'FORMAT_INVALID');
  t.regex(error.message, /larger than 8 MiB/);
  t.is(
    codeOf(() => verifyUsageReport(new Uint8Array(MAX_REPORT_BYTES + 1), options)),
    'FORMAT_INVALID',
  );
  const bytes = utf8(text);
  bytes[20] = 0xc3;
  t.is(
    codeOf(() => verifyUsageReport(bytes, options)),
    'FORMAT_INVALID',
  );
  t.is(
    codeOf(() => verifyUsageReport(text.replace('acme-cad', 'acme-cäd'), options)),
    'FORMAT_INVALID',
  );
  t.is(
    codeOf(() => verifyUsageReport('', options)),
    'FORMAT_INVALID',
  );
  for (const wrong of [undefined, null, 42, {}, [text]]) {
    t.throws(() => verifyUsageReport(wrong as never, options), { instanceOf: TypeError });
  }
  t.throws(() => verifyUsageReport(text, undefined as never), { instanceOf: TypeError });
  t.throws(() => verifyUsageReport(text, { trust } as never), { instanceOf: TypeError });
});

test('signed but not strict or not canonical is refused, naming what is wrong', (t) => {
  const body = bodyOf(issueUsageReport(fields, appliance));
  const json = JSON.parse(body) as Record<string, any>;
  const signed = (value: unknown) => seal(JSON.stringify(value, null, 2), appliance);
  const cases: [string, string, RegExp | string][] = [
    [signed({ ...json, extra: true }), 'FORMAT_INVALID', /unknown field "extra"/],
    [
      signed({ ...json, revocations: { vendorSequence: 3 } }),
      'FORMAT_INVALID',
      /lacks "siteSequence"/,
    ],
    [
      signed({ ...json, licenses: [...json['licenses']].reverse() }),
      'FORMAT_INVALID',
      /not sorted/,
    ],
    [
      signed({ ...json, licenses: [json['licenses'][0], json['licenses'][0]] }),
      'FORMAT_INVALID',
      /twice/,
    ],
    [
      signed({ ...json, licenses: [{ ...json['licenses'][0], seats: -1 }] }),
      'FORMAT_INVALID',
      /seats/,
    ],
    [
      signed({
        ...json,
        licenses: [{ ...json['licenses'][0], licenseId: 'LIC_0100000000000001' }],
      }),
      'FORMAT_INVALID',
      /licenseId/,
    ],
    [signed({ ...json, issuedAt: '1767312000' }), 'FORMAT_INVALID', /issuedAt/],
    [
      signed({ ...json, previous: { seq: 43, hash: hash(0x43) } }),
      'FORMAT_INVALID',
      /previous report/,
    ],
    [
      signed({ ...json, ledger: { seq: 42, hash: hash(0xab).toUpperCase() } }),
      'FORMAT_INVALID',
      /hash/,
    ],
    [
      signed({ ...json, revocations: { vendorSequence: 0, siteSequence: null } }),
      'FORMAT_INVALID',
      /vendorSequence/,
    ],
    // Same fields, another layout: only one encoding is valid.
    [
      seal(`${JSON.stringify(json)}`.replace(/,/g, ', '), appliance),
      'FORMAT_INVALID',
      /signature line/,
    ],
    [
      seal(body.replace('"issuedAt": 1767312000', '"issuedAt": 1.767312e9'), appliance),
      'FORMAT_INVALID',
      /canonical/,
    ],
    [
      seal(body.replace('"seatsUsed": 3', '"seatsUsed":  3'), appliance),
      'FORMAT_INVALID',
      /canonical/,
    ],
    [
      seal(
        body.replace(
          '  "format": "airlock-usage-report/v1",\n  "applianceId": "apl_0a0b0c0d",',
          '  "applianceId": "apl_0a0b0c0d",\n  "format": "airlock-usage-report/v1",',
        ),
        appliance,
      ),
      'FORMAT_INVALID',
      /start/,
    ],
    [signed({ ...json, format: 'airlock-usage-report/v2' }), 'FORMAT_UNSUPPORTED_VERSION', /v2/],
    [signed({ ...json, format: 'something-else' }), 'FORMAT_INVALID', /format/],
  ];
  for (const [i, [text, code, message]] of cases.entries()) {
    const error = t.throws(
      () => verifyUsageReport(text, options),
      { instanceOf: AirlockError },
      `case ${i + 1}`,
    );
    t.is(error.code as string, code, error.message);
    t.regex(error.message, message instanceof RegExp ? message : new RegExp(message));
  }
});

test('a report issued after the verifier’s time (beyond the leeway) is refused when now is given', (t) => {
  const text = issueUsageReport(fields, appliance);
  t.notThrows(() => verifyUsageReport(text, { ...options, now: fields.issuedAt - 300 }));
  t.is(
    codeOf(() => verifyUsageReport(text, { ...options, now: fields.issuedAt - 301 })),
    'CLOCK_ROLLBACK',
  );
});

test('issuing refuses fields a program got wrong', (t) => {
  const license = fields.licenses[0]!;
  const wrong: Partial<Record<keyof UsageReportFields, unknown>>[] = [
    { issuedAt: -1 },
    { issuedAt: 2 ** 32 },
    { ledger: { seq: -1, hash: hash(1) } },
    { ledger: { seq: 1, hash: 'abc' } },
    { previous: { seq: 43, hash: hash(1) } },
    { previous: { seq: 42, hash: hash(1) } },
    { licenses: [{ ...license, licenseId: 'lic_12' }] },
    { licenses: [{ ...license, product: 'Acme CAD' }] },
    { licenses: [{ ...license, seatsUsed: 1.5 }] },
    { licenses: [license, { ...license }] },
    { revocations: { vendorSequence: 0, siteSequence: null } },
    { revocations: { vendorSequence: null } },
  ];
  for (const change of wrong) {
    t.throws(() => issueUsageReport({ ...fields, ...change } as UsageReportFields, appliance), {
      instanceOf: TypeError,
    });
  }
});
