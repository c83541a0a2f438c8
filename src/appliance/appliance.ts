// The appliance's use cases: add a license, answer a challenge, take a deactivation code, list
// what it holds (revocations and sync: site-sync.ts). Each decision and its journal record happen in one synchronous step (so seats
// are never over-allocated); the answer leaves only once the record is durable.

import { fromHex, toHex } from '../core/bytes.ts';
import type { Signer, Verifier } from '../core/crypto.ts';
import { answerChallenge } from '../core/answer-challenge.ts';
import { dateOf } from '../core/dates.ts';
import { AirlockError } from '../core/errors.ts';
import { certificateCovers, type Certificate } from '../core/formats/certificate.ts';
import { type Challenge, decodeChallenge } from '../core/formats/challenge.ts';
import { decodeDeactivation } from '../core/formats/deactivation.ts';
import { createHeldKey, decodeHeldKey, heldKeyHash } from '../core/formats/held-key.ts';
import {
  decodeLicenseKey,
  issueLicense,
  type LicenseFields,
  type LicenseKey,
  licenseKeyText,
  parseLicenseKey,
} from '../core/formats/license-key.ts';
import { formatActivationId, formatId } from '../core/ids.ts';
import type { OnlineActivationAnswer } from '../sdk/online.ts';
import { findInStreams } from '../sdk/state.ts';
import { revocationKeyOfActivation } from '../sdk/state.ts';
import { verifyLicenseKey } from '../sdk/verify-license.ts';
import { memoryRevocationStore, type RevocationStore } from './revocation-store.ts';
import { createSiteCases } from './site-sync.ts';
import type { ApplianceIdentity } from './data-dir.ts';
import {
  decideDeactivation,
  decideSeat,
  type DeactivationPolicy,
  DEFAULT_DEACTIVATION_POLICY,
  judgeActivation,
  licenseFor,
  type RevocationPolicy,
  SEEN_EVERY_SECONDS,
  type Verdict,
} from './decide.ts';
import type { ApplianceEvents, EventType } from './events.ts';
import {
  type ActivationEntry,
  type ApplianceState,
  type LicenseEntry,
  seatsInUse,
} from './state.ts';

/** What the appliance needs of its ledger: the current state, and durable appends. */
export interface ApplianceLedger {
  readonly state: ApplianceState;
  /** The last record appended: the ledger's checkpoint. */
  readonly head: { readonly seq: number; readonly hash: string };
  /** Applies the event to `state` synchronously, resolves once it is durable. */
  append<T extends EventType>(type: T, data: ApplianceEvents[T], atMs: number): Promise<unknown>;
  /**
   * Runs `work` (read the state, decide, append) with no other writer in between, here or on
   * another node sharing the ledger; resolves with its result once its records are durable.
   */
  transact<T>(work: () => T): Promise<T>;
  /** Brings `state` up to what other nodes sharing the ledger have recorded. */
  refresh(): Promise<void>;
}

export interface ApplianceDeps {
  readonly identity: ApplianceIdentity;
  readonly ledger: ApplianceLedger;
  /** Unix seconds. */
  readonly clock: () => number;
  readonly verifier: Verifier;
  readonly policy?: DeactivationPolicy;
  readonly revocationPolicy?: RevocationPolicy;
  /** The vendor's revocations held (default: none, in memory). */
  readonly revocations?: RevocationStore;
  /** Randomness, for the keys of appliance-held licenses. */
  readonly random?: (n: number) => Uint8Array;
}

/** The terms of an appliance-held license; its ID comes from its key, its issue time is now. */
export type HeldLicenseTerms = Omit<LicenseFields, 'licenseId' | 'issuedAt'>;

export interface RequestMeta {
  readonly channel: 'offline' | 'online';
  readonly ip?: string;
  readonly clientId?: string;
}

/** What answering a challenge gives: exactly what the online API returns to the SDK. */
export type Responded = OnlineActivationAnswer;

export interface LicenseSummary {
  readonly licenseId: string;
  readonly product: string;
  readonly type: LicenseKey['type'];
  readonly seats: number;
  readonly seatsUsed: number;
  readonly expiresAt: number | null;
  readonly features: readonly string[];
  readonly revoked: boolean;
  /** The signed license key the clients use. */
  readonly key: string;
  /** True for a license created on the appliance, whose `S…` key only its holder knows. */
  readonly held: boolean;
}

