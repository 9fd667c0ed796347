/**
 * A workload to profile one server path in isolation:
 *   node --import tsx --cpu-prof --cpu-prof-dir=/tmp/prof bench/profile.ts --phase list
 * starts the real API server over a real etcd (testutil/apiserver.ts),
 * creates --pods N pods (default 1200, concurrency 16) in namespace
 * default, then runs --phase: `create` (the creates only), `list` (--lists M
 * plain lists, default 50, one at a time) or `list0` (M resourceVersion=0
 * lists, from the watch cache). Prints the phase's elapsed ms, this
 * process's CPU time over it (cpuMs, user + system: the server, its etcd
 * client and the HTTP client, but not etcd; steadier than elapsed ms on a
 * shared machine) and the response body size (bytes). Needs /usr/bin/etcd.
 */
import type { Pod } from 'kubernetes-types/core/v1';
import { Pods, ServiceAccounts } from '../apiserver/client/resources.ts';
import { startApiServer } from '../testutil/apiserver.ts';

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : dflt;
}

const pod = (name: string): Pod => ({
  apiVersion: 'v1', kind: 'Pod',
  metadata: { name, namespace: 'default', labels: { app: 'bench' } },
  spec: { containers: [{ name: 'c', image: 'nginx:1.22', resources: { requests: { cpu: '10m', memory: '16Mi' } } }] },
});

const n = Number(arg('pods', '1200'));
const lists = Number(arg('lists', '50'));
const phase = arg('phase', 'list');
const api = await startApiServer();
// As in a running cluster (the ServiceAccount controller's `default`), so admission finds it in the cache.
await api.client.create(ServiceAccounts, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace: 'default' } }, 'default');
try {
  let next = 0;
  const cpuMs = (since: NodeJS.CpuUsage): number => { const u = process.cpuUsage(since); return Math.round((u.user + u.system) / 1000); };
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await Promise.all(Array.from({ length: 16 }, async () => {
    while (next < n) await api.client.create(Pods, pod(`p-${next++}`), 'default');
  }));
  const createMs = performance.now() - t0;
  const createCpuMs = cpuMs(c0);
  if (phase === 'create') {
    console.log(JSON.stringify({ phase, pods: n, ms: Math.round(createMs), cpuMs: createCpuMs }));
  } else {
    const query = phase === 'list0' ? '?resourceVersion=0' : '';
    let bytes = 0;
    const c1 = process.cpuUsage();
    const t1 = performance.now();
    for (let i = 0; i < lists; i++) {
      const res = await fetch(`${api.url}/api/v1/namespaces/default/pods${query}`);
      const text = await res.text();
      bytes = text.length;
      const items = (JSON.parse(text) as { items: unknown[] }).items;
      if (items.length !== n) throw new Error(`list saw ${items.length}`);
    }
    console.log(JSON.stringify({ phase, pods: n, lists, ms: Math.round(performance.now() - t1), cpuMs: cpuMs(c1), bodyBytes: bytes }));
  }
} finally {
  await api.stop();
}
