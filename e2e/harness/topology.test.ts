import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { which } from '../../deploy/images/exec.ts';
import { httpGet, startRegistry, type Registry } from '../../deploy/images/registry.ts';
import { waitFor } from '../../testutil/wait.ts';
import { createTopology, topologyAddresses, type Topology } from './topology.ts';

describe('topologyAddresses', () => {
  it('numbers nodes from .1, the laptop .100, the bridge .254', () => {
    assert.deepEqual(topologyAddresses(3), { bridge: '10.77.0.254', laptop: '10.77.0.100', nodes: ['10.77.0.1', '10.77.0.2', '10.77.0.3'], prefix: 24 });
    assert.deepEqual(topologyAddresses(1, '192.168.9').nodes, ['192.168.9.1']);
    for (const bad of [0, 100, 2.5]) assert.throws(() => topologyAddresses(bad), RangeError);
    for (const bad of ['10.77', '10.77.0.0', '10.300.0']) assert.throws(() => topologyAddresses(2, bad), /three octets/);
  });
});

/** The registry's /v2/ answer, as distribution serves it (checked by body and header: stray answers must not count). */
async function registryAnswers(from: string, url: string): Promise<boolean> {
  const r = await httpGet(`${url}/v2/`, from);
  return r.status === 200 && r.body.trim() === '{}' && /docker-distribution-api-version: registry\/2\.0/i.test(r.headers);
}

describe('createTopology (real)', { timeout: 120_000 }, () => {
  it('joins nodes and laptop on one bridge, reaches the registry, has no default route, and a cut isolates one node', async (t) => {
    if (process.getuid?.() !== 0) return t.skip('needs root (ip netns add)');
    for (const tool of ['ip', 'nsenter', 'curl', 'docker-registry']) if (!(await which(tool))) return t.skip(`missing tool: ${tool}`);
    const work = await mkdtemp(join(tmpdir(), 'skiff-topo-'));
    let topo: Topology | undefined;
    let registry: Registry | undefined;
    try {
      topo = await createTopology({ nodes: 3 });
      const { nodes, laptop, bridge } = topo;
      assert.deepEqual(nodes.map((n) => n.ip), ['10.77.0.1', '10.77.0.2', '10.77.0.3']);
      for (const ns of [bridge, ...nodes, laptop]) {
        assert.ok(existsSync(`/run/netns/${ns.name}`), ns.name);
        assert.match(ns.name, /^skiff-e2e-[0-9a-f]{6}-(br|n\d|laptop)$/);
        assert.equal((await ns.run('ip', ['route', 'show', 'default'])).trim(), '', `${ns.name} has a default route`);
        const off = await ns.runAllowFail('ip', ['route', 'get', '192.0.2.1']);
        assert.notEqual(off.code, 0, `${ns.name} can route off the machine: ${off.stdout}`);
      }

      registry = await startRegistry({ addr: `${bridge.ip}:5000`, netns: bridge.name, tmpRoot: work });
      assert.equal(registry.url, 'http://10.77.0.254:5000');
      for (const m of [...nodes, laptop]) assert.ok(await registryAnswers(m.name, registry.url), `${m.name} reaches the registry`);

      // Node to node: n2 serves its caller's address; n1 and the laptop reach it directly (no NAT on the bridge).
      const n2 = nodes[1];
      assert.ok(n2);
      const server = spawn('nsenter', [`--net=/run/netns/${n2.name}`, process.execPath, '-e',
        `require('http').createServer((q, s) => s.end('from=' + q.socket.remoteAddress)).listen(8080, '${n2.ip}', () => console.log('ready'))`],
      { stdio: ['ignore', 'pipe', 'inherit'] });
      await new Promise<void>((resolve, reject) => {
        server.stdout?.on('data', (d: Buffer) => { if (d.toString().includes('ready')) resolve(); });
        server.on('exit', (code) => reject(new Error(`server exited ${code}`)));
      });
      const whoami = `http://${n2.ip}:8080/`;
      for (const m of [nodes[0], nodes[2], laptop]) {
        assert.ok(m);
        assert.equal((await httpGet(whoami, m.name)).body, `from=${m.ip}`);
      }

      // Cut n2: it reaches nothing and nothing reaches it; the others still reach the registry.
      await topo.cut(1);
      assert.equal((await httpGet(whoami, nodes[0]?.name)).status, 0);
      assert.equal(await registryAnswers(n2.name, registry.url), false);
      for (const m of [nodes[0], nodes[2], laptop]) assert.ok(await registryAnswers(m?.name ?? '', registry.url), `${m?.name} still reaches the registry`);

      // Restore: reachable again.
      await topo.restore(1);
      await waitFor(async () => (await httpGet(whoami, nodes[0]?.name)).body === `from=${nodes[0]?.ip}`, 15_000, 'n2 reachable after restore', 200);
      assert.ok(await registryAnswers(n2.name, registry.url));
      server.kill();

      const names = [bridge, ...nodes, laptop].map((n) => n.name);
      await registry.stop();
      await topo.destroy();
      for (const n of names) assert.ok(!existsSync(`/run/netns/${n}`), `${n} deleted`);
    } finally {
      await registry?.stop().catch(() => undefined);
      await topo?.destroy();
      await rm(work, { recursive: true, force: true });
    }
  });
});
