// Failed sign-ins per client address: after MAX_FAILURES within WINDOW_SECONDS an address is
// refused (429) until its oldest failure leaves the window, so guessing passwords across many
// accounts from one address is as slow as guessing one. The per-account lock-out is in users.ts.

export const MAX_FAILURES = 20;
export const WINDOW_SECONDS = 15 * 60;
/** Addresses remembered at once; beyond this the oldest entries are dropped. */
const MAX_ADDRESSES = 50_000;

export interface SignInThrottle {
  /** Seconds to wait before this address may try again, or 0. */
  retryAfter(address: string, now: number): number;
  failed(address: string, now: number): void;
}

export function createSignInThrottle(): SignInThrottle {
  const failures = new Map<string, number[]>();

  function recent(address: string, now: number): number[] {
    const kept = (failures.get(address) ?? []).filter((at) => now - at < WINDOW_SECONDS);
    if (kept.length === 0) failures.delete(address);
    else failures.set(address, kept);
    return kept;
  }

  return {
    retryAfter(address, now) {
      const kept = recent(address, now);
      return kept.length < MAX_FAILURES ? 0 : kept[0]! + WINDOW_SECONDS - now;
    },
    failed(address, now) {
      const kept = recent(address, now);
      if (!failures.has(address) && failures.size >= MAX_ADDRESSES) {
        failures.delete(failures.keys().next().value!);
      }
      failures.set(address, [...kept, now].slice(-MAX_FAILURES));
    },
  };
}
