/**
 * The forwarder's response cache: upstream answers keyed by (name, type,
 * class), kept for the smallest TTL of their records, negative answers
 * (NXDOMAIN, NODATA) for the SOA's negative TTL (RFC 2308), both capped.
 * TTLs handed out count down with the clock. Bounded: the oldest entry is
 * evicted first. SERVFAIL, REFUSED and truncated answers are not cached.
 * No timers: expiry is checked on read with the injected clock.
 */
import type { Answer } from 'dns-packet';

/** A cacheable upstream answer. */
export interface CachedAnswer {
  /** 'NOERROR' | 'NXDOMAIN' */
  rcode: string;
  answers: Answer[];
  authorities: Answer[];
  additionals: Answer[];
}

/** Cache limits. */
export interface CacheOptions {
  /** Max entries (default 10 000). */
  maxEntries?: number;
  /** Longest time a positive answer is kept, seconds (default 300). */
  maxTtlSeconds?: number;
  /** Longest time a negative answer is kept, seconds (default 30). */
  maxNegativeTtlSeconds?: number;
  /** Milliseconds since the epoch. */
  now: () => number;
}

interface Entry { value: CachedAnswer; storedMs: number; expiresMs: number }

const ttlOf = (a: Answer): number => ('ttl' in a && typeof a.ttl === 'number' ? a.ttl : 0);

/** The cache key of a question. */
export function cacheKey(name: string, type: string, klass = 'IN'): string {
  return `${name.toLowerCase().replace(/\.+$/, '')}|${type}|${klass}`;
}

/** How long `value` may be cached, seconds (0: not cacheable). Pure. */
export function cacheSeconds(value: CachedAnswer, maxTtl: number, maxNegative: number): number {
  if (value.rcode === 'NOERROR' && value.answers.length > 0) {
    return Math.min(maxTtl, ...value.answers.map(ttlOf));
  }
  if (value.rcode !== 'NOERROR' && value.rcode !== 'NXDOMAIN') return 0;
  const soa = value.authorities.find((a) => a.type === 'SOA');
  if (!soa || soa.type !== 'SOA') return 0;
  return Math.min(maxNegative, ttlOf(soa), soa.data.minimum ?? 0);
}

/** See the file doc. */
export class ResponseCache {
  private readonly entries = new Map<string, Entry>();
  private readonly max: number;
  private readonly maxTtl: number;
  private readonly maxNegative: number;

  constructor(private readonly opts: CacheOptions) {
    this.max = opts.maxEntries ?? 10_000;
    this.maxTtl = opts.maxTtlSeconds ?? 300;
    this.maxNegative = opts.maxNegativeTtlSeconds ?? 30;
  }

  /** Number of live-or-expired entries held (for tests and metrics). */
  get size(): number {
    return this.entries.size;
  }

  /** Stores `value` under `key` if it is cacheable; returns the seconds it will be kept (0: not stored). */
  put(key: string, value: CachedAnswer): number {
    const seconds = cacheSeconds(value, this.maxTtl, this.maxNegative);
    if (seconds <= 0) return 0;
    const now = this.opts.now();
    this.entries.delete(key);
    this.entries.set(key, { value, storedMs: now, expiresMs: now + seconds * 1000 });
    while (this.entries.size > this.max) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
    return seconds;
  }

  /** The answer under `key` with TTLs reduced by its age, or undefined when absent or expired. */
  get(key: string): CachedAnswer | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    const now = this.opts.now();
    if (now >= e.expiresMs) {
      this.entries.delete(key);
      return undefined;
    }
    const age = Math.floor((now - e.storedMs) / 1000);
    const age1 = (a: Answer): Answer => (a.type === 'OPT' || !('ttl' in a) || typeof a.ttl !== 'number' ? a : { ...a, ttl: Math.max(0, a.ttl - age) } as Answer);
    return { rcode: e.value.rcode, answers: e.value.answers.map(age1), authorities: e.value.authorities.map(age1), additionals: e.value.additionals.map(age1) };
  }
}
