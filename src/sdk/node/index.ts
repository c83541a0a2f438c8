// The client SDK for Node.js: everything portable, plus fingerprinting and the encrypted store.

export * from '../index.ts';
export {
  createNodeClient,
  type DeactivateOutcome,
  type NodeClient,
  type NodeClientOptions,
  type OnlineActivateResult,
  type OnlineOptions,
  type RevalidateResult,
} from './client.ts';
export { readMachineComponents } from './machine.ts';
export { openFileStore, type ClientStore } from './store.ts';
export { nodeSuite } from '../../node/ed25519.ts';
