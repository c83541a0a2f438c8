// Revocations by sneakernet, client side (DESIGN flow 6): a vendor or site bundle is verified in
// full (signature chain, issue time, sequence, delta base) before anything of it is kept.

import { equalBytes, toHex } from '../core/bytes.ts';
import { nobleSuite } from '../core/ed25519-noble.ts';
import { AirlockError } from '../core/errors.ts';
import {
  parseBundle,
  type RevocationBundle,
  verifyBundleSignature,
} from '../core/formats/revocation-bundle.ts';
import { formatId, keyIdOf } from '../core/ids.ts';
import { assertContext, type ClientContext } from './context.ts';
import {
  assertState,
  type ClientState,
  observeTime,
  revocationKeyOfActivation,
  type RevocationEntry,
  type RevocationStream,
} from './state.ts';
import { findRoot, verifyCertificateChain } from './trust.ts';
import { dateOf, DEFAULT_LEEWAY_SECONDS } from './verify-license.ts';

export interface ImportResult {
  readonly state: ClientState;
  readonly outcome: 'applied' | 'unchanged';
  readonly stream: string;
  readonly sequence: number;
  readonly scope: 'full' | 'delta';
  readonly counts: {
    readonly licenses: number;
    readonly activations: number;
    readonly certificates: number;
  };
  readonly nextUpdate: number;
}

/** Verifies who signed the bundle; returns the issuer stream it belongs to. */
function verifySigner(bundle: RevocationBundle, ctx: ClientContext): string {
  const verifier = ctx.verifier ?? nobleSuite;
  if (bundle.issuer === 'vendor') {
    const root = findRoot(ctx.trust, bundle.signerKeyId);
    if (root === undefined) {
      throw new AirlockError(
        'KEY_UNKNOWN',
        `The revocation bundle was signed by vendor key ${formatId('key', bundle.signerKeyId)}, which this machine does not trust.`,
      );
    }
    if (!verifyBundleSignature(bundle, root.publicKey, verifier)) {
      throw new AirlockError(
        'SIGNATURE_INVALID',
        'The revocation bundle’s signature is not valid: it was altered or forged.',
      );
    }
    return 'vendor';
  }
  const cert = bundle.certificate!;
  verifyCertificateChain(cert, ctx.trust, verifier);
  if (
    !equalBytes(bundle.signerKeyId, keyIdOf(cert.publicKey)) ||
    !verifyBundleSignature(bundle, cert.publicKey, verifier)
  ) {
    throw new AirlockError(
      'SIGNATURE_INVALID',
      'The revocation bundle’s signature is not valid: it was altered or forged.',
    );
  }
  if (bundle.activations.some((a) => !equalBytes(a.applianceId, cert.applianceId))) {
    throw new AirlockError(
      'FORMAT_INVALID',
      'The site bundle revokes activations of another appliance, which it may not.',
    );
  }
  return `site:${toHex(cert.applianceId)}`;
}

function entries<T>(
  items: readonly T[],
  key: (item: T) => string,
  entry: (item: T) => RevocationEntry,
): Record<string, RevocationEntry> {
  const out: Record<string, RevocationEntry> = {};
  for (const item of items) out[key(item)] = entry(item);
  return out;
}

export function importRevocations(
  state: ClientState,
  bundleBytes: Uint8Array,
  ctx: ClientContext,
): ImportResult {
  assertState(state);
  assertContext(ctx);
  const leeway = ctx.leewaySeconds ?? DEFAULT_LEEWAY_SECONDS;
  const observed = observeTime(state, ctx.now, leeway);
  const bundle = parseBundle(bundleBytes);
  const stream = verifySigner(bundle, ctx);
  if (bundle.issuedAt > ctx.now + leeway) {
    throw new AirlockError(
      'BUNDLE_NOT_YET_VALID',
      `The revocation bundle was issued on ${dateOf(bundle.issuedAt)}, after this machine's time (${dateOf(ctx.now)}). Check the clock.`,
    );
  }
  const held = observed.revocations[stream];
  const result = {
    stream,
    sequence: bundle.sequence,
    scope: bundle.baseSequence === 0 ? 'full' : 'delta',
    counts: {
      licenses: bundle.licenses.length,
      activations: bundle.activations.length,
      certificates: bundle.certificates.length,
    },
    nextUpdate: bundle.nextUpdate,
  } as const;
  if (held !== undefined && bundle.sequence === held.sequence)
    return { ...result, state: observed, outcome: 'unchanged' };
  if (held !== undefined && bundle.sequence < held.sequence) {
    throw new AirlockError(
      'BUNDLE_ROLLBACK',
      `This revocation bundle (sequence ${bundle.sequence}) is older than the one already imported (sequence ${held.sequence}); it was refused.`,
      { held: held.sequence, offered: bundle.sequence },
    );
  }
  if (bundle.baseSequence !== 0 && held?.sequence !== bundle.baseSequence) {
    throw new AirlockError(
      'BUNDLE_BASE_MISMATCH',
      `This delta bundle applies to sequence ${bundle.baseSequence}, but this machine holds ${held ? `sequence ${held.sequence}` : 'no bundle from this issuer'}. Import a full bundle.`,
    );
  }
  const licenses = entries(
    bundle.licenses,
    (l) => toHex(l.licenseId),
    (l) => ({ at: l.revokedAt, reason: l.reason }),
  );
  const activations = entries(
    bundle.activations,
    (a) => revocationKeyOfActivation(toHex(a.applianceId), a.activationId),
    (a) => ({ at: a.revokedAt, reason: a.reason }),
  );
  const certificates = entries(
    bundle.certificates,
    (c) => toHex(c.certificateId),
    (c) => ({ at: c.revokedAt, reason: c.reason }),
  );
  const delta = bundle.baseSequence !== 0 && held !== undefined;
  const next: RevocationStream = {
    sequence: bundle.sequence,
    issuedAt: bundle.issuedAt,
    nextUpdate: bundle.nextUpdate,
    licenses: delta ? { ...held.licenses, ...licenses } : licenses,
    activations: delta ? { ...held.activations, ...activations } : activations,
    certificates: delta ? { ...held.certificates, ...certificates } : certificates,
  };
  return {
    ...result,
    state: { ...observed, revocations: { ...observed.revocations, [stream]: next } },
    outcome: 'applied',
  };
}
