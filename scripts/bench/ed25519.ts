// Benchmark section: Ed25519 sign and verify through the project's node:crypto suite, raw
// node:crypto with prepared KeyObjects (the ceiling), and @noble/curves (the portable suite).

import { createPrivateKey, createPublicKey, sign, verify } from 'node:crypto';
import { equalBytes } from '../../src/core/bytes.ts';
import { nobleSuite } from '../../src/core/ed25519-noble.ts';
import { nodeSuite } from '../../src/node/ed25519.ts';
import { compare, type MeasureOptions } from './measure.ts';
import type { Report } from './report.ts';

/** The project path should keep at least this share of raw node:crypto's speed. */
const TARGET_RATIO = 0.8;
const MESSAGE_BYTES = 100;

export function ed25519Section(report: Report, options: MeasureOptions): void {
  const seed = new Uint8Array(32).map((_, i) => (i * 37 + 11) & 0xff);
  const message = new Uint8Array(MESSAGE_BYTES).map((_, i) => (i * 13 + 5) & 0xff);

  const projectSigner = nodeSuite.signer(seed);
  const nobleSigner = nobleSuite.signer(seed);
  const privateKey = createPrivateKey({
    key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed]),
    format: 'der',
    type: 'pkcs8',
  });
  const publicKey = createPublicKey(privateKey);
  const publicBytes = projectSigner.publicKey;
  const signature = projectSigner.sign(message);

  // All three must agree before their speeds mean anything.
  const rawSignature = new Uint8Array(sign(null, message, privateKey));
  if (
    !equalBytes(rawSignature, signature) ||
    !equalBytes(nobleSigner.sign(message), signature) ||
    !verify(null, message, publicKey, signature) ||
    !nodeSuite.verify(publicBytes, message, signature) ||
    !nobleSuite.verify(publicBytes, message, signature)
  ) {
    throw new Error('the three Ed25519 paths disagree; refusing to benchmark them');
  }

  const figures = {
    sign: compare(
      {
        project: () => projectSigner.sign(message),
        raw: () => sign(null, message, privateKey),
        noble: () => nobleSigner.sign(message),
      },
      options,
    ),
    verify: compare(
      {
        project: () => nodeSuite.verify(publicBytes, message, signature),
        raw: () => verify(null, message, publicKey, signature),
        noble: () => nobleSuite.verify(publicBytes, message, signature),
      },
      options,
    ),
  };

  const rows = Object.entries(figures).map(([operation, f]) => {
    const vsRaw = f.project.opsPerSecond / f.raw.opsPerSecond;
    return {
      operation,
      'project ops/s': f.project.opsPerSecond,
      'raw node ops/s': f.raw.opsPerSecond,
      'noble ops/s': f.noble.opsPerSecond,
      'project/raw node': vsRaw,
      [`target >= ${TARGET_RATIO.toFixed(2)}`]: vsRaw >= TARGET_RATIO ? 'PASS' : 'BELOW TARGET',
      'project/noble': f.project.opsPerSecond / f.noble.opsPerSecond,
    };
  });
  report.section(`Ed25519, ${MESSAGE_BYTES}-byte message`, rows, [
    'project: nodeSuite.signer(seed).sign / nodeSuite.verify (src/node/ed25519.ts)',
    'raw node: crypto.sign / crypto.verify with KeyObjects prepared beforehand',
    'noble: nobleSuite (@noble/curves, strict RFC 8032 mode)',
  ]);
}
