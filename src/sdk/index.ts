// The portable client SDK: verifies licenses and activations offline. Imports nothing from
// Node.js, so it runs in browsers and Electron too. Node adds storage and fingerprints: ./node.

export { AirlockError, ERROR_CODES, type ErrorCode, isAirlockError } from '../core/errors.ts';
export type { CryptoSuite, Signer, Verifier } from '../core/crypto.ts';
export { nobleSuite } from '../core/ed25519-noble.ts';
export { type LicenseKey, type LicenseType, LICENSE_TYPES } from '../core/formats/license-key.ts';
export { type DeactivationReason, DEACTIVATION_REASONS } from '../core/formats/deactivation.ts';
export { formatId, parseId } from '../core/ids.ts';
export {
  computeFingerprint,
  explicitComponents,
  type MachineComponents,
  matchFingerprint,
} from '../core/fingerprint.ts';
export { parseTrust, trustFile, type TrustAnchors, type TrustFile } from './trust.ts';
export {
  applyRootHandover,
  type RootHandoverOptions,
  type RootHandoverResult,
} from './root-handover.ts';
export {
  verifyLicenseKey,
  type VerifyLicenseOptions,
  DEFAULT_LEEWAY_SECONDS,
} from './verify-license.ts';
export type { ClientContext, RandomBytes } from './context.ts';
export { asClientState, type ClientState, emptyState } from './state.ts';
export { createChallenge, type ChallengeResult } from './create-challenge.ts';
export { applyResponse, type ApplyResult } from './apply-response.ts';
export { getStatus, type Status, type StatusResult, type StatusWarning } from './status.ts';
export { DEFAULT_RENEW_WITHIN_SECONDS, type Renewal, renewalWindow } from './renewal.ts';
export type { Renews } from './renewed-license.ts';
export { deactivate, type DeactivateResult } from './deactivate.ts';
export { importRevocations, type ImportResult } from './import-revocations.ts';
export {
  type ApplianceClient,
  type ApplianceConnection,
  createApplianceClient,
  type DeactivationAnswer,
  type OnlineActivationAnswer,
  type ValidationAnswer,
} from './online.ts';
export { recordVerdict, type ApplianceVerdict, type VerdictResult } from './record-verdict.ts';
