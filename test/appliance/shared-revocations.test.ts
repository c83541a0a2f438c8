// The vendor's revocations of nodes sharing a PostgreSQL ledger: two nodes of one appliance (two
// data directories, the second joined from the first) on one throwaway database. A bundle imported
// through one node reaches the other at its refresh; an import is kept whole or not at all; two
// imports at once never mix; a node's own revocations.json is brought in once; a million entries
// go through; the file ledger keeps them in DATA/revocations.json as before.

import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { createAppliance } from '../../src/appliance/appliance.ts';
import { initApplianceDir, openApplianceDir } from '../../src/appliance/data-dir.ts';
import { createMemoryLedger } from '../../src/appliance/memory-ledger.ts';
import { joinApplianceDir } from '../../src/appliance/node-join.ts';
import {
  REVOCATIONS_FILE,
  type RevocationStore,
  revocationsText,
  type Streams,
} from '../../src/appliance/revocation-store.ts';
import { type OpenAppliance, openAppliance } from '../../src/appliance/service.ts';
import {
  copyRevocationsToDatabase,
  copyRevocationsToFile,
  openSharedRevocationStore,
} from '../../src/appliance/shared-revocations.ts';
import { fromHex, toHex } from '../../src/core/bytes.ts';
import { AirlockError } from '../../src/core/errors.ts';
import {
  type BundleContents,
  parseBundle,
  signBundle,
} from '../../src/core/formats/revocation-bundle.ts';
import { issueLicense, licenseKeyText } from '../../src/core/formats/license-key.ts';
import {
  computeFingerprint,
  createChallenge,
  emptyState,
  explicitComponents,
} from '../../src/sdk/index.ts';
import { nodeSuite } from '../../src/node/ed25519.ts';
import { applyParsedBundle } from '../../src/sdk/revocation-streams.ts';
import { openVendor, type Vendor } from '../../src/vendor/vendor-dir.ts';
import { clusterForFile } from '../helpers/cluster-for-file.ts';
import { databaseOf } from '../helpers/postgres.ts';

const now = () => Math.floor(Date.now() / 1000);
const random = (n: number) => new Uint8Array(randomBytes(n));

const cluster = clusterForFile();

