// Real Airlock codes for the scanner's tests, taken from the format vectors (test/vectors/, made
// by scripts/make-vectors.ts), so the QR codes in the test images hold what clients really show.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const VECTORS = join(import.meta.dirname, '../vectors');

function firstGood(file: string): Record<string, string> {
  const vectors = JSON.parse(readFileSync(join(VECTORS, file), 'utf8')) as {
    good: Record<string, string>[];
  };
  return vectors.good[0]!;
}

const response = firstGood('response.json');
const certificate = firstGood('certificate.json');

export const CODES = {
  challenge: firstGood('challenge.json')['text']!,
  response: response['text']!,
  /** The QR form of a first activation: compact response + '+' + compact certificate. */
  combinedResponse: response['combined']!,
  deactivation: firstGood('deactivation.json')['text']!,
  license: firstGood('license-key.json')['text']!,
  certificate: certificate['text']!,
  compactCertificate: certificate['compact']!,
};
