import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildImages } from '../../deploy/images/build.ts';
import { which } from '../../deploy/images/exec.ts';
import { isAlive, serverArgs, startCluster } from './cluster.ts';

const here = dirname(fileURLToPath(import.meta.url));

describe('serverArgs', () => {
  it('renders the launcher contract flags', () => {
    assert.deepEqual(serverArgs({ dataDir: '/d', nodeName: 'n', nodeIP: '10.250.1.1', apiPort: 6443, registry: 'http://127.0.0.1:5000' }), [
      'server', '--data-dir', '/d', '--node-name', 'n', '--node-ip', '10.250.1.1', '--api-port', '6443',
      '--registry-mirror', 'docker.io=http://127.0.0.1:5000', '--registry-mirror', 'registry.k8s.io=http://127.0.0.1:5000',
    ]);
  });
});

describe('startCluster with a stand-in server (real namespace and registry)', { timeout: 300_000 }, () => {
  it('starts, probes, restarts and cleans up', async (t) => {
    if (process.getuid?.() !== 0) return t.skip('needs root (network namespaces, registry)');
    for (const tool of ['ip', 'nsenter', 'umoci', 'skopeo', 'docker-registry', 'curl', 'gcc']) {
      if (!(await which(tool))) return t.skip(`missing tool: ${tool}`);
    }
    const built = await buildImages();
    const lines: string[] = [];
    const cluster = await startCluster({
      images: built.images,
      serverCommand: [process.execPath, '--import', 'tsx', join(here, 'fake-server.ts')],
      readyTimeoutMs: 30_000,
      progress: (l) => lines.push(l),
    });
    let stopped = false;
    try {
      assert.match(cluster.netns.name, /^skiff-e2e-/);
      assert.ok(existsSync(cluster.kubeconfig));
      const probe = JSON.parse(await cluster.exec('curl', '-sS', '--cacert', cluster.clusterCA, `${cluster.apiUrl}/probe`)) as {
        starts: number; mirrors: string[]; node: string; nodeIP: string; tags: string;
      };
      assert.equal(probe.starts, 1);
      assert.equal(probe.node, 'e2e-node');
      assert.equal(probe.nodeIP, cluster.nodeIP);
      assert.deepEqual(probe.mirrors, ['docker.io=http://127.0.0.1:5000', 'registry.k8s.io=http://127.0.0.1:5000']);
      assert.match(probe.tags, /"1\.22"/, 'the server reaches the in-namespace registry holding the images');
      // The API is only reachable inside the namespace.
      const outside = await fetch(`${cluster.apiUrl}/healthz`).then((r) => r.text()).catch(() => 'unreachable');
      assert.notEqual(outside, 'ok', 'the API must not be reachable from the host namespace');

      const firstPid = await cluster.pidOf('missing-name', 'fake-component');
      assert.equal(firstPid, cluster.serverPid());
      await assert.rejects(cluster.pidOf('nope'), /present: fake-component\.pid/);

      await cluster.restart();
      const secondPid = await cluster.pidOf('fake-component');
      assert.notEqual(secondPid, firstPid);
      assert.ok(!isAlive(firstPid), 'the old server is gone after restart');
      const again = JSON.parse(await cluster.exec('curl', '-sS', '--cacert', cluster.clusterCA, `${cluster.apiUrl}/probe`)) as { starts: number };
      assert.equal(again.starts, 2, 'restart reuses the same data dir');
      assert.match(await cluster.logTail(), /fake skiff server ready/);

      const failing = await cluster.execResult('sh', '-c', 'echo oops >&2; exit 3');
      assert.equal(failing.code, 3);
      assert.match(failing.stderr, /oops/);

      await cluster.stop();
      stopped = true;
      assert.ok(!existsSync(`/run/netns/${cluster.netns.name}`));
      assert.ok(!existsSync(cluster.dataDir));
      assert.ok(!isAlive(secondPid));
      assert.ok(lines.some((l) => l.includes('API ready')), lines.join('\n'));
    } finally {
      if (!stopped) await cluster.stop();
    }
  });

  it('fails with the server log when the server exits during startup', async (t) => {
    if (process.getuid?.() !== 0) return t.skip('needs root (network namespaces, registry)');
    for (const tool of ['ip', 'nsenter', 'skopeo', 'docker-registry', 'curl']) {
      if (!(await which(tool))) return t.skip(`missing tool: ${tool}`);
    }
    const built = await buildImages();
    await assert.rejects(
      startCluster({
        images: built.images.slice(0, 1),
        serverCommand: ['sh', '-c', 'echo "cannot start: bad flag" >&2; exit 2', 'sh'],
        readyTimeoutMs: 20_000,
        progress: () => undefined,
      }),
      /exited during startup[\s\S]*cannot start: bad flag/,
    );
  });
});
