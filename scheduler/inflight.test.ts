import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InFlight } from './inflight.ts';

test('slot waits while max tasks run; idle waits for all; failures are swallowed', async () => {
  const f = new InFlight(2);
  const gates: (() => void)[] = [];
  const task = (fail = false) => () => new Promise<void>((resolve, reject) => gates.push(() => (fail ? reject(new Error('x')) : resolve())));
  await f.slot();
  f.run(task(true));
  await f.slot();
  f.run(task());
  const slot = f.slot().then(() => 'free');
  assert.equal(await Promise.race([slot, Promise.resolve('full')]), 'full');
  gates[0]();
  await slot;
  assert.equal(f.size, 1);
  const idle = f.idle();
  gates[1]();
  await idle;
  assert.equal(f.size, 0);
  assert.throws(() => new InFlight(0));
});
