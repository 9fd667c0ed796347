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
