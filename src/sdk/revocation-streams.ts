// Revocation streams (docs/FORMATS.md §11.4): one per issuer (the vendor, each appliance). A bundle
// is verified in full (signature chain, issue time, sequence, delta base) and applied onto the
// stream it belongs to, giving the stream's next value; nothing is changed in place. Clients and
// the appliance keep their streams with these same rules.

import { equalBytes, toHex } from '../core/bytes.ts';
import type { Verifier } from '../core/crypto.ts';
import { AirlockError } from '../core/errors.ts';
import {
  parseBundle,
  type RevocationBundle,
  verifyBundleSignature,
} from '../core/formats/revocation-bundle.ts';
import { formatId, keyIdOf } from '../core/ids.ts';
import {
  findInStreams,
  revocationKeyOfActivation,
  type RevocationEntry,
  type RevocationStream,
} from './state.ts';
import { findRoot, type TrustAnchors, verifyCertificateChain } from './trust.ts';
import { dateOf } from './verify-license.ts';

export interface StreamContext {
  readonly trust: TrustAnchors;
  readonly verifier: Verifier;
  /** Unix seconds. */
  readonly now: number;
  readonly leewaySeconds: number;
}

export interface AppliedBundle {
  readonly bundle: RevocationBundle;
  /** "vendor", or "site:" and the appliance ID in hex. */
  readonly stream: string;
  /** The stream after the bundle; the one held when the outcome is 'unchanged'. */
  readonly next: RevocationStream;
  readonly outcome: 'applied' | 'unchanged';
  readonly scope: 'full' | 'delta';
}

/** Verifies who signed the bundle; returns the issuer stream it belongs to. */
export function verifyBundleSigner(
  bundle: RevocationBundle,
  trust: TrustAnchors,
  verifier: Verifier,
): string {
  if (bundle.issuer === 'vendor') {
    const root = findRoot(trust, bundle.signerKeyId);
    if (root === undefined) {
      throw new AirlockError(
        'KEY_UNKNOWN',
        `The revocation bundle was signed by vendor key ${formatId('key', bundle.signerKeyId)}, which is not trusted here.`,
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
  verifyCertificateChain(cert, trust, verifier);
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

/**
 * Verifies the bundle and applies it onto `streams[its issuer]`: the same sequence again is
 * 'unchanged'; an older one is BUNDLE_ROLLBACK; a delta needs exactly its base held.
 */
export function applyBundle(
  streams: Readonly<Record<string, RevocationStream>>,
  bundleBytes: Uint8Array,
  ctx: StreamContext,
): AppliedBundle {
  return applyParsedBundle(streams, parseBundle(bundleBytes), ctx);
}

/** applyBundle for a bundle already parsed (parseBundle); its signature is checked here. */
export function applyParsedBundle(
  streams: Readonly<Record<string, RevocationStream>>,
  bundle: RevocationBundle,
  ctx: StreamContext,
): AppliedBundle {
  const stream = verifyBundleSigner(bundle, ctx.trust, ctx.verifier);
  if (bundle.issuedAt > ctx.now + ctx.leewaySeconds) {
    throw new AirlockError(
      'BUNDLE_NOT_YET_VALID',
      `The revocation bundle was issued on ${dateOf(bundle.issuedAt)}, after this machine's time (${dateOf(ctx.now)}). Check the clock.`,
    );
  }
  if (bundle.certificate !== undefined) {
    // A site bundle speaks for its appliance only while that appliance's certificate stands.
    const cert = bundle.certificate;
    if (bundle.issuedAt > cert.notAfter) {
      throw new AirlockError(
        'CERTIFICATE_EXPIRED',
        `This site bundle was issued on ${dateOf(bundle.issuedAt)}, after its appliance's certificate expired (${dateOf(cert.notAfter)}); it was refused.`,
      );
    }
    const revoked = findInStreams(streams, { certificateId: toHex(cert.certificateId) });
    if (revoked) {
      throw new AirlockError(
        'REVOKED',
        `This site bundle comes from an appliance whose certificate the vendor revoked on ${dateOf(revoked.at)}; it was refused.`,
      );
    }
  }
  const held = streams[stream];
  const scope = bundle.baseSequence === 0 ? 'full' : 'delta';
  if (held !== undefined && bundle.sequence === held.sequence) {
    return { bundle, stream, next: held, outcome: 'unchanged', scope };
  }
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
      `This delta bundle applies to sequence ${bundle.baseSequence}, but ${held ? `sequence ${held.sequence} is held` : 'no bundle from this issuer is held'}. Import a full bundle.`,
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
  const delta = scope === 'delta' && held !== undefined;
  const next: RevocationStream = {
    sequence: bundle.sequence,
    issuedAt: bundle.issuedAt,
    nextUpdate: bundle.nextUpdate,
    licenses: delta ? { ...held.licenses, ...licenses } : licenses,
    activations: delta ? { ...held.activations, ...activations } : activations,
    certificates: delta ? { ...held.certificates, ...certificates } : certificates,
  };
  return { bundle, stream, next, outcome: 'applied', scope };
}
