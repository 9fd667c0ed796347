/**
 * Issue 9's one-process server: runServer with the CLI's in-process runner
 * (what `skiff server` does without --split-processes) brings up the real
 * apiserver (HTTPS, x509, Node,RBAC), scheduler and controller-manager as
 * modules of this process over a real embedded etcd. Only etcd is a child
 * process; the components write no pid files; the controllers act (a
 * Deployment gets its ReplicaSet and pods); abort stops everything.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { promisify } from 'node:util';
import { createLogger } from '../../apiserver/api/log.ts';
import { freePort } from '../../testutil/etcd.ts';
import { waitFor } from '../../testutil/wait.ts';
import { inProcessRunner } from '../cli/in-process.ts';
import type { InProcessSupervisor } from '../supervisor/in-process.ts';
import type { Supervisor } from '../supervisor/supervisor.ts';
import { defaults } from './config.ts';
import { runServer } from './server.ts';
import { httpReady, pollUntil } from './wait.ts';

const run = promisify(execFile);

function skipReason(): string | false {
  if (process.getuid?.() !== 0) return 'needs root';
  if (!existsSync('/usr/bin/etcd')) return '/usr/bin/etcd missing';
  if (!existsSync('/usr/bin/kubectl')) return '/usr/bin/kubectl missing';
  return false;
}

test('runServer in one process: apiserver, scheduler and controller-manager as modules, etcd as the only child', { skip: skipReason() }, async () => {
  // The components log through their own pino loggers to stderr: keep the test output to warnings.
  process.env.SKIFF_LOG_LEVEL = 'warn';
  const dir = mkdtempSync(join(tmpdir(), 'skiff-one-'));
  const out = new PassThrough();
  let text = '';
  out.on('data', (c: Buffer) => { text += c.toString(); });
  const apiPort = await freePort();
  const cfg = {
    dataDir: join(dir, 'data'), clusterCIDR: '10.244.0.0/16', serviceCIDR: '10.96.0.0/12', apiPort, nodeName: 'n1',
    containerdSocket: join(dir, 'no-containerd.sock'), registryMirrors: [],
    etcdClientPort: await freePort(), etcdPeerPort: await freePort(),
  };
  const ac = new AbortController();
  let sup: Supervisor | undefined;
  let modules: InProcessSupervisor | undefined;
  const running = runServer(cfg, ac.signal, {
    out, log: createLogger('test', new PassThrough()), components: ['apiserver', 'scheduler', 'controller-manager'],
    inProcess: inProcessRunner(), onSupervisor: (s) => { sup = s; }, onModules: (m) => { modules = m; },
  });
  running.catch(() => {}); // awaited in finally
  const kubeconfig = join(cfg.dataDir, 'admin.kubeconfig');
  const kubectl = async (...args: string[]): Promise<string> => (await run('/usr/bin/kubectl', ['--kubeconfig', kubeconfig, ...args])).stdout;
  try {
    assert.ok(await pollUntil(async () => text.includes('Skiff is running.'), { timeoutMs: 90_000 }), `started; output:\n${text}`);
    assert.match(text, new RegExp(`^• components: apiserver, scheduler, controller-manager in this process \\(pid ${process.pid};`, 'm'));
    for (const c of ['apiserver', 'scheduler', 'controller-manager']) assert.match(text, new RegExp(`^✓ ${c} ready`, 'm'));
    assert.deepEqual(sup?.names(), ['etcd'], 'etcd is the only child process');
    assert.deepEqual(modules?.names(), ['apiserver', 'scheduler', 'controller-manager']);
    for (const f of ['apiserver.pid', 'scheduler.pid', 'controller-manager.pid']) assert.equal(existsSync(join(cfg.dataDir, 'run', f)), false, f);
    assert.ok(existsSync(join(cfg.dataDir, 'run', 'etcd.pid')));

    // Each module keeps its own health and metrics endpoint.
    assert.ok(await httpReady(`http://127.0.0.1:${defaults.schedulerHealthzPort}/healthz`, /^ok/));
    // The controllers start once the Lease is taken, after /healthz answers: wait for the first adds.
    await waitFor(async () => /^workqueue_adds_total\{name="serviceaccount"\} [1-9]/m.test(await (await fetch(`http://127.0.0.1:${defaults.controllerManagerHealthzPort}/metrics`)).text()),
      30_000, 'workqueue_adds_total of the serviceaccount queue on the controller-manager\'s /metrics');

    // The in-process controller-manager acts on what the in-process apiserver stores.
    await kubectl('create', 'deployment', 'web', '--image=nginx:1.25', '--replicas=2');
    await waitFor(async () => (await kubectl('get', 'pods', '-l', 'app=web', '-o', 'name')).trim().split('\n').filter(Boolean).length === 2, 60_000, 'two pods of web');
    assert.match(await kubectl('get', 'replicasets', '-l', 'app=web', '-o', 'name'), /^replicaset\.apps\/web-/m);
    assert.equal(modules?.restarts('apiserver'), 0);
  } finally {
    ac.abort();
    await running;
    delete process.env.SKIFF_LOG_LEVEL;
  }
  const ca = readFileSync(join(cfg.dataDir, 'tls', 'server-ca.crt'), 'utf8');
  assert.equal(await httpReady(`https://127.0.0.1:${apiPort}/healthz`, /^ok/, { tls: { ca } }), false, 'the apiserver stopped');
  assert.equal(await httpReady(`http://127.0.0.1:${defaults.schedulerHealthzPort}/healthz`, /^ok/), false, 'the scheduler stopped');
  assert.match(text, /Skiff stopped/);
  rmSync(dir, { recursive: true, force: true });
});
