/**
 * Acceptance steps (issue 8) for the Service proxy in either mode, run by
 * services.e2e.ts (SKIFF_E2E_PROXY_MODE, default iptables) and
 * services-nftables.e2e.ts (nftables): Services reached from
 * the "laptop" namespace through every node of a three-node cluster (server
 * plus two agents on the multi-cluster harness, no route off the machine).
 * NodePort through every node, ClientIP affinity, externalTrafficPolicy
 * Local (client IP in nginx's access log, no answer from a node without a
 * local endpoint, the healthCheckNodePort), and a UDP Service across an
 * endpoint change (stale conntrack entries deleted). The test images'
 * busybox has no UDP server (busybox-static's nc is TCP only), so the UDP
 * backends are echo servers the test runs in two nodes' namespaces, behind a
 * selector-less Service with an EndpointSlice the test writes. About 6 min.
 */
import { describe } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Pod, Service } from 'kubernetes-types/core/v1';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1';
import { stringify } from 'yaml';
import { waitFor } from '../testutil/wait.ts';
import { log, type List } from './harness/prelude.ts';
import type { ProxyMode } from '../proxy/backend.ts';
import type { MultiCluster } from './harness/multi-cluster.ts';
import { multiClusterSuite } from './harness/multi-suite.ts';

const MIN = 60_000;
const TOOLS = ['ip', 'nsenter', 'umoci', 'skopeo', 'docker-registry', 'gcc', 'dpkg-deb', 'curl', 'etcd', 'etcdctl', 'containerd', 'runc', 'ctr', 'iptables', 'conntrack'];
const CONTINUE_AFTER_FAILURE = process.env.E2E_CONTINUE === '1';
const NGINX = 'Welcome to nginx!';

/** A busybox httpd pod pinned to `node` answering GET / with its own name. */
function namePod(name: string, node: string): Pod {
  return {
    apiVersion: 'v1', kind: 'Pod',
    metadata: { name, namespace: 'default', labels: { app: 'named' } },
    spec: {
      nodeName: node, terminationGracePeriodSeconds: 1,
      containers: [{ name: 'httpd', image: 'busybox:1.36', command: ['sh', '-c', 'mkdir -p /tmp/www && hostname > /tmp/www/index.html && exec httpd -f -p 8080 -h /tmp/www'] }],
    },
  };
}

/** An nginx pod pinned to `node`: the only endpoint of the externalTrafficPolicy Local service. */
function nginxPod(node: string): Pod {
  return {
    apiVersion: 'v1', kind: 'Pod',
    metadata: { name: `nginx-${node}`, namespace: 'default', labels: { app: 'local-nginx' } },
    spec: { nodeName: node, terminationGracePeriodSeconds: 1, containers: [{ name: 'nginx', image: 'nginx:1.22', ports: [{ containerPort: 80 }] }] },
  };
}

function service(name: string, spec: NonNullable<Service['spec']>): Service {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default' }, spec };
}

/** The test's own EndpointSlice for the selector-less UDP service: one endpoint `ip` on `node`. */
function udpSlice(ip: string, node: string): EndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', addressType: 'IPv4',
    metadata: { name: 'udp-echo-1', namespace: 'default', labels: { 'kubernetes.io/service-name': 'udp-echo', 'endpointslice.kubernetes.io/managed-by': 'e2e.skiff' } },
    ports: [{ name: 'echo', port: 5300, protocol: 'UDP' }],
    endpoints: [{ addresses: [ip], nodeName: node, conditions: { ready: true, serving: true, terminating: false } }],
  };
}

