// Per-address token buckets for the activation endpoints: a steady rate with a burst allowance,
// kept in memory in a map of bounded size (the least recently seen address is forgotten first).

import { isIPv6 } from 'node:net';

export interface RateLimitOptions {
  /** Requests per minute an address may make in the long run. */
  readonly perMinute: number;
  /** Requests an idle address may make at once. */
  readonly burst: number;
  /** Addresses remembered at most; default 10 000. */
  readonly maxClients?: number;
}

export const DEFAULT_RATE_LIMIT: RateLimitOptions = { perMinute: 60, burst: 30 };

export type RateDecision =
  | { readonly allowed: true }
  | {
      readonly allowed: false;
      /** Whole seconds until a request is allowed again. */ readonly retryAfter: number;
    };

interface Bucket {
  tokens: number;
  /** Seconds, from the clock given. */
  at: number;
}

export interface RateLimiter {
  take(address: string): RateDecision;
  /** How many addresses are remembered (for tests). */
  readonly size: number;
}

/** `clock` returns seconds (fractions allowed); the appliance's clock works. */
export function createRateLimiter(options: RateLimitOptions, clock: () => number): RateLimiter {
  const { perMinute, burst } = options;
  const maxClients = options.maxClients ?? 10_000;
  if (!(perMinute > 0) || !Number.isFinite(perMinute)) {
    throw new TypeError('rateLimit.perMinute must be a positive number');
  }
  if (!Number.isSafeInteger(burst) || burst < 1) {
    throw new TypeError('rateLimit.burst must be a positive integer');
  }
  if (!Number.isSafeInteger(maxClients) || maxClients < 1) {
    throw new TypeError('rateLimit.maxClients must be a positive integer');
  }
  const perSecond = perMinute / 60;
  const buckets = new Map<string, Bucket>();
  return {
    get size() {
      return buckets.size;
    },
    take(address) {
      const key = clientKey(address);
      const now = clock();
      let bucket = buckets.get(key);
      if (bucket === undefined) {
        bucket = { tokens: burst, at: now };
        if (buckets.size >= maxClients) buckets.delete(buckets.keys().next().value!);
      } else {
        buckets.delete(key); // re-inserted below: the map's order is least recently seen first
        bucket.tokens = Math.min(burst, bucket.tokens + Math.max(0, now - bucket.at) * perSecond);
        bucket.at = now;
      }
      buckets.set(key, bucket);
      if (bucket.tokens >= 1) {
        bucket.tokens -= 1;
        return { allowed: true };
      }
      return {
        allowed: false,
        retryAfter: Math.max(1, Math.ceil((1 - bucket.tokens) / perSecond)),
      };
    },
  };
}

/**
 * The unit a limit applies to: an IPv4 address, or an IPv6 /64 (one host's usual allocation, so a
 * single machine cannot rotate through addresses to escape its limit).
 */
export function clientKey(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return mapped[1]!;
  if (!isIPv6(address)) return address;
  const [head = '', tail = ''] = address.toLowerCase().split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === '' ? [] : tail.split(':');
  const groups = address.includes('::')
    ? [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right]
    : left;
  return `${groups
    .slice(0, 4)
    .map((g) => g.replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}
