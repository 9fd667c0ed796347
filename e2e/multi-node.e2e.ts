/**
 * Acceptance test (issue 7), multi-node: three nodes in their own network
 * namespaces joined by a bridge in a fourth, no route off the machine, one
 * `skiff server` and two `skiff agent`s joined by the agent token
 * (<data-dir>/agent-token), driven with kubectl.
 * The link-cut steps (node lifecycle: Unknown within 50 s, pods recreated
 * elsewhere, Ready after restore) take about a minute; SKIFF_E2E_QUICK=1
 * skips them. The whole file takes about 90 s.
 */
import { after, before, describe } from 'node:test';
import { OrderedSteps } from './harness/steps.ts';
import { spawn } from 'node:child_process';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Deployment } from 'kubernetes-types/apps/v1';
import type { Node, Pod, Service } from 'kubernetes-types/core/v1';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1';
import { stringify } from 'yaml';
import { buildImages } from '../deploy/images/build.ts';
import { waitFor } from '../testutil/wait.ts';
import { log, prerequisites, type List } from './harness/prelude.ts';
import { agentFlags, startMultiCluster, type MultiCluster, type NodeProcess } from './harness/multi-cluster.ts';
import { podConnectWorks } from './connect-steps.ts';
import { webDeployment, webManifest } from './harness/workload.ts';

const MIN = 60_000;
const TOOLS = ['ip', 'nsenter', 'umoci', 'skopeo', 'docker-registry', 'gcc', 'dpkg-deb', 'curl', 'etcd', 'etcdctl', 'containerd', 'runc', 'ctr', 'iptables'];
/** The link-cut steps take about a minute; SKIFF_E2E_QUICK=1 skips them for a fast local loop. */
const QUICK = process.env.SKIFF_E2E_QUICK === '1';
const CONTINUE_AFTER_FAILURE = process.env.E2E_CONTINUE === '1';
const NGINX = 'Welcome to nginx!';



/** A running, non-terminating pod with its node and IP. */
interface Placed {
  name: string;
  node: string;
  ip: string;
}

function placed(pods: readonly Pod[]): Placed[] {
  return pods
    .filter((p) => p.status?.phase === 'Running' && p.status.podIP && !p.metadata?.deletionTimestamp)
    .map((p) => ({ name: p.metadata?.name ?? '', node: p.spec?.nodeName ?? '', ip: p.status?.podIP ?? '' }));
}

/** The `who` CGI script: answers `from=<caller IPv4>` (busybox httpd sets REMOTE_ADDR as `[::ffff:a.b.c.d]`). */
const WHO_CGI = '#!/bin/sh\na=${REMOTE_ADDR#[}; a=${a%]}; a=${a#::ffff:}\necho "Content-Type: text/plain"\necho\necho "from=$a"\n';
const WHO_PORT = 8081;

/** A busybox httpd pod pinned to `node` whose /cgi-bin/who tells each caller the source address it saw. */
function whoamiPod(node: string): Pod {
  const script = `mkdir -p /tmp/www/cgi-bin && printf '%s' '${WHO_CGI}' > /tmp/www/cgi-bin/who && chmod +x /tmp/www/cgi-bin/who && exec httpd -f -p ${WHO_PORT} -h /tmp/www`;
  return {
    apiVersion: 'v1', kind: 'Pod',
    metadata: { name: `whoami-${node}`, namespace: 'default', labels: { app: 'whoami' } },
    spec: { nodeName: node, terminationGracePeriodSeconds: 1, containers: [{ name: 'httpd', image: 'busybox:1.36', command: ['sh', '-c', script] }] },
  };
}

/**
 * A busybox pod pinned to `node` (spec.nodeName, no scheduler) that GETs `/`
 * from every nginx `ip:port` target over busybox nc (its wget segfaults here,
 * PLATFORM.md), asks every whoami IP which source address it saw, and sends
 * the report (`me <ip/prefix>`, `OK|FAIL <target>`, `who <ip> from=<addr>`)
 * to the laptop's collector, then exits. Reports go to the laptop, not
 * `kubectl logs`, so they work whatever the node's kubelet API serves; the
 * collector also sees the source address of pod → outside traffic.
 */
