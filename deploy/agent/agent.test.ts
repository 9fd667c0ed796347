/** The agent's supervised parts: the kubelet plan reuses the server's flags with the agent's own credentials, and nothing of the admin's. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { agentPlans } from './agent.ts';
import { agentPaths } from './layout.ts';

test('agentPlans: the kubelet and the proxy, with the agent\'s kubeconfigs, serving cert and CA', () => {
  const paths = agentPaths('/a');
  const plans = agentPlans({ server: 'https://10.0.0.1:6443', token: 't', dataDir: '/a', nodeName: 'n2', nodeIP: '10.0.0.2', registryMirrors: [] }, paths, '/a/containerd/containerd.sock', { command: 'node', args: ['skiff.mjs'] }, 1);
  assert.deepEqual(plans.map((p) => p.spec.name), ['kubelet', 'proxy']);
  const args = plans[0]?.spec.args ?? [];
  const flag = (f: string): string | undefined => args[args.indexOf(f) + 1];
  assert.equal(flag('--kubeconfig'), '/a/cred/kubelet.kubeconfig');
  assert.equal(flag('--tls-cert-file'), '/a/tls/serving-kubelet.crt');
  assert.equal(flag('--tls-private-key-file'), '/a/tls/serving-kubelet.key');
  assert.equal(flag('--client-ca-file'), '/a/tls/server-ca.crt');
  assert.equal(flag('--node-name'), 'n2');
  assert.equal(flag('--node-ip'), '10.0.0.2');
  assert.equal(flag('--containerd-socket'), '/a/containerd/containerd.sock');
  assert.equal(flag('--root-dir'), '/a/kubelet');
  assert.ok(!args.some((a) => a.includes('admin')), 'no admin credential is handed to the kubelet');
  const proxy = plans[1]?.spec.args ?? [];
  assert.equal(proxy[proxy.indexOf('--kubeconfig') + 1], '/a/cred/kubeproxy.kubeconfig');
  assert.equal(proxy[proxy.indexOf('--node-name') + 1], 'n2');
});

test('agentPlans: --proxy-mode reaches the proxy only when given', () => {
  const paths = agentPaths('/a');
  const base = { server: 'https://10.0.0.1:6443', token: 't', dataDir: '/a', nodeName: 'n2', registryMirrors: [] };
  const argsOf = (cfg: Parameters<typeof agentPlans>[0]): string[] => agentPlans(cfg, paths, '/s', { command: 'node', args: [] }, 1)[1]?.spec.args ?? [];
  const nft = argsOf({ ...base, proxyMode: 'nftables' });
  assert.equal(nft[nft.indexOf('--proxy-mode') + 1], 'nftables');
  assert.ok(!argsOf(base).includes('--proxy-mode'));
});

test('agentPlans: the server\'s cluster network reaches the proxy and the kubelet (cluster DNS is its Service range\'s 10th address)', () => {
  const paths = agentPaths('/a');
  const cfg = { server: 'https://10.0.0.1:6443', token: 't', dataDir: '/a', nodeName: 'n2', registryMirrors: [] };
  const flagOf = (args: string[], f: string): string | undefined => (args.includes(f) ? args[args.indexOf(f) + 1] : undefined);
  const [kubelet, proxy] = agentPlans(cfg, paths, '/s', { command: 'node', args: [] }, 1, { clusterCIDR: '10.42.0.0/16', serviceCIDR: '10.43.0.0/16' }).map((p) => p.spec.args);
  assert.equal(flagOf(proxy ?? [], '--cluster-cidr'), '10.42.0.0/16');
  assert.equal(flagOf(proxy ?? [], '--service-cidr'), '10.43.0.0/16');
  assert.equal(flagOf(kubelet ?? [], '--cluster-dns'), '10.43.0.10');
  const [, dflt] = agentPlans(cfg, paths, '/s', { command: 'node', args: [] }, 1).map((p) => p.spec.args);
  assert.equal(flagOf(dflt ?? [], '--service-cidr'), '10.96.0.0/12', 'no network given: the defaults');
});
