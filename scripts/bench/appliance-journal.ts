// Benchmark fixture: an appliance data directory whose journal holds a busy appliance's events
// (one license of unlimited seats, then one new machine's activation per record), written straight
// into segment files with the ledger's own encoder, and a snapshot made by the appliance reducer.

import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { ApplianceEvents, EventType } from '../../src/appliance/events.ts';
import { applianceReducer, ledgerDir } from '../../src/appliance/service.ts';
import { fromHex, toHex } from '../../src/core/bytes.ts';
import { encodeChallenge } from '../../src/core/formats/challenge.ts';
import { decodeLicenseKey, parseLicenseKey } from '../../src/core/formats/license-key.ts';
import { clock, createBenchApplianceDir } from './appliance-fixture.ts';
import { writeJournal } from './journal-writer.ts';

export interface Built {
  readonly seconds: number;
  readonly snapshotSeq: number | null;
}

/**
 * The events of a busy appliance: the license, then one new machine's activation per record.
 * Machines' fingerprints, nonces and commitments are random bytes, taken as hex from a block made
 * for many records at once: computeFingerprint's four HMACs per record would take minutes here.
 */
function activationEvents(licenseIdHex: string) {
  const BLOCK = 65_536;
  let block = '';
  let index = BLOCK;
  return (activationId: number, at: number): ApplianceEvents['activation.granted'] => {
    if (index === BLOCK) {
      block = randomBytes(32 * BLOCK).toString('hex');
      index = 0;
    }
    const bytes = block.slice(index * 64, ++index * 64);
    // A fingerprint component of 0000 means "absent"; real tags never are.
    const fingerprint = bytes
      .slice(0, 16)
      .replace(/^(?:.{4})*?0000/, (m) => `${m.slice(0, -4)}0001`);
    const commitment = bytes.slice(32, 64);
    // The challenge's bytes in order (docs/FORMATS.md §8), checked against encodeChallenge below.
    const challenge =
      CHALLENGE_KIND + licenseIdHex + fingerprint + bytes.slice(16, 32) + u32Hex(at) + commitment;
    return {
      activationId,
      licenseId: licenseIdHex,
      fingerprint,
      challenge,
      commitment,
      clientTime: at,
      leaseEndsAt: null,
      at,
      renewal: false,
      channel: 'offline',
    };
  };
}

const u32Hex = (n: number) => n.toString(16).padStart(8, '0');
/** The challenge's first byte (kind and version), as encodeChallenge writes it. */
const CHALLENGE_KIND = toHex(
  encodeChallenge({
    licenseId: new Uint8Array(8),
    fingerprint: new Uint8Array(8),
    nonce: new Uint8Array(8),
    clientTime: 0,
    commitment: new Uint8Array(16),
  }).bytes.subarray(0, 1),
);

/** The challenges written by hand must be the ones the format encodes. */
function checkChallenge(data: ApplianceEvents['activation.granted']): void {
  const made = encodeChallenge({
    licenseId: fromHex(data.licenseId)!,
    fingerprint: fromHex(data.fingerprint)!,
    nonce: fromHex(data.challenge.slice(34, 50))!,
    clientTime: data.clientTime,
    commitment: fromHex(data.commitment)!,
  });
  if (toHex(made.bytes) !== data.challenge) {
    throw new Error('the benchmark writes challenges unlike encodeChallenge; fix activationEvents');
  }
}

/**
 * A standalone appliance data directory whose journal holds `count` events, written straight
 * into segment files (no fsync per record) as the journal writes them, and a snapshot of the
 * appliance's state `lag` records before the end (none when the journal is shorter than that).
 */
export async function buildApplianceDir(dir: string, count: number, lag: number): Promise<Built> {
  const began = performance.now();
  const fixture = await createBenchApplianceDir(dir);
  const key = parseLicenseKey(decodeLicenseKey(fixture.licenseKey));
  const t0 = clock() - count - 3600;
  const license: ApplianceEvents['license.added'] = {
    licenseId: toHex(key.licenseId),
    key: fixture.licenseKey,
    product: key.product,
    seats: key.seats,
    floating: false,
    expiresAt: key.expiresAt,
    at: t0,
  };
  const activation = activationEvents(license.licenseId);
  const snapshotSeq = await writeJournal(ledgerDir(dir), count, lag, applianceReducer, (seq) => {
    const at = seq === 1 ? t0 : t0 + seq;
    const type: EventType = seq === 1 ? 'license.added' : 'activation.granted';
    const data = seq === 1 ? license : activation(seq - 1, at);
    if (seq === 2) checkChallenge(data as ApplianceEvents['activation.granted']);
    return { at: at * 1000, type, data };
  });
  return { seconds: (performance.now() - began) / 1000, snapshotSeq };
}