function clientPod(name: string, node: string, targets: readonly string[], whoami: readonly string[], collector: string): Pod {
  const get = (path: string): string => `printf 'GET ${path} HTTP/1.0\\r\\nHost: x\\r\\n\\r\\n'`;
  const script = [
    '{',
    `  echo "me $(ip -4 -o addr show dev eth0 | awk '{print $4}')"`,
    `  for t in ${targets.join(' ')}; do`,
    `    if ${get('/')} | nc -w 5 "\${t%:*}" "\${t#*:}" | grep -q '${NGINX}'; then echo "OK $t"; else echo "FAIL $t"; fi`,
    '  done',
    `  for w in ${whoami.join(' ')}; do echo "who $w $(${get('/cgi-bin/who')} | nc -w 5 "$w" ${WHO_PORT} | grep '^from=')"; done`,
    `} | nc -w 5 ${collector.replace(':', ' ')}`,
  ].join('\n');
  return {
    apiVersion: 'v1', kind: 'Pod',
    metadata: { name, namespace: 'default', labels: { app: 'client' } },
    spec: { nodeName: node, restartPolicy: 'Never', terminationGracePeriodSeconds: 1, containers: [{ name: 'sh', image: 'busybox:1.36', command: ['sh', '-c', script] }] },
  };
}

/** One client report as the collector received it. */
interface Report {
  /** Source address of the connection to the laptop (a pod leaving the cluster CIDR: its node's IP). */
  from: string;
  me: string;
  lines: string[];
}

/** A TCP collector in the laptop namespace: one JSON line per closed connection on stdout. */
function startCollector(ns: string, ip: string, port: number): { reports: () => Report[]; stop: () => void; ready: Promise<void> } {
  const child = spawn('nsenter', [`--net=/run/netns/${ns}`, process.execPath, '-e',
    `require('net').createServer((c) => { let t = ''; c.on('data', (d) => { t += d; }); c.on('end', () => console.log(JSON.stringify({ from: c.remoteAddress, text: t }))); })` +
    `.listen(${port}, '${ip}', () => console.log('ready'))`], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (d: Buffer) => { out += d.toString(); if (out.includes('ready')) resolve(); });
    child.once('exit', (code) => reject(new Error(`collector exited ${code}`)));
  });
  return {
    ready,
    stop: () => child.kill(),
    reports: () => out.split('\n').filter((l) => l.startsWith('{')).map((l) => {
      const r = JSON.parse(l) as { from: string; text: string };
      const lines = r.text.split('\n').filter(Boolean);
      return { from: r.from, me: (lines.find((x) => x.startsWith('me ')) ?? '').slice(3).split('/')[0] ?? '', lines: lines.filter((x) => !x.startsWith('me ')) };
    }),
  };
}