/** A UDP echo server in namespace `ns` on ip:5300 answering every datagram with `who`. */
function startUdpEcho(ns: string, ip: string, who: string): { child: ChildProcess; ready: Promise<void> } {
  const child = spawn('nsenter', [`--net=/run/netns/${ns}`, process.execPath, '-e',
    `const u = require('dgram').createSocket('udp4'); u.on('message', (m, r) => u.send('${who}', r.port, r.address)); u.bind(5300, '${ip}', () => console.log('ready'));`],
  { stdio: ['ignore', 'pipe', 'inherit'] });
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (d: Buffer) => { if (d.toString().includes('ready')) resolve(); });
    child.once('exit', (code) => reject(new Error(`udp echo exited ${code}`)));
  });
  return { child, ready };
}

/**
 * Registers the suite (node:test describe) on a fresh three-node cluster
 * whose proxies run in `mode`. Skips itself without root or a tool.
 */
export function servicesSuite(mode: ProxyMode): void {
  describe(`Services from the laptop (proxy mode ${mode}): NodePort, affinity, externalTrafficPolicy Local, UDP`, { timeout: 30 * MIN }, () => {
    const echoes: ChildProcess[] = [];
    const suite = multiClusterSuite({
      name: 'services', tools: mode === 'nftables' ? [...TOOLS, 'nft'] : TOOLS, cluster: { agents: 2, proxyMode: mode },
      continueAfterFailure: CONTINUE_AFTER_FAILURE, beforeStop: () => { for (const e of echoes) e.kill(); },
    });
    const steps = suite.steps;
    const step = (title: string, timeoutMs: number, body: (c: MultiCluster) => Promise<void>): void => steps.step(title, timeoutMs, body);

    async function apply(c: MultiCluster, name: string, docs: readonly object[]): Promise<void> {
      const file = join(suite.workDir(), name);
      await writeFile(file, docs.map((d) => stringify(d)).join('---\n'));
      await c.kubectl('apply', '-f', file);
    }
    const nodePortOf = async (c: MultiCluster, name: string): Promise<number> => (await c.kubectlJson<Service>('get', 'service', name)).spec?.ports?.[0]?.nodePort ?? 0;
    /** GET from the laptop; never throws (code 28 = no answer within the timeout). */
    const laptopGet = async (c: MultiCluster, url: string, timeoutS = 5) => {
      const r = await c.topology.laptop.runAllowFail('curl', ['-sS', '-m', String(timeoutS), '-w', '\\n%{http_code}', url], { timeoutMs: (timeoutS + 5) * 1000 });
      const lines = r.stdout.split('\n');
      return { code: r.code, status: Number(lines.pop() ?? 0), body: lines.join('\n') };
    };
    /** One UDP request from the laptop from a fixed source port (so the node reuses its conntrack entry); '' without an answer in 2 s. */
    const laptopUdp = async (c: MultiCluster, host: string, port: number, sport: number): Promise<string> => {
      const script = `const s = require('dgram').createSocket('udp4'); const t = setTimeout(() => s.close(), 2000);
        s.on('message', (m) => { process.stdout.write(m.toString()); clearTimeout(t); s.close(); });
        s.bind(${sport}, () => s.send('ping', ${port}, '${host}'));`;
      return (await c.topology.laptop.runAllowFail(process.execPath, ['-e', script], { timeoutMs: 10_000 })).stdout;
    };

    let nodes: string[] = [];
    let ips: string[] = [];

    step(`three nodes Ready, proxies in ${mode} mode; backends: a named httpd on node 1 and node 2, nginx on node 1 only`, 8 * MIN, async (c) => {
      nodes = c.nodes.map((n) => n.nodeName);
      ips = c.nodes.map((n) => n.member.ip);
      await waitFor(async () => {
        const list = await c.kubectlJson<List<{ metadata?: { name?: string }; status?: { conditions?: Array<{ type?: string; status?: string }> } }>>('get', 'nodes');
        return nodes.every((n) => list.items.find((x) => x.metadata?.name === n)?.status?.conditions?.find((k) => k.type === 'Ready')?.status === 'True');
      }, 5 * MIN, 'three nodes Ready');
      await apply(c, 'backends.yaml', [namePod(`named-${nodes[0]}`, nodes[0]!), namePod(`named-${nodes[1]}`, nodes[1]!), nginxPod(nodes[0]!)]);
      await waitFor(async (note) => {
        const pods = (await c.kubectlJson<List<Pod>>('get', 'pods')).items;
        note(pods.map((p) => `${p.metadata?.name}=${p.status?.phase}`).join(' '));
        return pods.filter((p) => p.status?.phase === 'Running' && p.status.conditions?.some((k) => k.type === 'Ready' && k.status === 'True')).length === 3;
      }, 4 * MIN, 'three backend pods Running and Ready');
      // Every node's proxy runs `mode`: its data plane exists and the other mode's does not.
      for (const n of c.nodes) {
        await waitFor(async (note) => {
          const nft = (await n.member.runAllowFail('nft', ['list', 'table', 'ip', 'skiff'])).code === 0;
          const ipt = (await n.member.runAllowFail('iptables', ['-w', '5', '-t', 'nat', '-S', 'KUBE-SERVICES'])).code === 0;
          note(`table ip skiff ${nft}, KUBE-SERVICES ${ipt}`);
          return mode === 'nftables' ? nft && !ipt : ipt && !nft;
        }, 60_000, `${n.nodeName}: the proxy runs in ${mode} mode`, 1000);
      }
    });

    step('NodePort: curl http://<node-ip>:<nodePort>/ from the laptop answers through every node, including one without a backend', 3 * MIN, async (c) => {
      await apply(c, 'np.yaml', [service('named', { type: 'NodePort', selector: { app: 'named' }, ports: [{ port: 80, targetPort: 8080 }] })]);
      const port = await nodePortOf(c, 'named');
      assert.ok(port >= 30000 && port <= 32767, `nodePort ${port} in 30000-32767`);
      const seen = new Set<string>();
      for (const ip of ips) {
        await waitFor(async (note) => {
          const r = await laptopGet(c, `http://${ip}:${port}/`);
          note(`${r.code} ${r.body}`);
          return r.status === 200 && /^named-/.test(r.body);
        }, 60_000, `laptop → ${ip}:${port}`, 1000);
        for (let i = 0; i < 6; i++) seen.add((await laptopGet(c, `http://${ip}:${port}/`)).body.trim());
      }
      assert.deepEqual([...seen].sort(), [`named-${nodes[0]}`, `named-${nodes[1]}`].sort(), 'both backends answer (random DNAT)');
      // A second Service asking for the same node port is refused.
      const dup = await c.kubectlResult('create', 'service', 'nodeport', 'dup', '--tcp=80:8080', `--node-port=${port}`);
      assert.notEqual(dup.code, 0);
      assert.match(dup.stderr, /provided port is already allocated/);
    });

    step('sessionAffinity ClientIP pins the laptop to one pod over 20 requests', 3 * MIN, async (c) => {
      await apply(c, 'sticky.yaml', [service('sticky', {
        type: 'NodePort', selector: { app: 'named' }, ports: [{ port: 80, targetPort: 8080 }],
        sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 600 } },
      })]);
      const port = await nodePortOf(c, 'sticky');
      const via = ips[2]!;
      await waitFor(async () => (await laptopGet(c, `http://${via}:${port}/`)).status === 200, 60_000, `laptop → ${via}:${port}`, 1000);
      const bodies: string[] = [];
      for (let i = 0; i < 20; i++) bodies.push((await laptopGet(c, `http://${via}:${port}/`)).body.trim());
      assert.equal(new Set(bodies).size, 1, `one pod only: ${bodies.join(' ')}`);
      assert.match(bodies[0] ?? '', /^named-/);
    });

    step('externalTrafficPolicy Local: the laptop IP is in nginx\'s access log; nodes without a local endpoint do not answer; healthCheckNodePort says so', 4 * MIN, async (c) => {
      await apply(c, 'local.yaml', [service('local-web', {
        type: 'LoadBalancer', externalTrafficPolicy: 'Local', selector: { app: 'local-nginx' }, ports: [{ port: 80, targetPort: 80 }],
      })]);
      const svc = await c.kubectlJson<Service>('get', 'service', 'local-web');
      const port = svc.spec?.ports?.[0]?.nodePort ?? 0;
      const hc = svc.spec?.healthCheckNodePort ?? 0;
      assert.ok(hc >= 30000 && hc <= 32767 && hc !== port, `healthCheckNodePort ${hc}`);
      await waitFor(async () => (await laptopGet(c, `http://${ips[0]}:${port}/`)).body.includes(NGINX), 60_000, `laptop → ${ips[0]}:${port} (local endpoint)`, 1000);
      const laptopIP = c.topology.laptop.ip;
      await waitFor(async (note) => {
        const logs = await c.kubectl('logs', `nginx-${nodes[0]}`);
        note(logs.split('\n').slice(-3).join(' | '));
        return logs.split('\n').some((l) => l.startsWith(`${laptopIP} `) && l.includes('"GET / HTTP/1.1" 200'));
      }, 60_000, `nginx's access log shows the laptop's ${laptopIP}`, 2000);
      for (const ip of ips.slice(1)) {
        const r = await laptopGet(c, `http://${ip}:${port}/`, 3);
        assert.equal(r.code, 28, `${ip} has no local endpoint and must not answer (curl ${r.code}: ${r.body})`);
      }
      // The health check node port: 200 with the local endpoint count where the pod runs, 503 elsewhere.
      await waitFor(async () => (await laptopGet(c, `http://${ips[0]}:${hc}/`)).status === 200, 60_000, `health check on ${ips[0]}:${hc}`, 1000);
      const ok = await laptopGet(c, `http://${ips[0]}:${hc}/`);
      assert.deepEqual(JSON.parse(ok.body), { service: { namespace: 'default', name: 'local-web' }, localEndpoints: 1, serviceProxyHealthy: true });
      for (const ip of ips.slice(1)) {
        const r = await laptopGet(c, `http://${ip}:${hc}/`);
        assert.equal(r.status, 503, `${ip}:${hc}: ${r.body}`);
        assert.equal((JSON.parse(r.body) as { localEndpoints: number }).localEndpoints, 0);
      }
    });

    step('a UDP Service keeps working across an endpoint change (the stale conntrack entry is deleted)', 4 * MIN, async (c) => {
      const [, second, third] = c.nodes;
      assert.ok(second && third);
      for (const [n, who] of [[second, 'echo-a'], [third, 'echo-b']] as const) {
        const e = startUdpEcho(n.member.name, n.member.ip, who);
        echoes.push(e.child);
        await e.ready;
      }
      await apply(c, 'udp.yaml', [
        service('udp-echo', { type: 'NodePort', ports: [{ name: 'echo', port: 53, targetPort: 5300, protocol: 'UDP' }] }),
        udpSlice(second.member.ip, second.nodeName),
      ]);
      const port = await nodePortOf(c, 'udp-echo');
      const via = ips[0]!;
      const sport = 40053;
      await waitFor(async () => (await laptopUdp(c, via, port, sport)) === 'echo-a', 60_000, `UDP ${via}:${port} answered by echo-a`, 1000);
      // Move the endpoint; echo-a keeps running, so only deleting the conntrack entry moves the flow.
      await apply(c, 'udp-moved.yaml', [udpSlice(third.member.ip, third.nodeName)]);
      const movedAt = Date.now();
      await waitFor(async (note) => {
        const r = await laptopUdp(c, via, port, sport);
        note(r);
        return r === 'echo-b';
      }, 60_000, 'the same UDP flow answered by echo-b', 1000);
      log(`TIMING UDP flow moved ${((Date.now() - movedAt) / 1000).toFixed(1)} s after the EndpointSlice change`);
    });
  });
}
