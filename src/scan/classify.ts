// What a scanned QR code holds, judged by its shape alone (docs/FORMATS.md §2 and §3.1): nothing is
// decoded or verified here; the decoder of the kind named does that and explains what is wrong.

import { ALPHABET } from '../core/alphabet.ts';
import { COMBINED_SEPARATOR } from '../core/formats/response.ts';

export type CodeKind =
  | 'challenge'
  | 'response'
  | 'deactivation'
  | 'license'
  | 'held-license'
  | 'certificate'
  | 'unknown';

// The first character of a code is its kind letter: the top 5 bits of the first byte (§3.1).
const KIND_OF_LETTER: Readonly<Record<string, CodeKind>> = {
  C: 'challenge',
  R: 'response',
  D: 'deactivation',
  K: 'license',
  S: 'held-license',
  A: 'certificate',
};

const CHAR = `[${ALPHABET}]`;
/** The typed form: groups of 8 data characters and 1 check character, joined by '-' (§2). */
const TYPED = new RegExp(`^${CHAR}{9}(?:-${CHAR}{9})*$`);
/** The compact form of QR codes: the same characters, no checks, no dashes, 8 per 5 bytes. */
const COMPACT = new RegExp(`^(?:${CHAR}{8})+$`);
/** Longer than any code Airlock makes (a license key of 150 groups is 1499 characters). */
const MAX_LENGTH = 2000;

function kindOf(letter: string | undefined): CodeKind {
  return (letter !== undefined && KIND_OF_LETTER[letter]) || 'unknown';
}

/**
 * The kind of code a QR text looks like: a typed code by its first letter; the combined response
 * form (compact response + '+' + appliance certificate) as 'response'; a compact certificate as
 * 'certificate'. Canonical characters only: machines print QR codes, so nothing is forgiven.
 */
export function classifyCode(text: string): CodeKind {
  if (typeof text !== 'string') throw new TypeError('a scanned code must be a string');
  const code = text.trim();
  if (code.length > MAX_LENGTH) return 'unknown';
  if (TYPED.test(code)) return kindOf(code[0]);
  const separator = code.indexOf(COMBINED_SEPARATOR);
  if (separator !== -1) {
    const response = code.slice(0, separator);
    const certificate = code.slice(separator + 1);
    const isResponse = response.startsWith('R') && COMPACT.test(response);
    const isCertificate =
      certificate.startsWith('A') && (COMPACT.test(certificate) || TYPED.test(certificate));
    return isResponse && isCertificate ? 'response' : 'unknown';
  }
  return code.startsWith('A') && COMPACT.test(code) ? 'certificate' : 'unknown';
}
