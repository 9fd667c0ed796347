import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildImages } from '../../deploy/images/build.ts';
import { which } from '../../deploy/images/exec.ts';
import { waitFor } from '../../testutil/wait.ts';
import { agentArgs, agentFlags, e2eProxyMode, startMultiCluster } from './multi-cluster.ts';

const here = dirname(fileURLToPath(import.meta.url));
const FAKE = [process.execPath, '--import', 'tsx', join(here, 'fake-node.ts')];

describe('e2eProxyMode', () => {
  it('reads SKIFF_E2E_PROXY_MODE, iptables by default, and refuses other values', () => {
    assert.equal(e2eProxyMode({}), 'iptables');
    assert.equal(e2eProxyMode({ SKIFF_E2E_PROXY_MODE: 'nftables' }), 'nftables');
    assert.throws(() => e2eProxyMode({ SKIFF_E2E_PROXY_MODE: 'ipvs' }), /want iptables or nftables/);
  });
});

describe('agentArgs', () => {
  const o = { server: 'https://10.77.0.1:6443', token: 'K10x::a.b', dataDir: '/d', nodeName: 'node-2', nodeIP: '10.77.0.2', registry: 'http://10.77.0.254:5000' };
  it('passes only the flags the agent lists', () => {
    assert.deepEqual(agentArgs(o, new Set(['--server', '--token'])), ['agent', '--server', 'https://10.77.0.1:6443', '--token', 'K10x::a.b']);
    assert.deepEqual(agentArgs(o, new Set(['--server', '--token', '--data-dir', '--node-name', '--node-ip', '--registry-mirror'])), [
      'agent', '--server', 'https://10.77.0.1:6443', '--token', 'K10x::a.b', '--data-dir', '/d', '--node-name', 'node-2', '--node-ip', '10.77.0.2',
      '--registry-mirror', 'docker.io=http://10.77.0.254:5000', '--registry-mirror', 'registry.k8s.io=http://10.77.0.254:5000',
    ]);
  });
  it('refuses an agent without --server or --token', () => {
    assert.throws(() => agentArgs(o, new Set(['--server'])), /no --token flag/);
  });
});

describe('agentFlags', () => {
  it('reads the flags from `agent --help`, and is undefined for a CLI without the subcommand', async () => {
    assert.deepEqual([...(await agentFlags(FAKE)) ?? []].sort(), ['--data-dir', '--node-ip', '--node-name', '--registry-mirror', '--server', '--token']);
    assert.equal(await agentFlags([process.execPath, '-e', 'console.log("Usage: skiff [options] [command]")']), undefined);
  });
});

describe('startMultiCluster with stand-in server and agents (real topology and registry)', { timeout: 300_000 }, () => {
  it('starts the server in node 1, agents join it over the bridge with its token and pull from the bridge registry, and stop cleans up', async (t) => {
    if (process.getuid?.() !== 0) return t.skip('needs root (network namespaces, registry)');
    for (const tool of ['ip', 'nsenter', 'umoci', 'skopeo', 'docker-registry', 'curl', 'gcc']) if (!(await which(tool))) return t.skip(`missing tool: ${tool}`);
    const built = await buildImages();
    const flags = await agentFlags(FAKE);
    const lines: string[] = [];
    const mc = await startMultiCluster({ images: built.images, agents: 2, agentFlags: flags, command: FAKE, readyTimeoutMs: 60_000, progress: (l) => lines.push(l) });
    const names = [mc.topology.bridge.name, ...mc.topology.nodes.map((n) => n.name), mc.topology.laptop.name];
    const dirs = mc.nodes.map((n) => n.dataDir);
    try {
      assert.deepEqual(mc.nodes.map((n) => n.nodeName), ['node-1', 'node-2', 'node-3']);
      assert.equal(mc.registry.url, `http://${mc.topology.bridge.ip}:5000`);
      assert.equal(mc.token, (await readFile(join(mc.server.dataDir, 'token'), 'utf8')).trim());
      for (const [i, agent] of mc.agents.entries()) {
        const file = join(agent.dataDir, 'probe.json');
        await waitFor(() => existsSync(file), 60_000, `${agent.nodeName} probe`, 100);
        const probe = JSON.parse(await readFile(file, 'utf8')) as { healthz: string; tags: string; token: string; node: string; nodeIP: string };
        assert.equal(probe.healthz, 'ok', `${agent.nodeName} reached the server over the bridge`);
        assert.match(probe.tags, /"name":"library\/nginx"/, `${agent.nodeName} reached the bridge registry: ${probe.tags}`);
        assert.equal(probe.token, mc.token);
        assert.deepEqual([probe.node, probe.nodeIP], [`node-${i + 2}`, mc.topology.nodes[i + 1]?.ip]);
        assert.equal(agent.exited(), false);
      }
      assert.ok(!(await readFile(mc.agents[0]?.logFile ?? '', 'utf8')).includes(mc.token), 'the token is redacted in the log');
    } finally {
      await mc.stop();
    }
    for (const n of names) assert.ok(!existsSync(`/run/netns/${n}`), `${n} deleted`);
    for (const d of dirs) assert.ok(!existsSync(d), `${d} removed`);
  });
});
