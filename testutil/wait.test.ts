import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { waitFor, WaitTimeoutError } from './wait.ts';

describe('waitFor', () => {
  it('resolves with the first truthy value', async () => {
    let calls = 0;
    const v = await waitFor(() => (++calls >= 3 ? { calls } : undefined), 2_000, 'three calls', 5);
    assert.deepEqual(v, { calls: 3 });
  });

  it('treats a throwing check as not yet', async () => {
    let calls = 0;
    const v = await waitFor(
      () => {
        calls++;
        if (calls < 2) throw new Error('boom');
        return 'ok';
      },
      2_000,
      'recovery',
      5,
    );
    assert.equal(v, 'ok');
  });

  it('accepts 0 as a value (only undefined, null and false mean not yet)', async () => {
    assert.equal(await waitFor(() => 0, 100, 'zero', 5), 0);
  });

  it('times out naming what it waited for and the last note', async () => {
    await assert.rejects(
      waitFor(
        (note) => {
          note('2/3 pods Running');
          return false;
        },
        50,
        'pods Running',
        5,
      ),
      (e: unknown) => {
        assert.ok(e instanceof WaitTimeoutError);
        assert.match(e.message, /waiting for pods Running; last seen: 2\/3 pods Running/);
        return true;
      },
    );
  });

  it('reports the last error message on timeout', async () => {
    await assert.rejects(
      waitFor(() => Promise.reject(new Error('connection refused')), 30, 'api', 5),
      /last seen: connection refused/,
    );
  });
});
