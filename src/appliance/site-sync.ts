// The site's side of revocations and reports (DESIGN flows 6 and 7): revoke a license or one
// machine's activation (a stolen or dead machine that can give no deactivation code), import the
// vendor's revocation bundles, and export what goes back on the USB stick: a site bundle signed by
// this appliance for its isolated machines, and a signed usage report with a ledger checkpoint for
// the vendor. Decisions and their records are one synchronous step, as everywhere in the appliance.

import { createHash } from 'node:crypto';
import { fromHex, toHex } from '../core/bytes.ts';
import type { Verifier } from '../core/crypto.ts';
import { dateOf } from '../core/dates.ts';
import { AirlockError } from '../core/errors.ts';
import {
  type BundleContents,
  parseBundle,
  type RevocationBundle,
  type RevocationReason,
  REVOCATION_REASONS,
  signBundle,
} from '../core/formats/revocation-bundle.ts';
import { issueUsageReport, type LicenseUsage } from '../core/formats/usage-report.ts';
import { formatActivationId, formatId } from '../core/ids.ts';
import { applyParsedBundle } from '../sdk/revocation-streams.ts';
import type { ApplianceLedger } from './appliance.ts';
import { nextSiteSequence } from './counters.ts';
import type { ApplianceIdentity } from './data-dir.ts';
import { decideRevocation, type RevocationPolicy, DEFAULT_REVOCATION_POLICY } from './decide.ts';
import type { RevocationStore, Streams } from './revocation-store.ts';
import { seatsInUse } from './state.ts';

/** How long isolated machines may go before the site bundle counts as stale. */
export const SITE_BUNDLE_VALIDITY_SECONDS = 30 * 86400;
const MAX_REASON_TEXT = 200;
const LEEWAY_SECONDS = 300;
/** Decisions made again when another node sharing the revocations kept others meanwhile. */
const IMPORT_ATTEMPTS = 3;

export interface SiteDeps {
  readonly identity: ApplianceIdentity;
  readonly ledger: ApplianceLedger;
  readonly clock: () => number;
  readonly verifier: Verifier;
  readonly store: RevocationStore;
  readonly policy?: RevocationPolicy;
}

/** A bundle offered for import, with where it came from (a file name) for messages. */
export interface OfferedBundle {
  readonly name: string;
  readonly bytes: Uint8Array;
}

type Offered = OfferedBundle & { readonly bundle: RevocationBundle };

export interface ImportOutcome {
  readonly name: string;
  readonly stream: string;
  readonly sequence: number;
  readonly scope: 'full' | 'delta';
  readonly outcome: 'applied' | 'unchanged' | 'superseded' | 'not for this appliance';
}

export interface SyncExport {
  readonly siteSequence: number;
  /** The site revocation bundle, for isolated machines. */
  readonly bundle: Uint8Array;
  /** The signed usage report (JSON text), for the vendor. */
  readonly report: string;
  readonly checkpoint: { readonly seq: number; readonly hash: string };
  readonly exportedAt: number;
}

/** "lost-or-stolen" is a reason code; any other words are kept as said, with code unspecified. */
export function parseRevocationReason(text: unknown): { code: RevocationReason; reason: string } {
  if (typeof text !== 'string') throw new TypeError('a revocation reason is text');
  const reason = text.trim();
  if (reason === '' || reason.length > MAX_REASON_TEXT || /\p{Cc}/u.test(reason)) {
    throw new AirlockError(
      'FORMAT_INVALID',
      `Give a reason of 1 to ${MAX_REASON_TEXT} characters on one line: one of ${REVOCATION_REASONS.join(', ')}, or your own words.`,
    );
  }
  const code = REVOCATION_REASONS.find((r) => r === reason.toLowerCase()) ?? 'unspecified';
  return { code, reason };
}

