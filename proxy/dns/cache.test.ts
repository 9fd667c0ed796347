/** The forwarder cache: positive and negative TTLs, caps, ageing, expiry, eviction. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Answer } from 'dns-packet';
import { cacheKey, cacheSeconds, ResponseCache, type CachedAnswer } from './cache.ts';

const a = (ttl: number, ip = '192.0.2.1'): Answer => ({ name: 'example.test', type: 'A', class: 'IN', ttl, data: ip });
const soa = (ttl: number, minimum: number): Answer => ({
  name: 'test', type: 'SOA', class: 'IN', ttl, data: { mname: 'ns.test', rname: 'h.test', serial: 1, refresh: 1, retry: 1, expire: 1, minimum },
});
const value = (rcode: string, answers: Answer[], authorities: Answer[] = []): CachedAnswer => ({ rcode, answers, authorities, additionals: [] });

test('cacheSeconds: smallest answer TTL, capped; negative from the SOA; errors never', () => {
  const cases: Array<[CachedAnswer, number]> = [
    [value('NOERROR', [a(60), a(20, '192.0.2.2')]), 20],
    [value('NOERROR', [a(86400)]), 300],
    [value('NOERROR', [a(0)]), 0],
    [value('NXDOMAIN', [], [soa(3600, 900)]), 30],
    [value('NXDOMAIN', [], [soa(10, 900)]), 10],
    [value('NOERROR', [], [soa(600, 7)]), 7],
    [value('NXDOMAIN', []), 0],
    [value('SERVFAIL', []), 0],
    [value('REFUSED', [], [soa(60, 60)]), 0],
  ];
  for (const [v, want] of cases) assert.equal(cacheSeconds(v, 300, 30), want, JSON.stringify(v));
});

test('entries age with the clock and expire', () => {
  let now = 1_000_000;
  const cache = new ResponseCache({ now: () => now });
  const key = cacheKey('Example.Test.', 'A');
  assert.equal(key, 'example.test|A|IN');
  assert.equal(cache.put(key, value('NOERROR', [a(60)])), 60);
  now += 25_500;
  assert.deepEqual(cache.get(key)?.answers, [a(35)]);
  now += 34_500;
  assert.equal(cache.get(key), undefined);
  assert.equal(cache.size, 0);
});

test('an uncacheable answer is not stored; the oldest entry is evicted past maxEntries', () => {
  const cache = new ResponseCache({ now: () => 0, maxEntries: 2 });
  assert.equal(cache.put('x', value('SERVFAIL', [])), 0);
  assert.equal(cache.size, 0);
  cache.put('1', value('NOERROR', [a(60)]));
  cache.put('2', value('NOERROR', [a(60)]));
  cache.put('1', value('NOERROR', [a(60)])); // refreshed: now the newest
  cache.put('3', value('NOERROR', [a(60)]));
  assert.equal(cache.get('2'), undefined);
  assert.ok(cache.get('1'));
  assert.ok(cache.get('3'));
});
