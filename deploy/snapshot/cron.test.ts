import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cronMatches, nextCronTime, parseCron, parseGoDuration, type CronFields } from './cron.ts';

const utc = { utc: true };
const at = (iso: string): Date => new Date(iso);
const fields = (spec: string): CronFields => {
  const s = parseCron(spec);
  assert.ok(!('error' in s) && s.kind === 'fields', `${spec}: ${JSON.stringify(s)}`);
  return s;
};

test('nextCronTime: table of specs, from a start time, in UTC', () => {
  const cases: Array<[spec: string, after: string, next: string]> = [
    ['0 */12 * * *', '2026-03-10T05:17:00Z', '2026-03-10T12:00:00Z'],
    ['0 */12 * * *', '2026-03-10T12:00:00Z', '2026-03-11T00:00:00Z'], // strictly after
    ['0 */12 * * *', '2026-12-31T23:59:59Z', '2027-01-01T00:00:00Z'],
    ['*/15 * * * *', '2026-03-10T05:17:42Z', '2026-03-10T05:30:00Z'],
    ['5 4 * * *', '2026-03-10T04:05:00Z', '2026-03-11T04:05:00Z'],
    ['0 0 1 * *', '2026-01-31T10:00:00Z', '2026-02-01T00:00:00Z'],
    ['0 0 29 2 *', '2026-03-01T00:00:00Z', '2028-02-29T00:00:00Z'], // leap day
    ['30 8 * * mon-fri', '2026-03-13T09:00:00Z', '2026-03-16T08:30:00Z'], // Fri after 08:30 → Mon
    ['0 0 * * 7', '2026-03-10T00:00:00Z', '2026-03-15T00:00:00Z'], // 7 is Sunday
    ['0 0 13 * fri', '2026-03-10T00:00:00Z', '2026-03-13T00:00:00Z'], // both restricted: 13th OR Friday (13th is a Friday here)
    ['0 0 1 * fri', '2026-03-10T00:00:00Z', '2026-03-13T00:00:00Z'], // Friday the 13th comes before April 1st
    ['0 0 */10 * fri', '2026-03-12T00:00:00Z', '2026-05-01T00:00:00Z'], // dom starts with *: AND, the first Friday on day 1, 11, 21 or 31
    ['0 12 * jun *', '2026-03-10T00:00:00Z', '2026-06-01T12:00:00Z'],
    ['0 0-6/3 * * *', '2026-03-10T04:00:00Z', '2026-03-10T06:00:00Z'],
    ['10,20,40 * * * *', '2026-03-10T04:25:00Z', '2026-03-10T04:40:00Z'],
    ['15/20 * * * *', '2026-03-10T04:36:00Z', '2026-03-10T04:55:00Z'],
    ['@hourly', '2026-03-10T04:25:00Z', '2026-03-10T05:00:00Z'],
    ['@daily', '2026-03-10T04:25:00Z', '2026-03-11T00:00:00Z'],
    ['@midnight', '2026-03-10T04:25:00Z', '2026-03-11T00:00:00Z'],
    ['@weekly', '2026-03-10T04:25:00Z', '2026-03-15T00:00:00Z'],
    ['@monthly', '2026-03-10T04:25:00Z', '2026-04-01T00:00:00Z'],
    ['@yearly', '2026-03-10T04:25:00Z', '2027-01-01T00:00:00Z'],
    ['@every 1h30m', '2026-03-10T04:25:10.500Z', '2026-03-10T05:55:10Z'],
  ];
  for (const [spec, after, next] of cases) {
    const s = parseCron(spec);
    assert.ok(!('error' in s), spec);
    assert.equal(nextCronTime(s, at(after), utc)?.toISOString(), at(next).toISOString(), `${spec} after ${after}`);
  }
});

test('a dom starting with * and a restricted dow must both match', () => {
  // */10 is days 1, 11, 21, 31; with fri (AND) the next is a Friday on one of them.
  const s = fields('0 0 */10 * fri');
  const next = nextCronTime(s, at('2026-03-12T00:00:00Z'), utc);
  assert.ok(next);
  assert.equal(next.getUTCDay(), 5);
  assert.ok([1, 11, 21, 31].includes(next.getUTCDate()), next.toISOString());
});

test('nextCronTime gives up on a spec that never fires', () => {
  const s = fields('0 0 30 2 *');
  assert.equal(nextCronTime(s, at('2026-01-01T00:00:00Z'), utc), undefined);
});

test('the default schedule in local time fires at local 00:00 and 12:00', () => {
  const s = fields('0 */12 * * *');
  const first = nextCronTime(s, new Date(2026, 2, 10, 5, 17));
  assert.deepEqual(first, new Date(2026, 2, 10, 12, 0));
  assert.deepEqual(nextCronTime(s, first ?? new Date()), new Date(2026, 2, 11, 0, 0));
});

test('cronMatches checks the minute containing the time', () => {
  const s = fields('0 */12 * * *');
  assert.equal(cronMatches(s, at('2026-03-10T12:00:59Z'), utc), true);
  assert.equal(cronMatches(s, at('2026-03-10T12:01:00Z'), utc), false);
  assert.equal(cronMatches(s, at('2026-03-10T06:00:00Z'), utc), false);
});

test('parseCron: errors name the field and the problem', () => {
  const cases: Array<[string, RegExp]> = [
    ['0 */12 * *', /expected 5 fields.*got 4/],
    ['0 */12 * * * *', /expected 5 fields.*got 6/],
    ['61 * * * *', /^minute: 61 is out of range 0-59$/],
    ['* 24 * * *', /^hour: 24 is out of range 0-23$/],
    ['* * 0 * *', /^day of month: 0 is out of range 1-31$/],
    ['* * * 13 *', /^month: 13 is out of range 1-12$/],
    ['* * * * 8', /^day of week: 8 is out of range 0-7$/],
    ['*/0 * * * *', /step "0" must be a positive number/],
    ['5-1 * * * *', /starts after it ends/],
    ['x * * * *', /"x" is not a number/],
    ['* * * foo *', /"foo" is not a number or a name/],
    ['1,,2 * * * *', /"" is not a number/],
    ['@sometimes', /unknown descriptor/],
    ['@every soon', /@every needs a duration/],
    ['@every 10ms', /at least 1s/],
  ];
  for (const [spec, want] of cases) {
    const r = parseCron(spec);
    assert.ok('error' in r, `${spec} should fail`);
    assert.match(r.error, want, spec);
  }
});

test('parseCron: names are case-insensitive and whitespace is free', () => {
  const s = fields('  0  0   *  JAN,Jul  SUN ');
  assert.deepEqual([1, 7].map((m) => s.month[m]), [true, true]);
  assert.equal(s.month[2], false);
  assert.equal(s.dayOfWeek[0], true);
});

test('parseGoDuration: Go duration units', () => {
  const cases: Array<[string, number | undefined]> = [
    ['1h30m', 5_400_000], ['90s', 90_000], ['1.5h', 5_400_000], ['250ms', 250], ['2h0m5s', 7_205_000], ['', undefined], ['5', undefined], ['1d', undefined],
  ];
  for (const [text, ms] of cases) assert.equal(parseGoDuration(text), ms, text);
});
