import assert from 'node:assert/strict';
import { test } from 'node:test';
import { microTime, rfc3339 } from './time.ts';

test('rfc3339 drops the milliseconds and keeps UTC, for every millisecond value', () => {
  const cases: Array<[number, string]> = [
    [0, '1970-01-01T00:00:00Z'],
    [999, '1970-01-01T00:00:00Z'],
    [Date.UTC(2026, 10, 22, 3, 33, 35, 123), '2026-11-22T03:33:35Z'],
    [Date.UTC(2026, 10, 22, 3, 33, 35, 0), '2026-11-22T03:33:35Z'],
    [Date.UTC(10000, 0, 1), '+010000-01-01T00:00:00Z'],
    [Date.UTC(-1, 0, 1, 0, 0, 0, 5), '-000001-01-01T00:00:00Z'],
  ];
  for (const [ms, want] of cases) assert.equal(rfc3339(ms), want, String(ms));
});

test('microTime pads milliseconds to microseconds', () => {
  assert.equal(microTime(Date.UTC(2026, 10, 22, 3, 33, 35, 123)), '2026-11-22T03:33:35.123000Z');
});