export interface ActivationSummary {
  readonly activationId: string;
  readonly licenseId: string;
  readonly fingerprint: string;
  readonly status: ActivationEntry['status'];
  readonly activatedAt: number;
  readonly lastSeenAt: number;
  readonly leaseEndsAt: number | null;
  readonly channel: ActivationEntry['channel'];
  readonly ip?: string;
  readonly clientId?: string;
  readonly endedAt?: number;
}

export function createAppliance(deps: ApplianceDeps) {
  const { identity, ledger, clock } = deps;
  const policy = deps.policy ?? DEFAULT_DEACTIVATION_POLICY;
  const store = deps.revocations ?? memoryRevocationStore();
  const parsed = new Map<string, LicenseKey>();

  /** The license's key, parsed once per key text (a renewed key replaces the entry's text). */
  function keyOf(license: LicenseEntry): LicenseKey {
    let key = parsed.get(license.key);
    if (key === undefined) {
      key = parseLicenseKey(decodeLicenseKey(license.key));
      parsed.set(license.key, key);
    }
    return key;
  }

  /** The vendor's revocation of this license, if its bundles revoke it. */
  function vendorRevoked(licenseIdHex: string) {
    return findInStreams(store.streams, { licenseId: licenseIdHex });
  }

  /** Refuses a license revoked by the site or the vendor, and work under a revoked certificate. */
  function assertNotRevoked(license: LicenseEntry | { licenseId: string }): void {
    const id = formatId('license', fromHex(license.licenseId)!);
    const byVendor = vendorRevoked(license.licenseId);
    if (byVendor) {
      throw new AirlockError(
        'REVOKED',
        `License ${id} was revoked by the vendor on ${dateOf(byVendor.at)} (${byVendor.reason}).`,
      );
    }
    const cert = identity.certificate;
    const certRevoked =
      cert && findInStreams(store.streams, { certificateId: toHex(cert.certificateId) });
    if (certRevoked) {
      throw new AirlockError(
        'REVOKED',
        `The vendor revoked this appliance's certificate on ${dateOf(certRevoked.at)} (${certRevoked.reason}): it may not activate anything. Ask the vendor for a new one.`,
      );
    }
  }

  function certificate(): Certificate {
    if (identity.certificate === undefined) {
      throw new AirlockError(
        'CERTIFICATE_UNKNOWN',
        'This appliance has no certificate yet: send its delegation request to the vendor and install the certificate with `airlock appliance install-cert`.',
      );
    }
    return identity.certificate;
  }

  function summary(license: LicenseEntry, now: number): LicenseSummary {
    const key = keyOf(license);
    return {
      licenseId: formatId('license', key.licenseId),
      product: key.product,
      type: key.type,
      seats: key.seats,
      seatsUsed: seatsInUse(ledger.state, license, now),
      expiresAt: key.expiresAt,
      features: key.features,
      revoked: license.revoked !== undefined || vendorRevoked(license.licenseId) !== undefined,
      key: license.key,
      held: license.held !== undefined,
    };
  }

  /**
   * Records a verified license; the same key again is an outcome, another with its ID is not.
   * Decides and appends: run it inside `ledger.transact`.
   */
  function hold(
    key: LicenseKey,
    now: number,
    heldHash?: string,
  ): { outcome: 'added' | 'existing' | 'replaced'; license: LicenseSummary } {
    const licenseId = toHex(key.licenseId);
    const existing = ledger.state.licenses.get(licenseId);
    if (existing) {
      if (existing.key === licenseKeyText(key)) {
        return { outcome: 'existing', license: summary(existing, now) };
      }
      const held = keyOf(existing);
      // A renewal (later expiry, trial turned paid) is a newer key of the same license.
      if (key.product !== held.product) {
        throw new AirlockError(
          'LICENSE_EXISTS',
          `License ${formatId('license', key.licenseId)} is already held for "${held.product}"; this key is for "${key.product}".`,
        );
      }
      if (key.issuedAt <= held.issuedAt) {
        throw new AirlockError(
          'LICENSE_SUPERSEDED',
          `A key of license ${formatId('license', key.licenseId)} issued on ${dateOf(held.issuedAt)} is already held; this one is not newer, so it cannot replace it.`,
        );
      }
      void ledger.append(
        'license.replaced',
        {
          licenseId,
          key: licenseKeyText(key),
          seats: key.seats,
          floating: key.type === 'floating',
          expiresAt: key.expiresAt,
          at: now,
        },
        now * 1000,
      );
      return { outcome: 'replaced', license: summary(ledger.state.licenses.get(licenseId)!, now) };
    }
    void ledger.append(
      'license.added',
      {
        licenseId,
        key: licenseKeyText(key),
        product: key.product,
        seats: key.seats,
        floating: key.type === 'floating',
        expiresAt: key.expiresAt,
        at: now,
        ...(heldHash === undefined ? {} : { held: heldHash }),
      },
      now * 1000,
    );
    return { outcome: 'added', license: summary(ledger.state.licenses.get(licenseId)!, now) };
  }

  /** Answers a decoded challenge: the same machine renews, a new one takes a free seat. */
  function grant(challenge: Challenge, meta: RequestMeta): Responded {
    const now = clock();
    const cert = certificate();
    const license = licenseFor(ledger.state, toHex(challenge.licenseId));
    assertNotRevoked(license);
    const key = keyOf(license);
    const decision = decideSeat(ledger.state, license, challenge, now);
    const activationId =
      decision.kind === 'new' ? decision.activationId : decision.activation.activationId;
    if (
      decision.kind === 'new' &&
      cert.seatQuota !== 0 &&
      totalSeatsInUse(ledger.state, now) >= cert.seatQuota
    ) {
      throw new AirlockError(
        'SEATS_EXHAUSTED',
        cert.seatQuota === 1
          ? "This appliance's certificate allows one seat in all, and it is in use."
          : `This appliance's certificate allows ${cert.seatQuota} seats in all, and all are in use.`,
        { seats: cert.seatQuota },
      );
    }
    const answer = answerChallenge({
      challenge,
      license: key,
      certificate: cert,
      signer: identity.signer,
      now,
      activationId,
    });
    // Decision and record in one synchronous step, inside the ledger's transaction.
    void ledger.append(
      'activation.granted',
      {
        activationId,
        licenseId: license.licenseId,
        fingerprint: toHex(challenge.fingerprint),
        challenge: toHex(challenge.bytes),
        commitment: toHex(challenge.commitment),
        clientTime: challenge.clientTime,
        leaseEndsAt: answer.leaseEndsAt,
        at: now,
        renewal: decision.kind === 'renewal',
        channel: meta.channel,
        ...(meta.ip === undefined ? {} : { ip: meta.ip }),
        ...(meta.clientId === undefined ? {} : { clientId: meta.clientId }),
      },
      now * 1000,
    );
    return {
      response: answer.text,
      qr: answer.combined,
      activationId: formatActivationId(activationId),
      licenseId: formatId('license', key.licenseId),
      product: key.product,
      features: answer.features,
      leaseEndsAt: answer.leaseEndsAt,
      renewal: decision.kind === 'renewal',
      seats: key.seats,
      seatsUsed: seatsInUse(ledger.state, license, now),
    };
  }

  return {
    identity,
    ...createSiteCases({
      identity,
      ledger,
      clock,
      verifier: deps.verifier,
      store,
      ...(deps.revocationPolicy === undefined ? {} : { policy: deps.revocationPolicy }),
    }),
    get state() {
      return ledger.state;
    },

    /** Brings the state and the vendor's revocations up to what other nodes sharing them kept. */
    refresh: async () => {
      await Promise.all([ledger.refresh(), store.refresh()]);
    },

    /**
     * Verifies a vendor license key and holds it. The same key again is an outcome; a newer key
     * of a license held (same ID, later issue time) replaces it and keeps its activations.
     */
    async addLicense(
      text: unknown,
    ): Promise<{ outcome: 'added' | 'existing' | 'replaced'; license: LicenseSummary }> {
      const now = clock();
      const key = verifyLicenseKey(text, { trust: identity.trust, now, verifier: deps.verifier });
      assertNotRevoked({ licenseId: toHex(key.licenseId) });
      if (identity.certificate && !certificateCovers(identity.certificate, key.product)) {
        throw new AirlockError(
          'CERTIFICATE_SCOPE',
          `This appliance is not authorised to activate "${key.product}".`,
        );
      }
      return ledger.transact(() => hold(key, now));
    },

    /**
     * Creates a license held by this appliance: a random `S…` key, stored only as a keyed hash,
     * and a license key with the same ID signed by the vendor root (which only a standalone
     * appliance holds). The `S…` key is returned once; it cannot be recovered.
     */
    async createHeldLicense(
      terms: HeldLicenseTerms,
      vendor: Signer,
    ): Promise<{ heldKey: string; license: LicenseSummary }> {
      if (deps.random === undefined) throw new TypeError('createHeldLicense needs deps.random');
      const now = clock();
      const heldKey = createHeldKey(deps.random(14));
      const key = issueLicense({ ...terms, licenseId: heldKey.licenseId, issuedAt: now }, vendor);
      // The vendor key given must be the one this appliance's clients trust.
      verifyLicenseKey(licenseKeyText(key), {
        trust: identity.trust,
        now,
        verifier: deps.verifier,
      });
      const hash = heldKeyHash(identity.secret, heldKey);
      const { license } = await ledger.transact(() => hold(key, now, hash));
      return { heldKey: heldKey.text, license };
    },

    /**
     * Trades an appliance-held `S…` key for the signed license key its clients verify offline.
     * Only the key's holder can ask: the appliance compares keyed hashes.
     */
    redeem(text: unknown): LicenseSummary {
      const heldKey = decodeHeldKey(text);
      const licenseId = ledger.state.heldKeys.get(heldKeyHash(identity.secret, heldKey));
      const license = licenseId === undefined ? undefined : ledger.state.licenses.get(licenseId);
      if (license === undefined) {
        throw new AirlockError(
          'LICENSE_UNKNOWN',
          'This appliance holds no license for this key: check it against the one you were given.',
        );
      }
      return summary(license, clock());
    },

    /** Answers a challenge: the same machine renews, a new one takes a free seat. */
    async respond(text: unknown, meta: RequestMeta): Promise<Responded> {
      const challenge = decodeChallenge(text);
      return ledger.transact(() => grant(challenge, meta));
    },

    /** Takes a deactivation code: the proof frees the seat. A second time is an outcome. */
    async deactivate(
      text: unknown,
    ): Promise<{ outcome: 'freed' | 'already'; activationId: string; licenseId: string }> {
      const code = decodeDeactivation(text);
      return ledger.transact(() => {
        const now = clock();
        const decision = decideDeactivation(ledger.state, code, identity.applianceId, now, policy);
        const ids = {
          activationId: formatActivationId(decision.activation.activationId),
          licenseId: formatId('license', fromHex(decision.activation.licenseId)!),
        };
        if (decision.kind === 'already') return { outcome: 'already' as const, ...ids };
        void ledger.append(
          'activation.ended',
          {
            activationId: code.activationId,
            at: now,
            how: 'deactivated',
            reason: code.reason,
            clientTime: code.clientTime,
          },
          now * 1000,
        );
        return { outcome: 'freed' as const, ...ids };
      });
    },
    /**
     * Revalidation by an activated machine: the activation's standing now. Records that the
     * machine was seen (at most once an hour); a ledger that cannot write does not stop the answer.
     */
    async validate(
      licenseIdHex: string,
      activationId: number,
      meta: Pick<RequestMeta, 'ip'> = {},
    ): Promise<{
      verdict: Verdict;
      license: LicenseSummary;
      activation: ActivationSummary;
      checkedAt: number;
    }> {
      const now = clock();
      const license = ledger.state.licenses.get(licenseIdHex);
      const activation = ledger.state.activations.get(activationId);
      if (license === undefined) {
        throw new AirlockError(
          'LICENSE_UNKNOWN',
          `This appliance does not hold license ${formatId('license', fromHex(licenseIdHex)!)}.`,
        );
      }
      if (activation?.licenseId !== licenseIdHex) {
        throw new AirlockError(
          'ACTIVATION_UNKNOWN',
          `This appliance holds no activation ${formatActivationId(activationId)} of license ${formatId('license', fromHex(licenseIdHex)!)}: activate anew.`,
        );
      }
      const byVendor =
        vendorRevoked(licenseIdHex) ??
        findInStreams(store.streams, {
          activation: revocationKeyOfActivation(toHex(identity.applianceId), activationId),
        });
      const verdict: Verdict = byVendor
        ? {
            code: 'REVOKED',
            message: `The vendor revoked this ${byVendor.what} on ${dateOf(byVendor.at)}.`,
          }
        : judgeActivation(license, activation, now);
      if (activation.status === 'active' && now - activation.lastSeenAt >= SEEN_EVERY_SECONDS) {
        await ledger
          .append(
            'activation.seen',
            { activationId, at: now, ...(meta.ip === undefined ? {} : { ip: meta.ip }) },
            now * 1000,
          )
          .catch((error: unknown) => {
            if (!(error instanceof AirlockError && error.code === 'LEDGER_UNAVAILABLE'))
              throw error;
          });
      }
      return {
        verdict,
        license: summary(license, now),
        activation: activationSummary(activation),
        checkedAt: now,
      };
    },

    /**
     * Appends an entry to the audit trail (admin actions, refusals, alerts: src/http/audit.ts).
     * Resolves once it is durable; rejects with LEDGER_UNAVAILABLE when it could not be written.
     */
    async audit(entry: Omit<ApplianceEvents['audit'], 'at'>): Promise<void> {
      const now = clock();
      await ledger.append('audit', { ...entry, at: now }, now * 1000);
    },

    licenses(): LicenseSummary[] {
      const now = clock();
      return [...ledger.state.licenses.values()].map((l) => summary(l, now));
    },

    license(licenseIdHex: string): LicenseSummary & { activations: ActivationSummary[] } {
      const license = ledger.state.licenses.get(licenseIdHex);
      if (license === undefined) {
        throw new AirlockError(
          'LICENSE_UNKNOWN',
          `This appliance does not hold license ${formatId('license', fromHex(licenseIdHex) ?? new Uint8Array(8))}.`,
        );
      }
      const activations = [...ledger.state.activations.values()]
        .filter((a) => a.licenseId === licenseIdHex)
        .map(activationSummary);
      return { ...summary(license, clock()), activations };
    },

    /** Activations matching every filter given; `from` and `to` bound activatedAt as [from, to). */
    activations(
      filter: {
        licenseId?: string;
        status?: ActivationEntry['status'];
        from?: number;
        to?: number;
      } = {},
    ): ActivationSummary[] {
      const out: ActivationSummary[] = [];
      for (const a of ledger.state.activations.values()) {
        if (filter.licenseId !== undefined && a.licenseId !== filter.licenseId) continue;
        if (filter.status !== undefined && a.status !== filter.status) continue;
        if (filter.from !== undefined && a.activatedAt < filter.from) continue;
        if (filter.to !== undefined && a.activatedAt >= filter.to) continue;
        out.push(activationSummary(a));
      }
      return out;
    },
  };
}

export type Appliance = ReturnType<typeof createAppliance>;

function totalSeatsInUse(state: ApplianceState, now: number): number {
  let total = 0;
  for (const license of state.licenses.values()) total += seatsInUse(state, license, now);
  return total;
}

function activationSummary(a: ActivationEntry): ActivationSummary {
  return {
    activationId: formatActivationId(a.activationId),
    licenseId: formatId('license', fromHex(a.licenseId)!),
    fingerprint: formatId('fingerprint', fromHex(a.fingerprint)!),
    status: a.status,
    activatedAt: a.activatedAt,
    lastSeenAt: a.lastSeenAt,
    leaseEndsAt: a.leaseEndsAt,
    channel: a.channel,
    ...(a.ip === undefined ? {} : { ip: a.ip }),
    ...(a.clientId === undefined ? {} : { clientId: a.clientId }),
    ...(a.endedAt === undefined ? {} : { endedAt: a.endedAt }),
  };
}
