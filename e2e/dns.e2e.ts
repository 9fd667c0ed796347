/**
 * Acceptance test (issue 8, "Built-in cluster DNS"), on the multi-node
 * harness: a server and one agent in their own network namespaces, no route
 * off the machine. Checks the kube-dns Service and its node EndpointSlice,
 * then from a client pod in namespace shop on EACH node (so each node's own
 * DNS server answers, internalTrafficPolicy Local): the resolv.conf the
 * kubelet wrote; storefront.shop.svc.cluster.local, storefront.shop and
 * storefront (search path) resolve to the ClusterIP and serve the page
 * (fetched by name with curl); a headless Service
 * resolves to every ready pod IP (pods on both nodes) and a pod's
 * <hostname>.<svc> name to its IP; an unknown name is NXDOMAIN. About 2
 * minutes.
 */
import { describe } from 'node:test';
import assert from 'node:assert/strict';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Node, Pod, Service } from 'kubernetes-types/core/v1';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1';
import { stringify } from 'yaml';
import { waitFor } from '../testutil/wait.ts';
import { log, type List } from './harness/prelude.ts';
import type { MultiCluster } from './harness/multi-cluster.ts';
import { multiClusterSuite } from './harness/multi-suite.ts';

const MIN = 60_000;
const TOOLS = ['ip', 'nsenter', 'umoci', 'skopeo', 'docker-registry', 'gcc', 'dpkg-deb', 'curl', 'etcd', 'etcdctl', 'containerd', 'runc', 'ctr', 'iptables'];
const NGINX = 'Welcome to nginx!';
const NS = 'shop';

/** nginx pod `web-<i>` pinned to `node`, with hostname/subdomain so the headless Service gives it `web-<i>.storefront-headless`. */
function webPod(i: number, node: string): Pod {
  return {
    apiVersion: 'v1', kind: 'Pod',
    metadata: { name: `web-${i}`, namespace: NS, labels: { app: 'storefront' } },
    spec: {
      nodeName: node, hostname: `web-${i}`, subdomain: 'storefront-headless', terminationGracePeriodSeconds: 1,
      containers: [{ name: 'nginx', image: 'nginx:1.22', ports: [{ containerPort: 80, name: 'http' }], readinessProbe: { tcpSocket: { port: 80 }, periodSeconds: 1 } }],
    },
  };
}

const services: Service[] = [
  { apiVersion: 'v1', kind: 'Service', metadata: { name: 'storefront', namespace: NS }, spec: { selector: { app: 'storefront' }, ports: [{ name: 'http', port: 80, targetPort: 80 }] } },
  { apiVersion: 'v1', kind: 'Service', metadata: { name: 'storefront-headless', namespace: NS }, spec: { clusterIP: 'None', selector: { app: 'storefront' }, ports: [{ name: 'http', port: 80 }] } },
];

/**
 * Names fetched with curl, whose glibc resolver applies the search path and
 * ndots:5 as any application's would; `%{remote_ip}` shows what each
 * resolved to. (busybox nslookup applies the search list only to names
 * without a dot, so it cannot show `storefront.shop`.)
 */
const FETCHES = ['storefront.shop.svc.cluster.local', 'storefront.shop', 'storefront', 'web-1.storefront-headless'];
/** Names looked up with busybox nslookup (every record, not just the first); the last one is absolute. */
const LOOKUPS = ['storefront-headless', 'web-1.storefront-headless.shop.svc.cluster.local', 'nosuch.shop.svc.cluster.local.'];

/** A curl:7.88 (busybox + curl) pod pinned to `node` that prints resolv.conf, each fetch and nslookup, then exits. */
function clientPod(node: string): Pod {
  const script = [
    'echo "== resolv.conf"; cat /etc/resolv.conf',
    ...FETCHES.map((n) => `echo "== fetch ${n}"; curl -sS -m 10 -o /tmp/page -w '%{remote_ip}\\n' http://${n}/; grep -m1 -o '${NGINX}' /tmp/page; rm -f /tmp/page`),
    ...LOOKUPS.map((n) => `echo "== ${n}"; nslookup ${n} 2>&1; echo "rc=$?"`),
  ].join('\n');
  return {
    apiVersion: 'v1', kind: 'Pod',
    metadata: { name: `dns-client-${node}`, namespace: NS },
    spec: { nodeName: node, restartPolicy: 'Never', terminationGracePeriodSeconds: 1, containers: [{ name: 'sh', image: 'curl:7.88', command: ['sh', '-c', script] }] },
  };
}

/** Splits the client's output into its `== <title>` sections. */
function sections(text: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let cur: string[] = [];
  for (const line of text.split('\n')) {
    const m = /^== (.+)$/.exec(line);
    if (m) out.set(m[1] ?? '', (cur = []));
    else cur.push(line);
  }
  return out;
}

/** The answer addresses busybox nslookup printed (not the server's own `Address: 10.96.0.10:53`). */
const addresses = (lines: string[] | undefined): string[] => (lines ?? []).map((l) => /^Address:\s+(\d+\.\d+\.\d+\.\d+)$/.exec(l.trim())?.[1]).filter((x): x is string => x !== undefined).sort();

