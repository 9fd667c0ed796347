import { test } from 'node:test';
import assert from 'node:assert/strict';
import { firstFree, inPool, parseLBPool, type LBPool } from './pool.ts';

function pool(text: string): LBPool {
  const p = parseLBPool(text);
  if ('error' in p) throw new Error(p.error);
  return p;
}

test('parseLBPool: ranges, CIDRs and single addresses; sizes', () => {
  const cases: Array<{ text: string; size: number; first: string; last: string }> = [
    { text: '192.168.1.240-192.168.1.250', size: 11, first: '192.168.1.240', last: '192.168.1.250' },
    { text: '10.0.0.8/29', size: 6, first: '10.0.0.9', last: '10.0.0.14' },
    { text: '10.0.0.8/31', size: 2, first: '10.0.0.8', last: '10.0.0.9' },
    { text: '10.0.0.7', size: 1, first: '10.0.0.7', last: '10.0.0.7' },
    { text: ' 10.0.0.20 - 10.0.0.21 , 10.0.0.7/32 ', size: 3, first: '10.0.0.7', last: '10.0.0.21' },
  ];
  for (const c of cases) {
    const p = pool(c.text);
    assert.equal(p.size, c.size, c.text);
    assert.equal(firstFree(p, new Set()), c.first, c.text);
    assert.ok(inPool(p, c.last), `${c.text} holds ${c.last}`);
  }
});

test('parseLBPool: errors name the problem', () => {
  const cases: Array<[string, RegExp]> = [
    ['', /empty/],
    ['10.0.0.300', /invalid IPv4/],
    ['10.0.0.9-10.0.0.1', /ends before it starts/],
    ['10.0.0.1/24', /host bits/],
    ['10.0.0.1-10.0.0.5,10.0.0.5', /twice/],
    ['10.0.0.0/8', /at most 65536/],
    ['10.0.0.1-10.0.0.2-10.0.0.3', /not an address/],
    ['fe80::1', /invalid IPv4/],
  ];
  for (const [text, want] of cases) {
    const p = parseLBPool(text);
    assert.ok('error' in p, text);
    assert.match(p.error, want, text);
  }
});

test('inPool and firstFree', () => {
  const p = pool('10.77.0.240-10.77.0.242,10.77.0.250');
  assert.equal(inPool(p, '10.77.0.241'), true);
  assert.equal(inPool(p, '10.77.0.243'), false);
  assert.equal(inPool(p, '10.77.0.250'), true);
  assert.equal(inPool(p, 'nonsense'), false);
  assert.equal(firstFree(p, new Set(['10.77.0.240'])), '10.77.0.241');
  assert.equal(firstFree(p, new Set(['10.77.0.240', '10.77.0.241', '10.77.0.242'])), '10.77.0.250');
  assert.equal(firstFree(p, new Set(['10.77.0.240', '10.77.0.241', '10.77.0.242', '10.77.0.250'])), undefined);
});
