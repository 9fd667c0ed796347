/**
 * Acceptance test (issue 8, Ingress): a server and an agent in their own
 * network namespaces on a bridge, and a "laptop" namespace attached only to
 * that bridge. One Ingress without a class (it gets the default class
 * `skiff` at admission) routes web.home.lan to an nginx Service and
 * blog.home.lan to a busybox httpd Service, over HTTP and HTTPS (one
 * kubernetes.io/tls Secret per host, picked by SNI). From the laptop, curl
 * --resolve reaches both hosts through every node's ports 80 and 443 and
 * verifies the certificates with the test CA; `kubectl get ingress` shows
 * both node IPs as ADDRESS. About 3 minutes.
 */
import { after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Pod } from 'kubernetes-types/core/v1';
import { stringify } from 'yaml';
import { serverCert, testCA, tlsSecret } from '../proxy/ingress/certs.test-util.ts';
import { waitFor } from '../testutil/wait.ts';
import { log, type List } from './harness/prelude.ts';
import type { MultiCluster } from './harness/multi-cluster.ts';
import { multiClusterSuite } from './harness/multi-suite.ts';
import { webManifest } from './harness/workload.ts';

const MIN = 60_000;
const TOOLS = ['ip', 'nsenter', 'umoci', 'skopeo', 'docker-registry', 'gcc', 'dpkg-deb', 'curl', 'etcd', 'etcdctl', 'containerd', 'runc', 'ctr', 'iptables'];
const CONTINUE_AFTER_FAILURE = process.env.E2E_CONTINUE === '1';
const NGINX = 'Welcome to nginx!';
const BLOG = 'the blog of a homelab';

/** Deployment + Service `blog`: busybox httpd on port 80 serving BLOG. */
function blogManifest(): string {
  const script = `mkdir -p /tmp/www && echo '${BLOG}' > /tmp/www/index.html && exec httpd -f -p 80 -h /tmp/www`;
  return [
    stringify({
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'blog', namespace: 'default' },
      spec: {
        replicas: 2, selector: { matchLabels: { app: 'blog' } },
        template: { metadata: { labels: { app: 'blog' } }, spec: { terminationGracePeriodSeconds: 1, containers: [{ name: 'httpd', image: 'busybox:1.36', command: ['sh', '-c', script], ports: [{ containerPort: 80 }] }] } },
      },
    }),
    stringify({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'blog', namespace: 'default' }, spec: { selector: { app: 'blog' }, ports: [{ name: 'http', port: 80, targetPort: 80 }] } }),
  ].join('---\n');
}

/** The Ingress under test: no class, two hosts, a TLS Secret each. */
function ingressManifest(): string {
  const rule = (host: string, service: string, port: number) => ({
    host, http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: service, port: { number: port } } } }] },
  });
  return stringify({
    apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'home', namespace: 'default' },
    spec: {
      tls: [{ hosts: ['web.home.lan'], secretName: 'web-tls' }, { hosts: ['blog.home.lan'], secretName: 'blog-tls' }],
      rules: [rule('web.home.lan', 'web', 8080), rule('blog.home.lan', 'blog', 80)],
    },
  });
}

