// Active activations of one license by fingerprint component, so that a challenge is compared
// with a handful of activations, not every one. Each activation is filed under its first two
// present components: a machine matches when at most one present component differs (FORMATS §5),
// so it is equal in one of those two (or in its only one), and looking up every component of a
// challenge finds it. Chains in flat arrays (no array per bucket): a million activations file in
// about a second; removals leave tombstones, swept when they are half the entries.

const SLOTS = 4;
const KEYS_PER_ACTIVATION = 2;
const NONE = -1;

export interface FingerprintIndex {
  /** Bucket key (slot << 16 | tag) → the newest entry of its chain. */
  readonly head: Map<number, number>;
  /** Per entry: the activation ID (NONE once removed), and the entry before it in its chain. */
  readonly ids: number[];
  readonly next: number[];
  dead: number;
}

function tagAt(fingerprintHex: string, slot: number): number {
  return Number.parseInt(fingerprintHex.slice(slot * 4, slot * 4 + 4), 16);
}

function storedKeys(fingerprintHex: string, visit: (key: number) => void): void {
  let filed = 0;
  for (let slot = 0; slot < SLOTS && filed < KEYS_PER_ACTIVATION; slot++) {
    const tag = tagAt(fingerprintHex, slot);
    if (tag !== 0) {
      visit((slot << 16) | tag);
      filed++;
    }
  }
}

export function emptyIndex(): FingerprintIndex {
  return { head: new Map(), ids: [], next: [], dead: 0 };
}

export function indexAdd(index: FingerprintIndex, id: number, fingerprintHex: string): void {
  storedKeys(fingerprintHex, (key) => {
    index.ids.push(id);
    index.next.push(index.head.get(key) ?? NONE);
    index.head.set(key, index.ids.length - 1);
  });
}

export function indexRemove(index: FingerprintIndex, id: number, fingerprintHex: string): void {
  storedKeys(fingerprintHex, (key) => {
    for (let e = index.head.get(key) ?? NONE; e !== NONE; e = index.next[e]!) {
      if (index.ids[e] === id) {
        index.ids[e] = NONE;
        index.dead++;
        return;
      }
    }
  });
}

/** True when tombstones are half the entries: time to rebuild. */
export function indexWorn(index: FingerprintIndex): boolean {
  return index.dead > 64 && index.dead * 2 > index.ids.length;
}

/** Activation IDs filed under any present component of this fingerprint, ascending. */
export function indexLookup(index: FingerprintIndex, fingerprintHex: string): number[] {
  const found = new Set<number>();
  for (let slot = 0; slot < SLOTS; slot++) {
    const tag = tagAt(fingerprintHex, slot);
    if (tag === 0) continue;
    for (let e = index.head.get((slot << 16) | tag) ?? NONE; e !== NONE; e = index.next[e]!) {
      const id = index.ids[e]!;
      if (id !== NONE) found.add(id);
    }
  }
  return [...found].sort((a, b) => a - b);
}
