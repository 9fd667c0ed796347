import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, existsSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { createLogger } from '../../apiserver/api/log.ts';
import { Supervisor, type SupervisorEvent } from './supervisor.ts';
import { waitFor } from '../../testutil/wait.ts';

const fastPolicy = { initialDelayMs: 50, maxDelayMs: 200, resetAfterMs: 60_000 };

function setup(): { dir: string; out: PassThrough; text: () => string; events: SupervisorEvent[]; sup: Supervisor } {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-sup-'));
  const out = new PassThrough();
  let buf = '';
  out.on('data', (c: Buffer) => { buf += c.toString(); });
  const events: SupervisorEvent[] = [];
  const sup = new Supervisor({
    runDir: join(dir, 'run'), out, policy: fastPolicy,
    log: createLogger('test', new PassThrough()),
    onEvent: (e) => events.push(e),
  });
  return { dir, out, text: () => buf, events, sup };
}

/** Polls through the shared testutil waitFor (a throwing check counts as not yet). */
const until = (cond: () => boolean, timeoutMs = 20_000): Promise<boolean> => waitFor(() => cond(), timeoutMs, 'the condition', 20);

test('supervisor restarts a crashing child with growing backoff and prefixes its output', async () => {
  const { dir, text, events, sup } = setup();
  const script = join(dir, 'crash.mjs');
  writeFileSync(script, "console.log('hello from child'); console.error('about to crash'); setTimeout(() => process.exit(3), 30);\n");
  sup.add({ name: 'crasher', command: process.execPath, args: [script] });
  await until(() => sup.restarts('crasher') >= 3);
  // Stop while a restart is pending: the dead child's pid file must not stay behind.
  await until(() => events.at(-1)?.type === 'restart-scheduled');
  await sup.stopAll();
  const delays = events.flatMap((e) => (e.type === 'restart-scheduled' ? [e.delayMs] : []));
  assert.deepEqual(delays.slice(0, 3), [50, 100, 200]);
  const exits = events.filter((e) => e.type === 'exited');
  assert.ok(exits.length >= 3);
  const crashCodes = exits.slice(0, 3).map((e) => (e.type === 'exited' ? e.code : undefined));
  assert.deepEqual(crashCodes, [3, 3, 3]);
  assert.match(text(), /^crasher {12}\| hello from child$/m);
  assert.match(text(), /^crasher {12}\| about to crash$/m);
  assert.equal(existsSync(join(dir, 'run', 'crasher.pid')), false, 'pid file removed after stop');
  rmSync(dir, { recursive: true, force: true });
});

test('supervisor restarts a child killed with SIGKILL and rewrites its pid file', async () => {
  const { dir, sup } = setup();
  const script = join(dir, 'sleep.mjs');
  writeFileSync(script, 'setInterval(() => {}, 1000);\n');
  sup.add({ name: 'sleeper', command: process.execPath, args: [script] });
  await until(() => sup.pid('sleeper') !== undefined);
  const pidFile = join(dir, 'run', 'sleeper.pid');
  const first = Number(readFileSync(pidFile, 'utf8').trim());
  assert.equal(first, sup.pid('sleeper'));
  process.kill(first, 'SIGKILL');
  await until(() => sup.restarts('sleeper') === 1 && sup.pid('sleeper') !== undefined);
  const second = Number(readFileSync(pidFile, 'utf8').trim());
  assert.notEqual(second, first);
  assert.equal(second, sup.pid('sleeper'));
  await sup.stopAll();
  assert.equal(sup.pid('sleeper'), undefined);
  assert.throws(() => process.kill(second, 0), /ESRCH/);
  rmSync(dir, { recursive: true, force: true });
});

test('supervisor stops in reverse order and escalates to SIGKILL when SIGTERM is ignored', async () => {
  const { dir, text, events, sup } = setup();
  const stubborn = join(dir, 'stubborn.mjs');
  writeFileSync(stubborn, "process.on('SIGTERM', () => {}); console.log('ready'); setInterval(() => {}, 1000);\n");
  const polite = join(dir, 'polite.mjs');
  writeFileSync(polite, "process.on('SIGTERM', () => process.exit(0)); console.log('ready'); setInterval(() => {}, 1000);\n");
  sup.add({ name: 'first', command: process.execPath, args: [polite] });
  sup.add({ name: 'second', command: process.execPath, args: [stubborn], stopTimeoutMs: 300 });
  // Each child prints 'ready' only after installing its SIGTERM handler (a fixed sleep raced a loaded machine).
  await until(() => (text().match(/\bready\b/g) ?? []).length >= 2);
  const t0 = Date.now();
  await sup.stopAll();
  const took = Date.now() - t0;
  const stops = events.flatMap((e) => (e.type === 'stopped' ? [e.name] : []));
  assert.deepEqual(stops, ['second', 'first']);
  const secondExit = events.find((e) => e.type === 'exited' && e.name === 'second');
  assert.ok(secondExit && secondExit.type === 'exited' && secondExit.signal === 'SIGKILL');
  const firstExit = events.find((e) => e.type === 'exited' && e.name === 'first');
  assert.ok(firstExit && firstExit.type === 'exited' && firstExit.code === 0);
  assert.ok(took >= 300, `escalation waited for the timeout (${took} ms)`);
  assert.equal(events.filter((e) => e.type === 'restart-scheduled').length, 0, 'no restarts while stopping');
  rmSync(dir, { recursive: true, force: true });
});

test('supervisor keeps retrying a command that cannot be spawned', async () => {
  const { dir, events, sup } = setup();
  sup.add({ name: 'missing', command: join(dir, 'no-such-binary'), args: [] });
  await until(() => events.filter((e) => e.type === 'restart-scheduled').length >= 2);
  await sup.stopAll();
  assert.equal(sup.pid('missing'), undefined);
  assert.equal(existsSync(join(dir, 'run', 'missing.pid')), false);
  rmSync(dir, { recursive: true, force: true });
});