describe('cluster DNS on a server and an agent', { timeout: 20 * MIN }, () => {
  const suite = multiClusterSuite({ name: 'dns', tools: TOOLS, cluster: { agents: 1 } });
  const steps = suite.steps;
  const nodeNames = (c: MultiCluster): string[] => c.nodes.map((n) => n.nodeName);
  const apply = async (c: MultiCluster, name: string, objects: object[]): Promise<void> => {
    const file = join(suite.workDir(), name);
    await writeFile(file, objects.map((o) => stringify(o)).join('---\n'));
    await c.kubectl('apply', '-f', file);
  };

  steps.step('both nodes Ready; kube-dns is 10.96.0.10 (dns/53 UDP, dns-tcp/53 TCP) with an endpoint per node', 5 * MIN, async (c) => {
    await waitFor(async (note) => {
      const list = await c.kubectlJson<List<Node>>('get', 'nodes');
      const ready = list.items.filter((n) => n.status?.conditions?.some((x) => x.type === 'Ready' && x.status === 'True')).map((n) => n.metadata?.name);
      note(ready.join(' '));
      return nodeNames(c).every((n) => ready.includes(n));
    }, 4 * MIN, 'both nodes Ready');
    const svc = await c.kubectlJson<Service>('get', 'service', '-n', 'kube-system', 'kube-dns');
    assert.equal(svc.spec?.clusterIP, '10.96.0.10');
    assert.deepEqual(svc.spec?.ports?.map((p) => `${p.name}/${p.port}/${p.protocol}`), ['dns/53/UDP', 'dns-tcp/53/TCP']);
    await waitFor(async (note) => {
      const l = await c.kubectlJson<List<EndpointSlice>>('get', 'endpointslices', '-n', 'kube-system', '-l', 'kubernetes.io/service-name=kube-dns');
      const eps = l.items.flatMap((s) => s.endpoints ?? []).filter((e) => e.conditions?.ready);
      note(JSON.stringify(eps.map((e) => [e.nodeName, e.addresses[0]])));
      return c.nodes.every((n) => eps.some((e) => e.nodeName === n.nodeName && e.addresses[0] === n.member.ip));
    }, 2 * MIN, 'a ready kube-dns endpoint at every node\'s InternalIP');
  });

  let podIPs = new Map<string, string>();
  let clusterIP = '';

  steps.step('storefront pods run on both nodes behind a ClusterIP and a headless Service', 5 * MIN, async (c) => {
    await c.kubectl('create', 'namespace', NS);
    await apply(c, 'storefront.yaml', [...nodeNames(c).map((n, i) => webPod(i, n)), ...services]);
    podIPs = await waitFor(async (note) => {
      const l = await c.kubectlJson<List<Pod>>('get', 'pods', '-n', NS, '-l', 'app=storefront');
      const ready = l.items.filter((p) => p.status?.conditions?.some((x) => x.type === 'Ready' && x.status === 'True') && p.status.podIP);
      note(ready.map((p) => `${p.metadata?.name}@${p.spec?.nodeName}=${p.status?.podIP}`).join(' '));
      return ready.length === c.nodes.length ? new Map(ready.map((p) => [p.metadata?.name ?? '', p.status?.podIP ?? ''])) : undefined;
    }, 4 * MIN, 'a ready storefront pod on each node');
    clusterIP = (await c.kubectlJson<Service>('get', 'service', '-n', NS, 'storefront')).spec?.clusterIP ?? '';
    assert.match(clusterIP, /^10\.9[6-9]\./);
  });

  steps.step('from a pod on each node: resolv.conf, the three storefront names, the headless Service, a hostname, NXDOMAIN, a fetch by name', 6 * MIN, async (c) => {
    await apply(c, 'clients.yaml', nodeNames(c).map(clientPod));
    for (const node of nodeNames(c)) {
      const pod = `dns-client-${node}`;
      await waitFor(async () => (await c.kubectlJson<Pod>('get', 'pod', '-n', NS, pod)).status?.phase === 'Succeeded', 3 * MIN, `${pod} to finish`, 1000);
      const out = await c.kubectl('logs', '-n', NS, pod);
      const s = sections(out);
      const where = `client on ${node}:\n${out}`;
      const resolv = (s.get('resolv.conf') ?? []).join('\n');
      assert.match(resolv, /^nameserver 10\.96\.0\.10$/m, where);
      assert.match(resolv, /^search shop\.svc\.cluster\.local svc\.cluster\.local cluster\.local\b/m, where);
      assert.match(resolv, /^options ndots:5$/m, where);
      for (const name of FETCHES) {
        const want = name.startsWith('web-1.') ? podIPs.get('web-1') : clusterIP;
        assert.deepEqual(s.get(`fetch ${name}`)?.filter(Boolean), [want, NGINX], `fetch ${name}, ${where}`);
      }
      assert.deepEqual(addresses(s.get('storefront-headless')), [...podIPs.values()].sort(), `headless, ${where}`);
      assert.deepEqual(addresses(s.get('web-1.storefront-headless.shop.svc.cluster.local')), [podIPs.get('web-1')], `hostname record, ${where}`);
      const nx = (s.get('nosuch.shop.svc.cluster.local.') ?? []).join('\n');
      assert.match(nx, /NXDOMAIN/, where);
      assert.match(nx, /rc=1/, where);
      log(`${node}: resolv.conf ok; fetched by 3 names via ${clusterIP} and by hostname; headless → ${[...podIPs.values()].join(' ')}; NXDOMAIN`);
    }
  });
});