async function tempDir(t: ExecutionContext, prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

interface Nodes {
  readonly url: string;
  readonly dirs: readonly [string, string];
  readonly vendor: Vendor;
  readonly key: string;
  readonly licenseId: string;
  open(i: 0 | 1): Promise<OpenAppliance>;
}

/** An appliance of two nodes on a new database, holding one license (added through node 0). */
async function twoNodes(t: ExecutionContext): Promise<Nodes> {
  const url = await cluster().createDatabase();
  const first = await tempDir(t, 'airlock-node-a-');
  await initApplianceDir(first, { now: now() });
  const second = join(await tempDir(t, 'airlock-node-b-'), 'data');
  await joinApplianceDir(second, { from: first, now: now() });
  const vendor = await openVendor(join(first, 'vendor'));
  const licenseId = random(8);
  const key = licenseKeyText(
    issueLicense(
      {
        licenseId,
        type: 'perpetual',
        issuedAt: now() - 60,
        expiresAt: null,
        seats: 5,
        leaseSeconds: 0,
        graceSeconds: 0,
        product: 'cad',
        features: [],
      },
      vendor.signer,
    ),
  );
  const dirs = [first, second] as const;
  const open = async (i: 0 | 1) => {
    const opened = await openAppliance(dirs[i], {
      clock: now,
      random,
      purpose: `test node ${i}`,
      ledger: url,
    });
    t.teardown(() => opened.close());
    return opened;
  };
  const a = await openAppliance(first, { clock: now, random, purpose: 'set-up', ledger: url });
  await a.appliance.addLicense(key);
  await a.close();
  return { url, dirs, vendor, key, licenseId: toHex(licenseId), open };
}

function vendorBundle(
  vendor: Vendor,
  sequence: number,
  revoked: readonly string[],
  extra: Partial<BundleContents> = {},
) {
  return signBundle(
    {
      issuer: 'vendor',
      sequence,
      baseSequence: 0,
      issuedAt: now() - 60,
      nextUpdate: now() + 86400,
      licenses: revoked.map((id) => ({
        licenseId: fromHex(id)!,
        revokedAt: now() - 60,
        reason: 'fraud' as const,
      })),
      activations: [],
      certificates: [],
      ...extra,
    },
    vendor.signer,
  ).bytes;
}

function challenge(n: Nodes, open: OpenAppliance, machine: string): string {
  return createChallenge(emptyState(), n.key, {
    trust: open.identity.trust,
    now: now(),
    fingerprintFor: (product) => computeFingerprint(product, explicitComponents(machine)),
    random,
  }).text;
}

const meta = { channel: 'online' } as const;

test.serial(
  'a vendor bundle imported through one node makes the other refuse the revoked license after its refresh',
  async (t) => {
    const n = await twoNodes(t);
    const [a, b] = [await n.open(0), await n.open(1)];
    // Before: node B activates a machine.
    t.like(await b.appliance.respond(challenge(n, b, 'before'), meta), { renewal: false });

    const outcomes = await a.appliance.importBundles([
      { name: 'vendor-4.revocations', bytes: vendorBundle(n.vendor, 4, [n.licenseId]) },
    ]);
    t.like(outcomes, [{ stream: 'vendor', sequence: 4, outcome: 'applied' }]);
    t.is(b.appliance.revocationStatus().vendor, null, 'node B has not refreshed yet');

    await b.appliance.refresh();
    t.like(b.appliance.revocationStatus(), { vendor: { sequence: 4, stale: false } });
    await t.throwsAsync(b.appliance.respond(challenge(n, b, 'after'), meta), { code: 'REVOKED' });
    await t.throwsAsync(a.appliance.respond(challenge(n, a, 'after'), meta), { code: 'REVOKED' });
    // The same bundle through node B: already held.
    t.like(
      await b.appliance.importBundles([
        { name: 'again', bytes: vendorBundle(n.vendor, 4, [n.licenseId]) },
      ]),
      [{ outcome: 'unchanged' }],
    );
    // Nothing in either data directory: the database holds them.
    for (const dir of n.dirs) {
      t.is(await stat(join(dir, REVOCATIONS_FILE)).catch(() => null), null);
    }
    // The import was recorded once, in the shared ledger.
    const recent = await b.ledger.recent({ limit: 10 });
    t.is(recent.records.filter((r) => r.type === 'revocations.imported').length, 1);
  },
);

test.serial(
  'an import is kept whole or not at all: a refused bundle among several keeps none of them',
  async (t) => {
    const n = await twoNodes(t);
    const [a, b] = [await n.open(0), await n.open(1)];
    await a.appliance.importBundles([
      { name: 'vendor-2', bytes: vendorBundle(n.vendor, 2, [n.licenseId]) },
    ]);
    const good = vendorBundle(n.vendor, 5, [n.licenseId, '00000000000000aa']);
    const delta = signBundle(
      {
        issuer: 'vendor',
        sequence: 7,
        baseSequence: 6, // the base is not held: refused
        issuedAt: now() - 60,
        nextUpdate: now() + 86400,
        licenses: [],
        activations: [],
        certificates: [],
      },
      n.vendor.signer,
    ).bytes;
    await t.throwsAsync(
      b.appliance.importBundles([
        { name: 'vendor-5', bytes: good },
        { name: 'vendor-7-delta', bytes: delta },
      ]),
      { code: 'BUNDLE_BASE_MISMATCH', message: /^vendor-7-delta: / },
    );
    await a.appliance.refresh();
    await b.appliance.refresh();
    t.like(a.appliance.revocationStatus(), { vendor: { sequence: 2 } });
    t.like(b.appliance.revocationStatus(), { vendor: { sequence: 2 } });
    const { rows } = await cluster().query(
      "SELECT version FROM airlock.shared_documents WHERE name = 'revocations'",
      databaseOf(n.url),
    );
    t.is(Number(rows[0].version), 1, 'one replacement: the first import');

    // A database that goes away during the import keeps nothing either; the node says so.
    await cluster().stop('fast');
    try {
      await t.throwsAsync(b.appliance.importBundles([{ name: 'vendor-5', bytes: good }]), {
        code: 'LEDGER_UNAVAILABLE',
        message: /127\.0\.0\.1:\d+\/t\d+_\d+/,
      });
    } finally {
      await cluster().start();
    }
    await b.ledger.settle();
    for (let i = 0; i < 50 && !b.ledger.available; i++) await sleep(100);
    await b.appliance.refresh();
    t.like(b.appliance.revocationStatus(), { vendor: { sequence: 2 } });
  },
);

test.serial(
  'two nodes importing at once: each decides on what the other kept, and nothing is mixed or rolled back',
  async (t) => {
    const n = await twoNodes(t);
    const [a, b] = [await n.open(0), await n.open(1)];
    const revokedAt5 = '00000000000000a5';
    const revokedAt6 = '00000000000000a6';
    // Full bundles 5 and 6 at the same moment, many times over with fresh sequences.
    for (let round = 0; round < 5; round++) {
      const low = 10 * round + 5;
      const high = low + 1;
      const [x, y] = await Promise.allSettled([
        a.appliance.importBundles([
          { name: `vendor-${low}`, bytes: vendorBundle(n.vendor, low, [revokedAt5]) },
        ]),
        b.appliance.importBundles([
          { name: `vendor-${high}`, bytes: vendorBundle(n.vendor, high, [revokedAt6]) },
        ]),
      ]);
      t.is(y.status, 'fulfilled', String((y as PromiseRejectedResult).reason));
      // The lower one either went first (and the higher replaced it) or found the higher kept.
      if (x.status === 'rejected') {
        t.like(x.reason, { code: 'BUNDLE_ROLLBACK' });
      }
      await a.appliance.refresh();
      await b.appliance.refresh();
      for (const node of [a, b]) {
        t.like(node.appliance.revocationStatus(), { vendor: { sequence: high } });
      }
    }
    const { rows } = await cluster().query(
      "SELECT body FROM airlock.shared_documents WHERE name = 'revocations'",
      databaseOf(n.url),
    );
    const held = JSON.parse(rows[0].body);
    t.deepEqual(Object.keys(held.streams.vendor.licenses), [revokedAt6], 'bundle 46 alone');
    t.is(held.streams.vendor.sequence, 46);
  },
);

test.serial(
  'a node that held revocations in its data directory brings them to a database that has none, once',
  async (t) => {
    const n = await twoNodes(t);
    // Node 0 held bundle 3 as a single appliance; node 1 held bundle 2.
    const single = await tempDir(t, 'airlock-single-');
    await initApplianceDir(single, { now: now() });
    const held = await openAppliance(single, { clock: now, random, purpose: 'file ledger' });
    const fileVendor = await openVendor(join(single, 'vendor'));
    await held.appliance.importBundles([
      { name: 'vendor-3', bytes: vendorBundle(fileVendor, 3, [n.licenseId]) },
    ]);
    await held.close();
    const text = await readFile(join(single, REVOCATIONS_FILE), 'utf8');
    await writeFile(join(n.dirs[0], REVOCATIONS_FILE), text);
    await writeFile(
      join(n.dirs[1], REVOCATIONS_FILE),
      revocationsText({ vendor: { ...JSON.parse(text).streams.vendor, sequence: 2 } }),
    );

    const a = await n.open(0);
    t.like(a.appliance.revocationStatus(), { vendor: { sequence: 3 } });
    const b = await n.open(1); // the database holds some now: its own file is not read
    t.like(b.appliance.revocationStatus(), { vendor: { sequence: 3 } });
    await t.throwsAsync(b.appliance.respond(challenge(n, b, 'm'), meta), { code: 'REVOKED' });

    // The function `airlock ledger migrate` calls: nothing to do once the database holds some.
    t.deepEqual(await copyRevocationsToDatabase(single, { url: n.url, purpose: 'test' }), {
      outcome: 'database-holds-some',
    });
    const fresh = await cluster().createDatabase();
    t.deepEqual(await copyRevocationsToDatabase(single, { url: fresh, purpose: 'test' }), {
      outcome: 'copied',
      vendorSequence: 3,
    });
    // And back: the database's into a data directory's file.
    const back = await tempDir(t, 'airlock-back-');
    t.deepEqual(await copyRevocationsToFile(back, { url: n.url, purpose: 'test' }), {
      vendorSequence: 3,
    });
    t.is(await readFile(join(back, REVOCATIONS_FILE), 'utf8'), text);
    const empty = await tempDir(t, 'airlock-empty-');
    t.deepEqual(
      await copyRevocationsToDatabase(empty, {
        url: await cluster().createDatabase(),
        purpose: 't',
      }),
      { outcome: 'no-file' },
    );
  },
);

test.serial(
  'a document changed by hand in the database is refused with a sentence, not used',
  async (t) => {
    const n = await twoNodes(t);
    const a = await n.open(0);
    await a.appliance.importBundles([
      { name: 'vendor-2', bytes: vendorBundle(n.vendor, 2, [n.licenseId]) },
    ]);
    const database = databaseOf(n.url);
    await cluster().query(
      "UPDATE airlock.shared_documents SET body = replace(body, 'fraud', 'fraux') WHERE name = 'revocations'",
      database,
    );
    const damaged = {
      code: 'LEDGER_CORRUPT',
      message:
        /revocations kept in the ledger database at 127\.0\.0\.1:\d+\/t\d+_\d+ \(airlock\.shared_documents\) do not match their SHA-256/,
    };
    await t.throwsAsync(
      openAppliance(n.dirs[1], { clock: now, random, purpose: 'test', ledger: n.url }),
      damaged,
    );
    await cluster().query(
      "UPDATE airlock.shared_documents SET version = version + 1 WHERE name = 'revocations'",
      database,
    );
    await t.throwsAsync(a.appliance.refresh(), damaged);
    t.like(a.appliance.revocationStatus(), { vendor: { sequence: 2 } }, 'what it held stays');
  },
);

test.serial(
  'two stores at the same version: the second replacement is refused, nothing kept',
  async (t) => {
    const n = await twoNodes(t);
    const [x, y] = await Promise.all([
      openSharedRevocationStore({ url: n.url, purpose: 'x' }),
      openSharedRevocationStore({ url: n.url, purpose: 'y' }),
    ]);
    t.teardown(() => Promise.all([x.close(), y.close()]));
    const stream = (sequence: number) => ({
      vendor: {
        sequence,
        issuedAt: 1,
        nextUpdate: 2,
        licenses: {},
        activations: {},
        certificates: {},
      },
    });
    await x.replace(stream(1));
    await t.throwsAsync(y.replace(stream(2)), { code: 'REVOCATIONS_CHANGED' });
    await y.refresh();
    t.is(y.streams['vendor']?.sequence, 1);
    t.is(y.version, 1);
    await y.replace(stream(2));
    await t.throwsAsync(x.replace(stream(3)), { code: 'REVOCATIONS_CHANGED' });
    await x.refresh();
    t.is(x.streams['vendor']?.sequence, 2);
  },
);

test('an import that meets another node’s replacement decides again on what it kept', async (t) => {
  const dir = await tempDir(t, 'airlock-retry-');
  await initApplianceDir(dir, { now: now() });
  const identity = await openApplianceDir(dir);
  const vendor = await openVendor(join(dir, 'vendor'));
  // A store shared with a node that keeps bundle 6 just before this node's first replacement.
  const other = vendorBundle(vendor, 6, ['00000000000000a6']);
  let streams: Streams = {};
  let refreshes = 0;
  let raced = false;
  const store: RevocationStore = {
    get streams() {
      return streams;
    },
    async refresh() {
      refreshes++;
    },
    async replace(next) {
      if (!raced) {
        raced = true;
        const kept = applyParsedBundle(streams, parseBundle(other), {
          trust: identity.trust,
          verifier: nodeSuite,
          now: now(),
          leewaySeconds: 0,
        });
        streams = { vendor: kept.next };
        throw new AirlockError('REVOCATIONS_CHANGED', 'another node kept others');
      }
      streams = next;
    },
  };
  const appliance = createAppliance({
    identity,
    ledger: createMemoryLedger(),
    clock: now,
    verifier: nodeSuite,
    revocations: store,
  });
  // A delta onto 6: refused on the streams it first saw (no base), applied once 6 is kept.
  const delta = signBundle(
    {
      issuer: 'vendor',
      sequence: 7,
      baseSequence: 6,
      issuedAt: now() - 60,
      nextUpdate: now() + 86400,
      licenses: [
        { licenseId: fromHex('00000000000000a7')!, revokedAt: now() - 60, reason: 'fraud' },
      ],
      activations: [],
      certificates: [],
    },
    vendor.signer,
  ).bytes;
  const full5 = vendorBundle(vendor, 5, ['00000000000000a5']);
  // Full 5 is applied on nothing; the replacement meets 6, and 5 is then a rollback.
  await t.throwsAsync(appliance.importBundles([{ name: 'vendor-5', bytes: full5 }]), {
    code: 'BUNDLE_ROLLBACK',
  });
  t.is(refreshes, 2);
  t.like(await appliance.importBundles([{ name: 'vendor-7', bytes: delta }]), [
    { sequence: 7, outcome: 'applied' },
  ]);
  t.deepEqual(Object.keys(streams['vendor']!.licenses).sort(), [
    '00000000000000a6',
    '00000000000000a7',
  ]);
});

test.serial('a million revocations: imported through one node, read by the other', async (t) => {
  t.timeout(120_000);
  const n = await twoNodes(t);
  const [a, b] = [await n.open(0), await n.open(1)];
  const count = 1_000_000; // MAX_BUNDLE_ENTRIES: about 60 MB of JSON once held
  const licenses = Array.from({ length: count - 1 }, (_, i) => ({
    licenseId: fromHex((0x1000_0000_0000_0000n + BigInt(i)).toString(16))!,
    revokedAt: now() - 60,
    reason: 'fraud' as const,
  }));
  licenses.push({ licenseId: fromHex(n.licenseId)!, revokedAt: now() - 60, reason: 'fraud' });
  const bytes = vendorBundle(n.vendor, 9, [], { licenses });
  const started = Date.now();
  t.like(await a.appliance.importBundles([{ name: 'vendor-9', bytes }]), [{ outcome: 'applied' }]);
  const imported = Date.now();
  await b.appliance.refresh();
  const refreshed = Date.now();
  t.like(b.appliance.revocationStatus(), { vendor: { sequence: 9 } });
  await t.throwsAsync(b.appliance.respond(challenge(n, b, 'm'), meta), { code: 'REVOKED' });
  const { rows } = await cluster().query(
    "SELECT octet_length(body) AS bytes FROM airlock.shared_documents WHERE name = 'revocations'",
    databaseOf(n.url),
  );
  t.log(
    `${count} entries, ${rows[0].bytes} bytes: import ${imported - started} ms, the other node's refresh ${refreshed - imported} ms`,
  );
  t.true(rows[0].bytes > 50_000_000);
});

test.serial(
  'a file ledger keeps its revocations in DATA/revocations.json, as before',
  async (t) => {
    const dir = await tempDir(t, 'airlock-file-');
    await initApplianceDir(dir, { now: now() });
    const vendor = await openVendor(join(dir, 'vendor'));
    const open = await openAppliance(dir, { clock: now, random, purpose: 'file ledger' });
    try {
      await open.appliance.importBundles([
        { name: 'vendor-3', bytes: vendorBundle(vendor, 3, ['00000000000000aa']) },
      ]);
      await open.appliance.refresh(); // nothing to bring: one writer
      t.like(open.appliance.revocationStatus(), { vendor: { sequence: 3 } });
    } finally {
      await open.close();
    }
    const json = JSON.parse(await readFile(join(dir, REVOCATIONS_FILE), 'utf8'));
    t.is(json.format, 'airlock-appliance-revocations/v1');
    t.deepEqual(Object.keys(json.streams.vendor.licenses), ['00000000000000aa']);
  },
);

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
