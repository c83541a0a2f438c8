// Benchmark section: a vendor revocation bundle of 100,000 revoked licenses (docs/FORMATS.md §11)
// on an appliance data directory. Importing it (applyBundle alone, then the appliance's whole
// import: verify, apply, revocations.json written durably, journal record) against a 2 s ceiling,
// and checking a license against it (findInStreams) against a 10 µs median ceiling.

import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { openRevocationStore } from '../../src/appliance/revocation-store.ts';
import { openAppliance } from '../../src/appliance/service.ts';
import { toHex } from '../../src/core/bytes.ts';
import type { Signer } from '../../src/core/crypto.ts';
import {
  type BundleContents,
  type RevokedCertificate,
  type RevokedLicense,
  signBundle,
} from '../../src/core/formats/revocation-bundle.ts';
import { nodeSuite } from '../../src/node/ed25519.ts';
import {
  applyResponse,
  computeFingerprint,
  createChallenge,
  emptyState,
  explicitComponents,
  getStatus,
  importRevocations,
  type TrustAnchors,
} from '../../src/sdk/index.ts';
import { applyBundle, type StreamContext } from '../../src/sdk/revocation-streams.ts';
import { findInStreams, type RevocationStream } from '../../src/sdk/state.ts';
import { openVendor } from '../../src/vendor/vendor-dir.ts';
import { clock, createBenchApplianceDir, random } from './appliance-fixture.ts';
import { compare, type MeasureOptions } from './measure.ts';
import type { Report } from './report.ts';

const LICENSES = 100_000;
const CERTIFICATES = 1_000;
/** Licenses a later delta adds on top of the full bundle. */
const DELTA_LICENSES = 100;
/** Issue ceilings: a 100k bundle imported in under 2 s, a license checked in under 10 µs. */
const CEILING_IMPORT_MS = 2_000;
const CEILING_CHECK_US = 10;

/** Timed imports: at least MIN_RUNS (unless one takes longer than RUN_LIMIT_SECONDS), at most MAX_RUNS. */
const MIN_RUNS = 3;
const MAX_RUNS = 8;
const RUN_LIMIT_SECONDS = 30;
/** Lookups are timed in batches: one lookup is below the timer's useful resolution. */
const LOOKUP_BATCH = 50;
const LOOKUP_KEYS = 20_000;
const MAX_BATCHES = 20_000;

type Streams = Readonly<Record<string, RevocationStream>>;

/** `count` distinct random 8-byte IDs, sorted as the bundle lists them. */
function distinctIds(count: number, avoid: ReadonlySet<string> = new Set()): Uint8Array[] {
  const seen = new Set<string>();
  const out: Uint8Array[] = [];
  while (out.length < count) {
    const pool = new Uint8Array(randomBytes(8 * (count - out.length)));
    for (let i = 0; i < pool.length && out.length < count; i += 8) {
      const id = pool.subarray(i, i + 8);
      const hex = toHex(id);
      if (seen.has(hex) || avoid.has(hex)) continue;
      seen.add(hex);
      out.push(id);
    }
  }
  return out.sort((a, b) => (toHex(a) < toHex(b) ? -1 : 1));
}

function vendorBundle(
  signer: Signer,
  over: Pick<BundleContents, 'sequence' | 'baseSequence' | 'issuedAt'> &
    Partial<Pick<BundleContents, 'licenses' | 'certificates'>>,
): Uint8Array {
  return signBundle(
    {
      issuer: 'vendor',
      nextUpdate: over.issuedAt + 30 * 86400,
      licenses: [],
      activations: [],
      certificates: [],
      ...over,
    },
    signer,
  ).bytes;
}

/**
 * Runs `run` (after one untimed warm-up, i = -1) a bounded number of times; the times in ms.
 * `prepare(i)`, untimed, makes what run i takes.
 */
async function timeRuns<T>(
  run: (input: T) => unknown,
  seconds: number,
  { maxRuns = MAX_RUNS, prepare }: { maxRuns?: number; prepare?: (i: number) => T } = {},
): Promise<number[]> {
  const input = (i: number) => (prepare === undefined ? (undefined as T) : prepare(i));
  await run(input(-1));
  const times: number[] = [];
  const start = performance.now();
  for (let i = 0; i < maxRuns; i++) {
    const elapsed = (performance.now() - start) / 1000;
    if (i >= MIN_RUNS && elapsed >= seconds) break;
    if (i >= 1 && elapsed >= RUN_LIMIT_SECONDS) break;
    const prepared = input(i);
    const began = performance.now();
    await run(prepared);
    times.push(performance.now() - began);
  }
  return times;
}

function quantile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
}
const median = (values: readonly number[]) =>
  quantile(
    [...values].sort((a, b) => a - b),
    0.5,
  );

/**
 * Checks every ID of `ids` in batches of LOOKUP_BATCH, as the appliance does (hex of the ID, then
 * findInStreams); returns the median and p99 of the batches' time per lookup, in µs. Fails when
 * a hit is missed or a miss hits, so the work cannot be optimised away unnoticed.
 */