describe('multi-node cluster: a server and two agents on a bridge', { timeout: 30 * MIN }, () => {
  let skipReason: string | undefined;
  let startError: unknown;
  let mc: MultiCluster | undefined;
  let work = '';

  before(async () => {
    skipReason = await prerequisites(TOOLS);
    if (!skipReason) {
      const flags = await agentFlags();
      if (!flags) throw new Error('`skiff agent --help` shows no agent subcommand');
      if (!flags.has('--server') || !flags.has('--token')) throw new Error('`skiff agent` lacks --server/--token');
      {
        work = await mkdtemp(join(tmpdir(), 'skiff-e2e-manifests-'));
        try {
          const built = await buildImages({ progress: log });
          mc = await startMultiCluster({ images: built.images, agents: 2, agentFlags: flags, agentTokenFile: 'agent-token', progress: log });
        } catch (e) {
          startError = e;
          log(`cluster failed to start: ${e instanceof Error ? e.message : String(e)}`);
        }
      }
    }
    if (skipReason) log(`skipping: ${skipReason}`);
  }, { timeout: 8 * MIN });

  after(async () => {
    collector?.stop();
    if (mc) {
      if (steps.failedAt()) for (const n of mc.nodes) log(`${n.nodeName} log tail:\n${await n.logTail(6000)}`);
      await mc.stop();
    }
    if (work) await rm(work, { recursive: true, force: true });
  }, { timeout: 4 * MIN });

  const steps = new OrderedSteps<MultiCluster>({ cluster: () => mc, skipReason: () => skipReason, startError: () => startError }, log, CONTINUE_AFTER_FAILURE);
  const step = (title: string, timeoutMs: number, body: (c: MultiCluster) => Promise<void>, opts: { long?: boolean } = {}): void =>
    steps.step(title, timeoutMs, body, () => (opts.long && QUICK ? 'long step: skipped with SKIFF_E2E_QUICK=1' : undefined));

  const nodeNames = (c: MultiCluster): string[] => c.nodes.map((n) => n.nodeName);

  async function apply(c: MultiCluster, name: string, text: string): Promise<void> {
    const file = join(work, name);
    await writeFile(file, text);
    await c.kubectl('apply', '-f', file);
  }

  async function pods(c: MultiCluster, selector: string): Promise<Placed[]> {
    return placed((await c.kubectlJson<List<Pod>>('get', 'pods', '-l', selector)).items);
  }

  async function readyNodes(c: MultiCluster): Promise<Map<string, string>> {
    const list = await c.kubectlJson<List<Node>>('get', 'nodes');
    return new Map(list.items.map((n) => [n.metadata?.name ?? '', n.status?.conditions?.find((x) => x.type === 'Ready')?.status ?? '']));
  }

  step('three nodes join and turn Ready, each with a podCIDR and its bridge address', 5 * MIN, async (c) => {
    await waitFor(async (note) => {
      const ready = await readyNodes(c);
      note(JSON.stringify([...ready]));
      return nodeNames(c).every((n) => ready.get(n) === 'True');
    }, 4 * MIN, 'all three nodes Ready');
    const list = await c.kubectlJson<List<Node>>('get', 'nodes');
    for (const n of c.nodes) {
      const node = list.items.find((x) => x.metadata?.name === n.nodeName);
      assert.ok(node?.spec?.podCIDR, `${n.nodeName} has a podCIDR`);
      assert.equal(node.status?.addresses?.find((a) => a.type === 'InternalIP')?.address, n.member.ip);
    }
  });

  step('a wrong token and a mismatched CA hash are refused with nothing written; no agent holds the admin credential', 3 * MIN, async (c) => {
    const server = `https://${c.server.member.ip}:6443`;
    const good = c.token;
    const at = good.indexOf('::');
    const hash = good.slice(3, at);
    const [id] = good.slice(at + 2).split('.');
    const wrongHash = `K10${hash.replace(/^./, (ch) => (ch === '0' ? '1' : '0'))}${good.slice(at)}`;
    const cases = [
      { what: 'a wrong secret', token: `${good.slice(0, at + 2)}${id}.${'x'.repeat(16)}`, want: /401|[Uu]nauthorized|token/ },
      { what: 'a token whose CA hash does not match', token: wrongHash, want: /hash|CA|certificate authority/i },
    ];
    const node = c.agents[1];
    for (const k of cases) {
      const dir = join(node.dataDir, '..', `refused-${cases.indexOf(k)}`);
      const r = await node.exec('timeout', '60', process.execPath, join(process.cwd(), 'deploy/bin/skiff.mjs'), 'agent', '--server', server, '--token', k.token,
        '--data-dir', dir, '--node-name', 'intruder', '--node-ip', node.member.ip);
      assert.notEqual(r.code, 0, `${k.what}: the agent exits non-zero`);
      assert.match(`${r.stdout}${r.stderr}`, k.want, `${k.what}: a clear message`);
      const left = existsSync(dir) ? (await node.exec('find', dir, '-type', 'f')).stdout.trim() : '';
      assert.equal(left, '', `${k.what}: nothing written under ${dir}`);
      log(`${k.what}: refused (${`${r.stdout}${r.stderr}`.trim().split('\n').pop()?.slice(0, 160) ?? ''})`);
    }
    // The admin credential: the admin key (its PEM body lines, and the whole PEM base64-encoded as kubeconfigs hold it) appears
    // nowhere under an agent's data dir. (Every P-256 PKCS#8 key starts with the same bytes, so no prefix is used as a needle.)
    const adminKey = (await c.server.exec('cat', join(c.server.dataDir, 'tls', 'client-admin.key'))).stdout;
    const body = adminKey.split('\n').filter((l) => l !== '' && !l.startsWith('-----'));
    assert.ok(body.length >= 2, 'the admin key has a PEM body');
    const needles = [Buffer.from(adminKey).toString('base64'), ...body.slice(1).filter((l) => l.length >= 40), body.join('')];
    for (const a of c.agents) {
      const g = await a.exec('grep', '-rlF', ...needles.flatMap((n) => ['-e', n]), '--', a.dataDir);
      assert.equal(g.code, 1, `${a.nodeName}: the admin key is not under ${a.dataDir} (grep exit ${g.code}: ${g.stdout}${g.stderr})`);
    }
    log('agents hold no admin credential');
  });

  step('a 6-replica nginx Deployment spreads across all three nodes', 6 * MIN, async (c) => {
    await apply(c, 'web.yaml', webManifest({ replicas: 6, image: 'nginx:1.22' }));
    const running = await waitFor(async (note) => {
      const p = await pods(c, 'app=web');
      note(p.map((x) => `${x.name}@${x.node}`).join(' '));
      return p.length === 6 ? p : undefined;
    }, 5 * MIN, '6 web pods Running');
    assert.deepEqual([...new Set(running.map((p) => p.node))].sort(), nodeNames(c).sort());
  });

  step('kubectl top nodes lists every node with non-zero memory; kubectl top pods lists the web pods (metrics.k8s.io from the kubelets\' /metrics/resource)', 3 * MIN, async (c) => {
    const table = (out: string): string[][] => out.trim().split('\n').slice(1).map((l) => l.trim().split(/\s+/));
    await waitFor(async (note) => {
      const out = await c.kubectl('top', 'nodes');
      note(out);
      const rows = table(out);
      return nodeNames(c).every((n) => rows.some((r) => r[0] === n && /^[1-9]\d*(Ki|Mi|Gi)$/.test(r[3] ?? '') && /^\d+m$/.test(r[1] ?? '')));
    }, 2 * MIN, 'kubectl top nodes: all three nodes with CPU and memory');
    await waitFor(async (note) => {
      const out = await c.kubectl('top', 'pods', '-l', 'app=web');
      note(out);
      const rows = table(out);
      return rows.length === 6 && rows.every((r) => r[0]?.startsWith('web-') && /^\d+m$/.test(r[1] ?? '') && /^\d+(Ki|Mi)$/.test(r[2] ?? ''));
    }, 2 * MIN, 'kubectl top pods: the six web pods');
  });

  let collector: ReturnType<typeof startCollector> | undefined;

  /**
   * Runs one clientPod per node (its nginx targets; every whoami pod), waits
   * for the three reports at the laptop's collector; returns them by node.
   */
  async function runClients(c: MultiCluster, tag: string, targets: Map<string, string[]>, whoami: readonly string[] = []): Promise<Map<string, Report>> {
    if (!collector) {
      collector = startCollector(c.topology.laptop.name, c.topology.laptop.ip, 9000);
      await collector.ready;
    }
    const col = collector;
    const before = col.reports().length;
    const nodeOfIP = new Map(c.nodes.map((n) => [n.member.ip, n.nodeName]));
    await apply(c, `clients-${tag}.yaml`, [...targets].map(([n, t]) => stringify(clientPod(`client-${tag}-${n}`, n, t, whoami, `${c.topology.laptop.ip}:9000`))).join('---\n'));
    const reports = await waitFor(() => {
      const r = col.reports().slice(before);
      return r.length === targets.size ? r : undefined;
    }, 4 * MIN, `${targets.size} ${tag} client reports at the laptop`, 500);
    return new Map(reports.map((r) => [nodeOfIP.get(r.from) ?? `unknown source ${r.from}`, r]));
  }

  step('pods reach each other across nodes by pod IP, without NAT', 8 * MIN, async (c) => {
    await apply(c, 'whoami.yaml', nodeNames(c).map((n) => stringify(whoamiPod(n))).join('---\n'));
    const who = await waitFor(async () => {
      const p = await pods(c, 'app=whoami');
      return p.length === 3 ? p : undefined;
    }, 3 * MIN, 'a whoami pod Running on every node');
    const web = await pods(c, 'app=web');
    const targets = new Map(nodeNames(c).map((n) => [n, web.filter((w) => w.node !== n).map((w) => `${w.ip}:80`)]));
    const results = await runClients(c, 'podip', targets, who.map((w) => w.ip));
    assert.deepEqual([...results.keys()].sort(), nodeNames(c).sort(), 'each report reached the laptop from its node\'s IP (pod → outside is masqueraded)');
    for (const [node, r] of results) {
      const nginx = r.lines.filter((l) => !l.startsWith('who '));
      assert.deepEqual(nginx, (targets.get(node) ?? []).map((t) => `OK ${t}`), `client on ${node}`);
      // Every whoami pod, on this node or another, saw the client's own pod IP: no NAT inside the cluster CIDR.
      const seen = r.lines.filter((l) => l.startsWith('who '));
      assert.deepEqual(seen, who.map((w) => `who ${w.ip} from=${r.me}`), `client on ${node} (${r.me})`);
      assert.match(r.me, /^10\.244\./);
    }
    // Host network → remote pods, through the host-gw routes.
    for (const n of c.nodes) {
      for (const target of web.filter((w) => w.node !== n.nodeName)) {
        const r = await n.exec('curl', '-sS', '-m', '5', `http://${target.ip}/`);
        assert.ok(r.stdout.includes(NGINX), `${n.nodeName} → ${target.ip}: ${r.stderr}`);
      }
    }
  });

  step('kubectl exec, cp, attach and port-forward reach a pod on every node through the API server (kubectl 1.27 over SPDY, 1.33 over WebSocket with its SPDY fallback), under RBAC', 6 * MIN, async (c) => {
    await podConnectWorks(c, work, WHO_PORT, log);
  });

  step('a ClusterIP Service answers from every node and from a pod on every node, with backends on every node', 6 * MIN, async (c) => {
    const svc = await c.kubectlJson<Service>('get', 'service', 'web');
    const vip = svc.spec?.clusterIP ?? '';
    assert.match(vip, /^10\./);
    const slices = await waitFor(async () => {
      const l = await c.kubectlJson<List<EndpointSlice>>('get', 'endpointslices', '-l', 'kubernetes.io/service-name=web');
      const eps = l.items.flatMap((s) => s.endpoints).filter((e) => e.conditions?.ready);
      return eps.length === 6 ? eps : undefined;
    }, 2 * MIN, '6 ready endpoints');
    assert.deepEqual([...new Set(slices.map((e) => e.nodeName))].sort(), nodeNames(c).sort());
    for (const n of c.nodes) {
      // The proxy applies new endpoints within a sync interval (>= 1 s) of the slice change.
      await waitFor(async () => (await n.exec('curl', '-sS', '-m', '5', `http://${vip}:8080/`)).stdout.includes(NGINX), 30_000, `${n.nodeName} → ${vip}:8080 answers`, 500);
      // Several requests, so backends on other nodes are hit too (random DNAT).
      for (let i = 0; i < 6; i++) {
        const r = await n.exec('curl', '-sS', '-m', '5', `http://${vip}:8080/`);
        assert.ok(r.stdout.includes(NGINX), `${n.nodeName} → ${vip}:8080: ${r.stderr}`);
      }
    }
    const viaPods = await runClients(c, 'vip', new Map(nodeNames(c).map((n) => [n, Array.from({ length: 6 }, () => `${vip}:8080`)])));
    assert.deepEqual([...viaPods.keys()].sort(), nodeNames(c).sort());
    for (const [node, r] of viaPods) assert.deepEqual(r.lines, Array.from({ length: 6 }, () => `OK ${vip}:8080`), `client on ${node}`);
  });

  let cutNode: NodeProcess | undefined;
  let movedFrom: string[] = [];

  step('cut one agent\'s link: its node turns Unknown within 50 s and its pods are recreated elsewhere', 6 * MIN, async (c) => {
    // A Deployment of its own whose pods tolerate an unreachable node for only 5 s (default 300 s).
    const mover: Deployment = webDeployment({ replicas: 6, image: 'nginx:1.22' });
    mover.metadata = { name: 'mover', namespace: 'default', labels: { app: 'mover' } };
    assert.ok(mover.spec);
    mover.spec.selector = { matchLabels: { app: 'mover' } };
    mover.spec.template.metadata = { labels: { app: 'mover' } };
    const tpl = mover.spec.template.spec;
    assert.ok(tpl);
    tpl.tolerations = [
      { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 5 },
      { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 5 },
    ];
    await apply(c, 'mover.yaml', stringify(mover));
    // The victim is the agent holding the most mover pods: where the scheduler spreads them depends on what
    // the earlier steps left on each node, so a fixed agent may get none.
    const placed = await waitFor(async (note) => {
      const p = await pods(c, 'app=mover');
      note(p.map((x) => `${x.name}@${x.node}`).join(' '));
      const onAgents = c.agents.map((a) => ({ agent: a, on: p.filter((x) => x.node === a.nodeName).map((x) => x.name) })).sort((a, b) => b.on.length - a.on.length);
      const top = onAgents[0];
      return p.length === 6 && top !== undefined && top.on.length > 0 ? top : undefined;
    }, 3 * MIN, '6 mover pods Running, some on an agent');
    cutNode = placed.agent;
    movedFrom = placed.on;
    const victim = cutNode.nodeName;
    log(`mover pods on ${victim}: ${movedFrom.join(' ')}`);
    await c.topology.cut(c.nodes.indexOf(cutNode));
    const cutAt = Date.now();
    await waitFor(async () => (await readyNodes(c)).get(victim) === 'Unknown', 60_000, `${victim} Ready=Unknown`, 1000);
    const took = (Date.now() - cutAt) / 1000;
    log(`TIMING link cut -> ${victim} Unknown: ${took.toFixed(1)} s`);
    assert.ok(took <= 50, `${victim} turned Unknown after ${took.toFixed(1)} s (limit 50 s)`);
    const unknownAt = Date.now();
    await waitFor(async (note) => {
      const p = await pods(c, 'app=mover');
      note(p.map((x) => `${x.name}@${x.node}`).join(' '));
      return p.length === 6 && p.every((x) => x.node !== victim && !movedFrom.includes(x.name));
    }, 3 * MIN, `6 mover pods Running off ${victim}, none of ${movedFrom.join(', ')}`, 1000);
    log(`TIMING ${victim} Unknown -> its pods recreated elsewhere: ${((Date.now() - unknownAt) / 1000).toFixed(1)} s`);
  }, { long: true });

  step('restore the link: the node is Ready again and its stale containers are cleaned up', 6 * MIN, async (c) => {
    const n = cutNode;
    assert.ok(n);
    await c.topology.restore(c.nodes.indexOf(n));
    await waitFor(async () => (await readyNodes(c)).get(n.nodeName) === 'True', 3 * MIN, `${n.nodeName} Ready again`, 1000);
    await waitFor(async (note) => {
      const stale = (await n.containers()).filter((x) => x.kind === 'container' && x.status === 'RUNNING' && movedFrom.includes(x.podName));
      note(stale.map((x) => x.podName).join(' '));
      return stale.length === 0;
    }, 3 * MIN, `no running containers of the evicted pods on ${n.nodeName}`);
  }, { long: true });
});
