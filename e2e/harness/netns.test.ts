import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { which } from '../../deploy/images/exec.ts';
import { createNetns, nodeAddress } from './netns.ts';

describe('nodeAddress', () => {
  it('maps the octet to 10.250.n.1/24 and rejects out-of-range values', () => {
    assert.deepEqual(nodeAddress(7), { ip: '10.250.7.1', cidr: '10.250.7.1/24' });
    assert.throws(() => nodeAddress(0), RangeError);
    assert.throws(() => nodeAddress(255), RangeError);
    assert.throws(() => nodeAddress(1.5), RangeError);
  });
});

describe('createNetns (real)', () => {
  it('creates an isolated namespace with a node address and no default route, and destroys it', async (t) => {
    if (process.getuid?.() !== 0) return t.skip('needs root (ip netns add)');
    for (const tool of ['ip', 'nsenter', 'sleep']) if (!(await which(tool))) return t.skip(`missing tool: ${tool}`);
    const ns = await createNetns();
    try {
      assert.match(ns.name, /^skiff-e2e-[0-9a-f]{8}$/);
      assert.ok(existsSync(`/run/netns/${ns.name}`));
      const addrs = await ns.run('ip', ['-o', '-4', 'addr', 'show']);
      assert.match(addrs, /lo\s+inet 127\.0\.0\.1\/8/);
      assert.ok(addrs.includes(`inet ${ns.nodeCIDR}`), `node address missing in: ${addrs}`);
      const link = await ns.run('ip', ['-o', 'link', 'show', ns.device]);
      assert.match(link, /state UP|LOWER_UP/);
      assert.equal((await ns.run('ip', ['route', 'show', 'default'])).trim(), '');
      // Only the node subnet is routable; anything else is unreachable from inside.
      const route = await ns.runAllowFail('ip', ['route', 'get', '192.0.2.1']);
      assert.notEqual(route.code, 0, `unexpected route out: ${route.stdout}`);
      // The host's interfaces are not visible inside.
      const links = await ns.run('ip', ['-o', 'link', 'show']);
      assert.deepEqual(
        links
          .split('\n')
          .filter(Boolean)
          .map((l) => l.split(':')[1]?.trim().split('@')[0])
          .sort(),
        ['lo', 'skiff-node', 'skiff-peer'],
      );
      // A process started inside shows up in `ip netns pids` and is killed by destroy().
      const sleeper = ns.runAllowFail('sleep', ['300']);
      let pids: number[] = [];
      for (let i = 0; i < 50 && pids.length === 0; i++) {
        await new Promise((r) => setTimeout(r, 50));
        pids = await ns.pids();
      }
      assert.equal(pids.length, 1, 'the sleep process should be listed');
      await ns.destroy();
      const r = await sleeper;
      assert.equal(r.code, -1, 'sleep was killed');
      assert.ok(!existsSync(`/run/netns/${ns.name}`));
    } finally {
      await ns.destroy();
    }
  });
});
