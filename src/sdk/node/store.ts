// The client's activation store: one JSON file, encrypted and integrity-protected, that opens only
// on the machine that wrote it yet survives one changed machine component (docs/FORMATS.md §5.2).

import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { base64urlnopad as b64 } from '@scure/base';
import { utf8 } from '../../core/bytes.ts';
import { AirlockError } from '../../core/errors.ts';
import { readFileBounded, writeFileAtomic } from '../../node/atomic-file.ts';
import {
  FINGERPRINT_SLOTS,
  type FingerprintSlot,
  type MachineComponents,
} from '../../core/fingerprint.ts';

export interface ClientStore {
  /** The stored state, or undefined when nothing was stored yet. */
  load(): Promise<unknown | undefined>;
  /** Replaces the stored state (any JSON value). */
  save(state: unknown): Promise<void>;
  readonly path: string;
}

const FORMAT = 'airlock-store/v1';
const FILE_NAME = 'airlock-store.json';
const MAX_STORE_BYTES = 4 * 1024 * 1024;
const STATE_AAD = utf8('airlock-store-v1');
const SLOT_INFO = 'airlock-store-slot-v1:';

/**
 * Key slots, as in LUKS: a random data key encrypts the state and is wrapped once per slot. A
 * slot's key comes from every present component but one, so the file opens when at most one
 * component changed or went missing (the fingerprint's own rule, §5.2), and not on a clone that
 * shares only its machine-id or hostname. With one or two components, each slot uses one.
 */
function slotSetsFor(present: readonly FingerprintSlot[]): FingerprintSlot[][] {
  if (present.length <= 1) return [[...present]];
  return present.map((_, i) => present.filter((_, j) => j !== i));
}

function slotKey(
  components: MachineComponents,
  set: readonly FingerprintSlot[],
  salt: Uint8Array,
): Uint8Array | undefined {
  const values = set.map((slot) => components[slot]);
  if (values.some((value) => value === undefined || value === '')) return undefined;
  const ikm = utf8(JSON.stringify(values));
  return new Uint8Array(hkdfSync('sha256', ikm, salt, SLOT_INFO + set.join('+'), 32));
}

function seal(key: Uint8Array, plaintext: Uint8Array, aad: Uint8Array) {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv).setAAD(aad);
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return { iv, ciphertext, tag: cipher.getAuthTag() };
}

function unseal(
  key: Uint8Array,
  box: { iv: Uint8Array; ciphertext: Uint8Array; tag: Uint8Array },
  aad: Uint8Array,
): Uint8Array | undefined {
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, box.iv).setAAD(aad);
    decipher.setAuthTag(box.tag);
    return new Uint8Array(Buffer.concat([decipher.update(box.ciphertext), decipher.final()]));
  } catch {
    return undefined;
  }
}

interface Slot {
  readonly set: FingerprintSlot[];
  readonly salt: Uint8Array;
  readonly box: { iv: Uint8Array; ciphertext: Uint8Array; tag: Uint8Array };
}

export function openFileStore(dir: string, components: MachineComponents): ClientStore {
  if (typeof dir !== 'string' || dir === '') throw new TypeError('dir must be a directory path');
  const identity: MachineComponents = { ...components };
  const present = FINGERPRINT_SLOTS.filter((slot) => (identity[slot] ?? '') !== '');
  if (present.length === 0) {
    throw new TypeError('openFileStore needs at least one machine component to bind the store to');
  }
  const path = join(dir, FILE_NAME);
  /** The data key of the file last loaded or saved, kept so that saving re-wraps the same key. */
  let dataKey: Uint8Array | undefined;

  const unreadable = (problem: string): never => {
    throw new AirlockError(
      'STORE_UNREADABLE',
      `The activation store ${path} ${problem}; it may have been damaged or tampered with. Move it away and activate again.`,
      { path },
    );
  };

  return {
    path,
    async load() {
      let bytes: Uint8Array;
      try {
        bytes = await readFileBounded(path, MAX_STORE_BYTES, 'activation store');
      } catch (error) {
        if (error instanceof AirlockError && error.code === 'FILE_NOT_FOUND') return undefined;
        if (error instanceof AirlockError && error.code === 'FORMAT_INVALID') {
          // Too large or not a regular file: the message already says which.
          throw new AirlockError('STORE_UNREADABLE', error.message, { ...error.details });
        }
        throw error;
      }
      const file = parseStoreFile(bytes, unreadable);
      let key: Uint8Array | undefined;
      for (const slot of file.slots) {
        const kek = slotKey(identity, slot.set, slot.salt);
        const unwrapped = kek && unseal(kek, slot.box, utf8(SLOT_INFO + slot.set.join('+')));
        if (unwrapped?.length === 32) {
          key = unwrapped;
          break;
        }
      }
      if (key === undefined) {
        throw new AirlockError(
          'STORE_FOREIGN',
          `This activation store (${path}) was made on another machine, or this machine's identity changed too much: none of its key slots opens here. Move it away and activate this machine again.`,
          { path },
        );
      }
      const plaintext = unseal(key, file.state, STATE_AAD);
      if (plaintext === undefined) return unreadable('failed its integrity check');
      let state: unknown;
      try {
        state = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(plaintext));
      } catch {
        return unreadable('holds a state that is not valid JSON');
      }
      dataKey = key;
      return state;
    },

    async save(state) {
      const text: unknown = JSON.stringify(state);
      if (typeof text !== 'string') throw new TypeError('the stored state must be a JSON value');
      const key = dataKey ?? new Uint8Array(randomBytes(32));
      const slots = slotSetsFor(present).map((set) => {
        const salt = randomBytes(16);
        const name = set.join('+');
        const box = seal(slotKey(identity, set, salt)!, key, utf8(SLOT_INFO + name));
        return { slot: name, salt: b64.encode(salt), ...encodeBox(box, 'wrapped') };
      });
      const file = { format: FORMAT, slots, ...encodeBox(seal(key, utf8(text), STATE_AAD)) };
      try {
        await mkdir(dir, { recursive: true, mode: 0o700 });
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code !== 'EEXIST' && code !== 'ENOTDIR') throw error;
        throw new AirlockError(
          'FILE_EXISTS',
          `The activation store ${dir} cannot be created: a file is in the way.`,
        );
      }
      await writeFileAtomic(path, JSON.stringify(file) + '\n', { mode: 0o600 });
      dataKey = key;
    },
  };
}