function timeLookups(
  streams: Streams,
  ids: readonly Uint8Array[],
  hits: number,
  seconds: number,
): { median: number; p99: number; lookups: number } {
  const pass = (batches: number[] | undefined) => {
    let found = 0;
    for (let from = 0; from < ids.length; from += LOOKUP_BATCH) {
      const to = Math.min(ids.length, from + LOOKUP_BATCH);
      const began = process.hrtime.bigint();
      for (let i = from; i < to; i++) {
        if (findInStreams(streams, { licenseId: toHex(ids[i]!) }) !== undefined) found++;
      }
      batches?.push(Number(process.hrtime.bigint() - began) / 1000 / (to - from));
    }
    if (found !== hits) throw new Error(`lookups found ${found} of ${hits} revoked licenses`);
  };
  pass(undefined); // warm-up
  const batches: number[] = [];
  const deadline = performance.now() + seconds * 1000;
  while (performance.now() < deadline && batches.length < MAX_BATCHES) pass(batches);
  batches.sort((a, b) => a - b);
  return {
    median: quantile(batches, 0.5),
    p99: quantile(batches, 0.99),
    lookups: batches.length * LOOKUP_BATCH,
  };
}

function shuffled<T>(items: readonly T[]): T[] {
  const out = [...items];
  const r = new Uint32Array(new Uint8Array(randomBytes(4 * out.length)).buffer);
  for (let i = out.length - 1; i > 0; i--) {
    const j = r[i]! % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/**
 * A client activated by the appliance, without and with the bundle imported, for getStatus:
 * signatures of license key, certificate and response, fingerprint, then the revocation check.
 */
async function clientStates(
  appliance: Awaited<ReturnType<typeof openAppliance>>['appliance'],
  licenseKey: string,
  trust: TrustAnchors,
  bundle: Uint8Array,
) {
  const ctx = {
    trust,
    now: clock(),
    verifier: nodeSuite,
    fingerprintFor: (product: string) =>
      computeFingerprint(product, explicitComponents('status-bench')),
  };
  await appliance.addLicense(licenseKey);
  const c = createChallenge(emptyState(), licenseKey, { ...ctx, random });
  const answer = await appliance.respond(c.text, { channel: 'offline' });
  const without = applyResponse(c.state, answer.qr, ctx).state;
  const withBundle = importRevocations(without, bundle, ctx).state;
  for (const state of [without, withBundle]) {
    const { status } = getStatus(state, ctx);
    if (!status.valid) throw new Error(`the bench client's status is ${status.code}`);
  }
  return { ctx, without, withBundle };
}

const verdict = (value: number, ceiling: number) =>
  `target < ${ceiling}: ${value < ceiling ? 'PASS' : 'BELOW TARGET'}`;
const n = (count: number) => count.toLocaleString('en-US');

function row(measure: string, value: number, ceiling?: number, note = '') {
  return {
    measure,
    value,
    ceiling: ceiling ?? '',
    'value/ceiling': ceiling === undefined ? '' : (value / ceiling).toFixed(2),
    note: ceiling === undefined ? note : `${verdict(value, ceiling)}${note ? `; ${note}` : ''}`,
  };
}

export async function revocationsSection(report: Report, options: MeasureOptions): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), 'airlock-bench-revocations-'));
  let open: Awaited<ReturnType<typeof openAppliance>> | undefined;
  try {
    const dir = join(root, 'appliance');
    const fixture = await createBenchApplianceDir(dir);
    // The data directory's own demo vendor signs, so the appliance trusts its bundles.
    const vendor = await openVendor(join(dir, 'vendor'));
    const issuedAt = clock() - 60;

    const revoked = distinctIds(LICENSES);
    const revokedHex = new Set(revoked.map(toHex));
    const licenses: RevokedLicense[] = revoked.map((licenseId, i) => ({
      licenseId,
      revokedAt: issuedAt - i,
      reason: 'non-payment',
    }));
    const certificates: RevokedCertificate[] = distinctIds(CERTIFICATES).map((certificateId) => ({
      certificateId,
      revokedAt: issuedAt,
      reason: 'key-compromise',
    }));
    const signStart = performance.now();
    const full = (sequence: number) =>
      vendorBundle(vendor.signer, { sequence, baseSequence: 0, issuedAt, licenses, certificates });
    const bundle = full(1);
    const signMs = performance.now() - signStart;

    // (a) Import: applyBundle alone, onto nothing held.
    const ctx: StreamContext = {
      trust: vendor.trust,
      verifier: nodeSuite,
      now: clock(),
      leewaySeconds: 300,
    };
    let streams: Streams = {};
    const applyTimes = await timeRuns(() => {
      const applied = applyBundle({}, bundle, ctx);
      streams = { [applied.stream]: applied.next };
    }, options.seconds);
    // A small delta onto the 100k held: the delta's merge copies the held lists.
    const delta = vendorBundle(vendor.signer, {
      sequence: 2,
      baseSequence: 1,
      issuedAt,
      licenses: distinctIds(DELTA_LICENSES, revokedHex).map((licenseId) => ({
        licenseId,
        revokedAt: issuedAt,
        reason: 'fraud',
      })),
    });
    const held = streams;
    const deltaTimes = await timeRuns(() => applyBundle(held, delta, ctx), options.seconds);

    // (a) The appliance's whole import, each run a newer full bundle replacing the held one.
    open = await openAppliance(dir, { clock, random, purpose: 'benchmark' });
    const appliance = open.appliance;
    const importTimes = await timeRuns(
      async (offered: { name: string; bytes: Uint8Array }) => {
        const [outcome] = await appliance.importBundles([offered]);
        if (outcome?.outcome !== 'applied') throw new Error(`import was ${outcome?.outcome}`);
      },
      options.seconds,
      // Sequence 1 for the warm-up (onto nothing), then newer ones, each signed before it is timed.
      { prepare: (i) => ({ name: `vendor-${i + 2}.bin`, bytes: i < 0 ? bundle : full(i + 2) }) },
    );
    const reloadTimes = await timeRuns(() => openRevocationStore(dir), options.seconds, {
      maxRuns: MIN_RUNS,
    });
    const reloaded = (await openRevocationStore(dir)).streams;

    // (b) Checking a license: half revoked, half not, in random order.
    const misses = distinctIds(LOOKUP_KEYS / 2, revokedHex);
    const hits = shuffled(revoked).slice(0, LOOKUP_KEYS / 2);
    const mixed = shuffled([...hits, ...misses]);
    const lookupSeconds = Math.max(0.5, options.seconds);
    const built = timeLookups(streams, mixed, hits.length, lookupSeconds);
    const fromFile = timeLookups(reloaded, mixed, hits.length, lookupSeconds);
    const hitsOnly = timeLookups(streams, hits, hits.length, lookupSeconds / 2);
    const missesOnly = timeLookups(streams, misses, 0, lookupSeconds / 2);

    // (b) The client's status check, with the bundle held and without (optional peer figure).
    const client = await clientStates(appliance, fixture.licenseKey, vendor.trust, bundle);
    const status = compare(
      {
        without: () => getStatus(client.without, client.ctx),
        withBundle: () => getStatus(client.withBundle, client.ctx),
      },
      { ...options, maxOps: 200_000 },
    );
    const statusUs = (ops: number) => 1e6 / ops;
    const statusWithout = statusUs(status.without.opsPerSecond);
    const statusWith = statusUs(status.withBundle.opsPerSecond);

    const importMedian = median(importTimes);
    report.section(
      `Revocations: a vendor bundle of ${n(LICENSES)} licenses and ${n(CERTIFICATES)} certificates (${(bundle.length / 1024 / 1024).toFixed(2)} MiB)`,
      [
        row(
          'applyBundle ms (parse, verify, build the stream)',
          median(applyTimes),
          CEILING_IMPORT_MS,
          `median of ${applyTimes.length}`,
        ),
        row(
          'appliance.importBundles ms (to revocations.json + journal, durable)',
          importMedian,
          CEILING_IMPORT_MS,
          `median of ${importTimes.length}, max ${Math.max(...importTimes).toFixed(0)} ms`,
        ),
        row(
          `applyBundle ms, a delta of ${DELTA_LICENSES} onto the ${n(LICENSES)} held`,
          median(deltaTimes),
          undefined,
          'no ceiling; the delta copies the held lists',
        ),
        row(
          'openRevocationStore ms (reload revocations.json at start-up)',
          median(reloadTimes),
          undefined,
          'no ceiling; part of openAppliance',
        ),
        row(
          'signBundle ms (vendor side, once)',
          signMs,
          undefined,
          'no ceiling; sorts, encodes, signs, re-parses',
        ),
        row(
          'findInStreams µs median, half hits (stream from applyBundle)',
          built.median,
          CEILING_CHECK_US,
          `p99 of batches ${built.p99.toFixed(2)} µs; ${n(built.lookups)} lookups`,
        ),
        row(
          'findInStreams µs median, half hits (stream reloaded from file)',
          fromFile.median,
          CEILING_CHECK_US,
          `p99 of batches ${fromFile.p99.toFixed(2)} µs`,
        ),
        row('findInStreams µs median, hits only', hitsOnly.median),
        row('findInStreams µs median, misses only', missesOnly.median),
        row(
          'client getStatus µs, bundle held',
          statusWith,
          undefined,
          `/ without: ${(statusWith / statusWithout).toFixed(2)}`,
        ),
        row('client getStatus µs, no revocations held', statusWithout),
      ],
      [
        'ceilings are absolute (issue "Revocation bundles and USB sync"): value/ceiling < 1 passes',
        `each import run applies a newer full bundle over the one held; lookups are timed in batches`,
        `  of ${LOOKUP_BATCH} (hex of the ID, then findInStreams) and include toHex, as the appliance does`,
        'getStatus verifies three Ed25519 signatures (node:crypto) before the revocation check',
      ],
    );
  } finally {
    try {
      await open?.close();
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  }
}
