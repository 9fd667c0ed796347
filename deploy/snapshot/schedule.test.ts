import { test } from 'node:test';
import assert from 'node:assert/strict';
import { silentLogger } from '../../apiserver/api/log.ts';
import { parseCron, type CronSchedule } from './cron.ts';
import { runSchedule, startSnapshotSchedule } from './schedule.ts';
import { steppingClock } from './testing.ts';

const cron = (spec: string): CronSchedule => {
  const s = parseCron(spec);
  assert.ok(!('error' in s));
  return s;
};

test('runSchedule runs at each cron time, with the clock at that time, until aborted', async () => {
  const ac = new AbortController();
  const clock = steppingClock(new Date('2026-03-10T05:17:00Z'), 3, ac);
  const runs: string[] = [];
  await runSchedule({ schedule: cron('0 */12 * * *'), clock, utc: true, log: silentLogger(), run: async (at) => { runs.push(at.toISOString()); } }, ac.signal);
  assert.deepEqual(runs, ['2026-03-10T12:00:00.000Z', '2026-03-11T00:00:00.000Z', '2026-03-11T12:00:00.000Z']);
  assert.equal(clock.waits.length, 4, 'a fourth wait, which aborted');
});

test('a failed run is logged and the schedule goes on', async () => {
  const ac = new AbortController();
  const clock = steppingClock(new Date('2026-03-10T00:00:30Z'), 3, ac);
  const errors: string[] = [];
  const log = { ...silentLogger(), error: (m: string) => { errors.push(m); } };
  let n = 0;
  await runSchedule({
    schedule: cron('* * * * *'), clock, utc: true, log,
    run: async () => { n++; if (n === 2) throw new Error('etcd down'); },
  }, ac.signal);
  assert.equal(n, 3);
  assert.deepEqual(errors, ['scheduled etcd snapshot failed']);
});

test('a spec that never fires ends the schedule at once', async () => {
  const ac = new AbortController();
  const warnings: string[] = [];
  const log = { ...silentLogger(), warn: (m: string) => { warnings.push(m); } };
  const clock = steppingClock(new Date('2026-01-01T00:00:00Z'), 1, ac);
  await runSchedule({ schedule: cron('0 0 30 2 *'), clock, utc: true, log, run: async () => assert.fail('must not run') }, ac.signal);
  assert.equal(clock.waits.length, 0);
  assert.equal(warnings.length, 1);
});

test('startSnapshotSchedule does nothing when disabled or unconfigured', async () => {
  const ac = new AbortController();
  const clock = steppingClock(new Date(0), 1, ac);
  const base = { nodeName: 'n1', etcd: { url: 'https://127.0.0.1:1' }, log: silentLogger(), clock };
  await startSnapshotSchedule({ ...base, config: undefined }, ac.signal);
  await startSnapshotSchedule({ ...base, config: { disabled: true, cron: '* * * * *', retention: 5, name: 'etcd-snapshot', dir: '/nonexistent' } }, ac.signal);
  assert.equal(clock.waits.length, 0);
});
