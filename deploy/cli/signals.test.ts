import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { shutdownSignal } from './signals.ts';

/** Just enough of NodeJS.Process for shutdownSignal. */
class FakeProc extends EventEmitter {
  env: Record<string, string> = {};
  ppid = 100;
  exits: number[] = [];
  exit(code: number): void { this.exits.push(code); }
}

test('shutdownSignal: first SIGTERM aborts, a second SIGINT exits 130', () => {
  const proc = new FakeProc();
  const reasons: string[] = [];
  const signal = shutdownSignal({ proc: proc as unknown as NodeJS.Process, onAbort: (r) => reasons.push(r) });
  assert.equal(signal.aborted, false);
  proc.emit('SIGTERM');
  assert.equal(signal.aborted, true);
  assert.deepEqual(reasons, ['received SIGTERM']);
  assert.deepEqual(proc.exits, []);
  proc.emit('SIGINT');
  assert.deepEqual(proc.exits, [130]);
});

test('shutdownSignal: SIGHUP (terminal closed) also stops', () => {
  const proc = new FakeProc();
  const signal = shutdownSignal({ proc: proc as unknown as NodeJS.Process });
  proc.emit('SIGHUP');
  assert.equal(signal.aborted, true);
  assert.match(String((signal.reason as Error).message), /received SIGHUP/);
});

test('shutdownSignal: aborts when the supervising parent is gone', async () => {
  const proc = new FakeProc();
  proc.env.SKIFF_PARENT_PID = '100';
  const signal = shutdownSignal({ proc: proc as unknown as NodeJS.Process, parentCheckMs: 10 });
  await new Promise((r) => setTimeout(r, 40));
  assert.equal(signal.aborted, false, 'parent still there');
  proc.ppid = 1;
  await new Promise((r) => setTimeout(r, 40));
  assert.equal(signal.aborted, true);
  assert.match(String((signal.reason as Error).message), /supervisor \(pid 100\) is gone/);
});