describe('Ingress: two hostnames to two Services from the laptop, HTTP and HTTPS', { timeout: 20 * MIN }, () => {
  let caFile = '';
  const suite = multiClusterSuite({ name: 'ingress', tools: TOOLS, cluster: { agents: 1 }, continueAfterFailure: CONTINUE_AFTER_FAILURE });
  const steps = suite.steps;

  async function apply(c: MultiCluster, name: string, text: string): Promise<void> {
    const file = join(suite.workDir(), name);
    await writeFile(file, text);
    await c.kubectl('apply', '-f', file);
  }

  /** curl from the laptop namespace to `https?://host/` with `host` resolved to `ip`; body and status. */
  async function laptopCurl(c: MultiCluster, scheme: 'http' | 'https', host: string, ip: string): Promise<{ code: string; body: string; err: string }> {
    const port = scheme === 'http' ? 80 : 443;
    const r = await c.topology.laptop.runAllowFail('curl', [
      '-sS', '-m', '5', '--resolve', `${host}:${port}:${ip}`, ...(scheme === 'https' ? ['--cacert', caFile] : []),
      '-w', '\n%{http_code}', `${scheme}://${host}/`,
    ], { timeoutMs: 20_000 });
    const lines = r.stdout.split('\n');
    return { code: lines.pop() ?? '', body: lines.join('\n'), err: r.stderr.trim() };
  }

  steps.step('both nodes Ready; the default IngressClass skiff exists', 5 * MIN, async (c) => {
    await waitFor(async (note) => {
      const list = await c.kubectlJson<List<{ metadata?: { name?: string }; status?: { conditions?: Array<{ type: string; status: string }> } }>>('get', 'nodes');
      const ready = list.items.filter((n) => n.status?.conditions?.some((x) => x.type === 'Ready' && x.status === 'True')).map((n) => n.metadata?.name);
      note(ready.join(' '));
      return ready.length === c.nodes.length;
    }, 4 * MIN, 'all nodes Ready');
    const classes = await c.kubectl('get', 'ingressclass');
    assert.match(classes, /^NAME\s+CONTROLLER\s+PARAMETERS\s+AGE\n/);
    assert.match(classes, /\nskiff\s+skiff\.io\/ingress\s+<none>\s+/);
  });

  steps.step('two Services with pods, two TLS Secrets and an Ingress without a class', 6 * MIN, async (c) => {
    const ca = await testCA();
    caFile = join(suite.workDir(), 'ca.crt');
    await writeFile(caFile, ca.certPem);
    const secrets = [tlsSecret('default', 'web-tls', await serverCert(ca, ['web.home.lan'])), tlsSecret('default', 'blog-tls', await serverCert(ca, ['blog.home.lan']))];
    await apply(c, 'secrets.yaml', secrets.map((s) => stringify(s)).join('---\n'));
    await apply(c, 'web.yaml', webManifest({ replicas: 2, image: 'nginx:1.22' }));
    await apply(c, 'blog.yaml', blogManifest());
    await apply(c, 'ingress.yaml', ingressManifest());
    await waitFor(async (note) => {
      const pods = (await c.kubectlJson<List<Pod>>('get', 'pods', '-l', 'app in (web,blog)')).items.filter((p) => p.status?.phase === 'Running' && !p.metadata?.deletionTimestamp);
      note(pods.map((p) => `${p.metadata?.name}@${p.spec?.nodeName}`).join(' '));
      return pods.length === 4;
    }, 5 * MIN, '2 web and 2 blog pods Running');
    const cls = await c.kubectl('get', 'ingress', 'home', '-o', 'jsonpath={.spec.ingressClassName}');
    assert.equal(cls, 'skiff', 'DefaultIngressClass admission set the class');
  });

  steps.step('kubectl get ingress shows both node IPs as ADDRESS', 2 * MIN, async (c) => {
    const ips = c.nodes.map((n) => n.member.ip).sort();
    const out = await waitFor(async (note) => {
      const o = await c.kubectl('get', 'ingress', 'home');
      note(o.trim());
      return o.includes(ips.join(',')) ? o : undefined;
    }, 90_000, `ADDRESS ${ips.join(',')}`, 1000);
    const [header, row] = out.trim().split('\n');
    assert.match(header ?? '', /^NAME\s+CLASS\s+HOSTS\s+ADDRESS\s+PORTS\s+AGE$/);
    assert.match(row ?? '', new RegExp(`^home\\s+skiff\\s+web\\.home\\.lan,blog\\.home\\.lan\\s+${ips.join(',').replace(/\./g, '\\.')}\\s+80, 443\\s+`));
    log(`kubectl get ingress:\n${out.trim()}`);
  });

  steps.step('from the laptop, each host reaches its Service through every node over HTTP and HTTPS', 3 * MIN, async (c) => {
    for (const n of c.nodes) {
      const ip = n.member.ip;
      for (const scheme of ['http', 'https'] as const) {
        // The first request on a node may race the controller's first sync after the pods came up.
        const web = await waitFor(async (note) => {
          const r = await laptopCurl(c, scheme, 'web.home.lan', ip);
          note(`${r.code} ${r.err} ${r.body.slice(0, 80)}`);
          return r.code === '200' && r.body.includes(NGINX) ? r : undefined;
        }, 60_000, `${scheme}://web.home.lan via ${n.nodeName}`, 1000);
        assert.equal(web.code, '200');
        const blog = await laptopCurl(c, scheme, 'blog.home.lan', ip);
        assert.deepEqual([blog.code, blog.body.trim()], ['200', BLOG], `${scheme}://blog.home.lan via ${n.nodeName}: ${blog.err}`);
        const none = await laptopCurl(c, 'http', 'nothing.home.lan', ip);
        assert.equal(none.code, '404', `unknown host via ${n.nodeName}`);
      }
      log(`${n.nodeName} (${ip}): web and blog over http and https`);
    }
  });
});