function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export function createSiteCases(deps: SiteDeps) {
  const { identity, ledger, clock, store } = deps;
  const policy = deps.policy ?? DEFAULT_REVOCATION_POLICY;

  function certificate() {
    if (identity.certificate === undefined) {
      throw new AirlockError(
        'CERTIFICATE_UNKNOWN',
        'This appliance has no certificate yet: it cannot sign bundles or reports.',
      );
    }
    return identity.certificate;
  }

  /** What the site bundle lists: the site's revocations and the vendor's it holds. */
  function siteContents(now: number, sequence: number): BundleContents {
    const state = ledger.state;
    const licenses = new Map<string, { revokedAt: number; reason: RevocationReason }>();
    for (const stream of Object.values(store.streams)) {
      for (const [id, e] of Object.entries(stream.licenses)) {
        licenses.set(id, { revokedAt: e.at, reason: e.reason });
      }
    }
    for (const license of state.licenses.values()) {
      if (license.revoked && !licenses.has(license.licenseId)) {
        licenses.set(license.licenseId, {
          revokedAt: license.revoked.at,
          reason: license.revoked.code ?? 'unspecified',
        });
      }
    }
    const certificates = new Map<string, { revokedAt: number; reason: RevocationReason }>();
    for (const stream of Object.values(store.streams)) {
      for (const [id, e] of Object.entries(stream.certificates)) {
        certificates.set(id, { revokedAt: e.at, reason: e.reason });
      }
    }
    const own = toHex(identity.applianceId);
    const activations = new Map<number, { revokedAt: number; reason: RevocationReason }>();
    for (const stream of Object.values(store.streams)) {
      for (const [key, e] of Object.entries(stream.activations)) {
        const [appliance, id] = key.split(':');
        if (appliance === own)
          activations.set(Number.parseInt(id!, 16), { revokedAt: e.at, reason: e.reason });
      }
    }
    for (const license of state.licenses.values()) {
      for (const id of license.barred) {
        const a = state.activations.get(id);
        if (a?.status === 'revoked' && !activations.has(id)) {
          activations.set(id, { revokedAt: a.endedAt ?? now, reason: a.endCode ?? 'unspecified' });
        }
      }
    }
    return {
      issuer: 'site',
      sequence,
      baseSequence: 0,
      issuedAt: now,
      nextUpdate: now + SITE_BUNDLE_VALIDITY_SECONDS,
      licenses: [...licenses].map(([id, e]) => ({ licenseId: fromHex(id)!, ...e })),
      activations: [...activations].map(([activationId, e]) => ({
        applianceId: identity.applianceId,
        activationId,
        ...e,
      })),
      certificates: [...certificates].map(([id, e]) => ({ certificateId: fromHex(id)!, ...e })),
    };
  }

  /**
   * The export itself, inside the ledger's transaction: the next site sequence is taken and
   * recorded with no other writer in between.
   */
  function exportNow(): SyncExport {
    const now = clock();
    const cert = certificate();
    if (cert.notAfter <= now) {
      throw new AirlockError(
        'CERTIFICATE_EXPIRED',
        `This appliance's certificate expired on ${dateOf(cert.notAfter)}: machines would refuse its bundles. Ask the vendor for a new certificate.`,
      );
    }
    const state = ledger.state;
    const siteSequence = nextSiteSequence(state);
    const bundle = signBundle(siteContents(now, siteSequence), identity.signer, cert);
    const checkpoint = ledger.head;
    const licenses: LicenseUsage[] = [...state.licenses.values()]
      .map((l) => ({
        licenseId: formatId('license', fromHex(l.licenseId)!),
        product: l.product,
        seats: l.seats,
        seatsUsed: seatsInUse(state, l, now),
        activations: l.active.size,
      }))
      .sort((a, b) => (a.licenseId < b.licenseId ? -1 : 1));
    const report = issueUsageReport(
      {
        certificate: cert,
        issuedAt: now,
        ledger: checkpoint,
        previous: state.lastExport,
        licenses,
        revocations: {
          vendorSequence: store.streams['vendor']?.sequence ?? null,
          siteSequence,
        },
      },
      identity.signer,
    );
    void ledger.append('sync.exported', { siteSequence, checkpoint, at: now }, now * 1000);
    return { siteSequence, bundle: bundle.bytes, report, checkpoint, exportedAt: now };
  }

  /** The vendor's bundles applied in order onto the streams held now (nothing is kept yet). */
  function applyVendor(
    vendor: readonly Offered[],
    newestFull: number,
    now: number,
    step: () => void,
  ): { streams: Streams; outcomes: ImportOutcome[]; applied: { p: Offered; stream: string }[] } {
    let streams: Streams = store.streams;
    const outcomes: ImportOutcome[] = [];
    const applied: { p: Offered; stream: string }[] = [];
    for (const p of vendor) {
      if (p.bundle.sequence < newestFull) {
        outcomes.push(describe(p, 'superseded'));
        continue;
      }
      const result = named(p.name, () =>
        applyParsedBundle(streams, p.bundle, {
          trust: identity.trust,
          verifier: deps.verifier,
          now,
          leewaySeconds: LEEWAY_SECONDS,
        }),
      );
      step();
      outcomes.push(describe(p, result.outcome, result.stream));
      if (result.outcome === 'applied') {
        streams = { ...streams, [result.stream]: result.next };
        applied.push({ p, stream: result.stream });
      }
    }
    return { streams, outcomes, applied };
  }

  return {
    /** Revokes a license at this site: no new activations, revalidation answers revoked. */
    async revokeLicense(
      licenseIdHex: string,
      reasonText: unknown,
    ): Promise<{ outcome: 'revoked' | 'already'; licenseId: string }> {
      const { code, reason } = parseRevocationReason(reasonText);
      const licenseId = formatId('license', fromHex(licenseIdHex)!);
      return ledger.transact(() => {
        const now = clock();
        const license = ledger.state.licenses.get(licenseIdHex);
        if (license === undefined) {
          throw new AirlockError(
            'LICENSE_UNKNOWN',
            `This appliance does not hold license ${licenseId}.`,
          );
        }
        if (license.revoked) return { outcome: 'already' as const, licenseId };
        void ledger.append(
          'license.revoked',
          { licenseId: licenseIdHex, at: now, reason, code },
          now * 1000,
        );
        return { outcome: 'revoked' as const, licenseId };
      });
    },

    /**
     * Revokes one machine's activation: its seat is freed, the machine may not activate the
     * license again, and the next site bundle names it. Limited per license by the policy.
     */
    async revokeActivation(
      activationId: number,
      reasonText: unknown,
    ): Promise<{ outcome: 'revoked' | 'already'; activationId: string; licenseId: string }> {
      const { code, reason } = parseRevocationReason(reasonText);
      return ledger.transact(() => {
        const now = clock();
        const decision = decideRevocation(ledger.state, activationId, now, policy);
        const ids = {
          activationId: formatActivationId(activationId),
          licenseId: formatId('license', fromHex(decision.activation.licenseId)!),
        };
        if (decision.kind === 'already') return { outcome: 'already' as const, ...ids };
        void ledger.append(
          'activation.ended',
          { activationId, at: now, how: 'revoked', reason, code },
          now * 1000,
        );
        return { outcome: 'revoked' as const, ...ids };
      });
    },

    /**
     * Imports the vendor's bundles among `offered` (all verified and applied together, or none):
     * deltas in order onto their base, bundles older than a full one offered with them skipped.
     * Site bundles are for isolated machines: they are passed over. `onProgress` counts steps:
     * each bundle parsed, each verified and applied, and keeping the result.
     */
    async importBundles(
      offered: readonly OfferedBundle[],
      onProgress: (done: number, total: number) => void = () => {},
    ): Promise<ImportOutcome[]> {
      const now = clock();
      const steps = 2 * offered.length + 1;
      let done = 0;
      const step = () => onProgress(++done, steps);
      const parsed = offered.map((o) => {
        const bundle = named(o.name, () => parseBundle(o.bytes));
        step();
        return { ...o, bundle };
      });
      const outcomes: ImportOutcome[] = [];
      const vendor: Offered[] = [];
      for (const p of parsed) {
        if (p.bundle.issuer === 'vendor') vendor.push(p);
        else outcomes.push(describe(p, 'not for this appliance'));
      }
      const newestFull = Math.max(
        0,
        ...vendor.filter((p) => p.bundle.baseSequence === 0).map((p) => p.bundle.sequence),
      );
      vendor.sort((a, b) => a.bundle.sequence - b.bundle.sequence);
      const checked = done;
      // Nodes sharing their revocations: decided on the latest kept, and decided again when
      // another node kept others while these were checked (REVOCATIONS_CHANGED, nothing kept).
      for (let attempt = 1; ; attempt++) {
        await store.refresh();
        done = checked;
        const decided = applyVendor(vendor, newestFull, now, step);
        try {
          if (decided.applied.length > 0) await store.replace(decided.streams); // every check passed
        } catch (error) {
          const changed = error instanceof AirlockError && error.code === 'REVOCATIONS_CHANGED';
          if (changed && attempt < IMPORT_ATTEMPTS) continue;
          throw error;
        }
        outcomes.push(...decided.outcomes);
        await Promise.all(
          decided.applied.map(({ p, stream }) =>
            ledger.append(
              'revocations.imported',
              {
                stream,
                sequence: p.bundle.sequence,
                scope: p.bundle.baseSequence === 0 ? 'full' : 'delta',
                sha256: sha256Hex(p.bytes),
                licenses: p.bundle.licenses.length,
                activations: p.bundle.activations.length,
                certificates: p.bundle.certificates.length,
                at: now,
              },
              now * 1000,
            ),
          ),
        );
        break;
      }
      onProgress(steps, steps);
      return outcomes;
    },

    /**
     * Makes what goes on the USB stick: a new site bundle (the next sequence) and a usage report
     * whose checkpoint is the ledger's head and whose `previous` is the last export's. The
     * export is recorded (durably) before anything is returned, so no sequence is given twice.
     */
    exportSync(): Promise<SyncExport> {
      return ledger.transact(() => exportNow());
    },
    /** The revocation data held: the vendor's bundle and this site's, and when each is due. */
    revocationStatus(): {
      vendor: { sequence: number; issuedAt: number; nextUpdate: number; stale: boolean } | null;
      siteSequence: number;
      lastExport: { seq: number; hash: string } | null;
    } {
      const v = store.streams['vendor'];
      return {
        vendor: v
          ? {
              sequence: v.sequence,
              issuedAt: v.issuedAt,
              nextUpdate: v.nextUpdate,
              stale: v.nextUpdate < clock(),
            }
          : null,
        siteSequence: ledger.state.siteSequence,
        lastExport: ledger.state.lastExport,
      };
    },
  };
}

function describe(
  p: OfferedBundle & { bundle: RevocationBundle },
  outcome: ImportOutcome['outcome'],
  stream?: string,
): ImportOutcome {
  return {
    name: p.name,
    stream:
      stream ??
      (p.bundle.issuer === 'vendor'
        ? 'vendor'
        : `site:${toHex(p.bundle.certificate!.applianceId)}`),
    sequence: p.bundle.sequence,
    scope: p.bundle.baseSequence === 0 ? 'full' : 'delta',
    outcome,
  };
}

/** Runs a step on one offered file; a refusal names the file. */
function named<T>(name: string, step: () => T): T {
  try {
    return step();
  } catch (error) {
    if (error instanceof AirlockError) {
      throw new AirlockError(error.code, `${name}: ${error.message}`, {
        ...error.details,
        file: name,
      });
    }
    throw error;
  }
}