function encodeBox(
  box: { iv: Uint8Array; ciphertext: Uint8Array; tag: Uint8Array },
  name = 'ciphertext',
) {
  return { iv: b64.encode(box.iv), [name]: b64.encode(box.ciphertext), tag: b64.encode(box.tag) };
}

/** Strict shape check of the file: exact fields, known slot names, exact byte lengths. */
function parseStoreFile(
  bytes: Uint8Array,
  unreadable: (problem: string) => never,
): { slots: Slot[]; state: Slot['box'] } {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    return unreadable('is not valid JSON (it may be truncated)');
  }
  const record = (value: unknown, fields: readonly string[], what: string) => {
    const ok =
      typeof value === 'object' &&
      value !== null &&
      !Array.isArray(value) &&
      Object.keys(value).length === fields.length &&
      fields.every((field) => Object.hasOwn(value, field));
    return ok ? (value as Record<string, unknown>) : unreadable(`has a malformed ${what}`);
  };
  const field = (value: unknown, length: number | undefined, what: string): Uint8Array => {
    let out: Uint8Array | undefined;
    try {
      if (typeof value === 'string') out = b64.decode(value);
    } catch {
      out = undefined;
    }
    if (out === undefined || (length !== undefined && out.length !== length)) {
      return unreadable(`has a malformed ${what}`);
    }
    return out;
  };
  const file = record(json, ['format', 'slots', 'iv', 'ciphertext', 'tag'], 'header');
  if (file['format'] !== FORMAT) return unreadable(`is not an Airlock store (format ${FORMAT})`);
  const rawSlots = file['slots'];
  if (
    !Array.isArray(rawSlots) ||
    rawSlots.length === 0 ||
    rawSlots.length > FINGERPRINT_SLOTS.length
  ) {
    return unreadable('has a malformed list of key slots');
  }
  const seen = new Set<string>();
  const slots = rawSlots.map((raw: unknown): Slot => {
    const slot = record(raw, ['slot', 'salt', 'iv', 'wrapped', 'tag'], 'key slot');
    const name = slot['slot'];
    const set = typeof name === 'string' ? name.split('+') : [];
    const canonical = FINGERPRINT_SLOTS.filter((s) => set.includes(s));
    const known = typeof name === 'string' && canonical.length > 0 && canonical.join('+') === name;
    if (!known || seen.has(name)) {
      return unreadable('has a key slot with an unknown or repeated name');
    }
    seen.add(name);
    return {
      set: canonical,
      salt: field(slot['salt'], 16, 'key slot salt'),
      box: {
        iv: field(slot['iv'], 12, 'key slot IV'),
        ciphertext: field(slot['wrapped'], 32, 'wrapped key'),
        tag: field(slot['tag'], 16, 'key slot tag'),
      },
    };
  });
  const state = {
    iv: field(file['iv'], 12, 'IV'),
    ciphertext: field(file['ciphertext'], undefined, 'ciphertext'),
    tag: field(file['tag'], 16, 'tag'),
  };
  return { slots, state };
}
