// Domain separation (docs/FORMATS.md §4): every signature covers a context string naming the
// artefact and its version, one zero byte, then exactly the bytes that travel.

import { concatBytes, utf8 } from './bytes.ts';

export const CONTEXT = {
  license: 'airlock-license-v1',
  response: 'airlock-response-v1',
  certificate: 'airlock-appliance-cert-v1',
  revocations: 'airlock-revocations-v1',
  usageReport: 'airlock-usage-report-v1',
  rootHandover: 'airlock-root-handover-v1',
} as const;

export type SignedArtefact = keyof typeof CONTEXT;

export function signingInput(
  artefact: SignedArtefact,
  ...parts: readonly Uint8Array[]
): Uint8Array {
  return concatBytes(utf8(CONTEXT[artefact]), new Uint8Array([0]), ...parts);
}

export const SIGNATURE_BYTES = 64;
export const PUBLIC_KEY_BYTES = 32;
