/**
 * REAL test of NetworkPolicy enforcement: a node namespace with bridge br0
 * and two pod namespaces on it (testnet.test-util.ts: "web" 10.244.0.5 with
 * an HTTP server on 8080, "client" 10.244.0.6), Pod/Namespace/Policy
 * objects through a FakeClient, and a NetworkPolicyController applying
 * `table inet skiff-netpol` with nft inside the node namespace. Checks, with
 * real connections: where the forward hook sees same-bridge traffic
 * (only with bridge-nf-call-iptables=1), default deny, an allow rule for the
 * client's label on a named port (replies pass although both pods are
 * isolated), label changes, the node's own access, egress deny, cleanup.
 * No namespace has a default route.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Namespace, Pod } from 'kubernetes-types/core/v1';
import type { NetworkPolicy } from 'kubernetes-types/networking/v1';
import { FakeClient } from '../../apiserver/testing/fake-client.ts';
import { createInformerFactory } from '../../apiserver/client/informer.ts';
import { Namespaces, NetworkPolicies, Pods } from '../../apiserver/client/resources.ts';
import { mustExec, type Exec } from '../exec.ts';
import { CLIENT_IP, createTestNet, POD_IP, realNetSkipReason } from '../testnet.test-util.ts';
import { quietLogger } from '../../testutil/real-api.ts';
import { waitFor } from '../../testutil/wait.ts';
import { NetworkPolicyController } from './controller.ts';
import { removeNetpolTable } from './nft.ts';
import { namespace, pod, policy } from './fixtures.test-util.ts';

const URL = `http://${POD_IP}:8080/`;
const BODY = 'hello-from-web';

/** GET from a namespace with a 2 s cap: 'ok' when the body is ours, else the curl exit code. */
async function get(from: Exec): Promise<string> {
  const r = await from('curl', ['-sS', '-m', '2', URL]);
  return r.exitCode === 0 && r.stdout === BODY ? 'ok' : `exit ${r.exitCode}`;
}

test('NetworkPolicy in nftables: default deny, allow by label and named port, egress deny, node always allowed', { timeout: 120_000 }, async (t) => {
  const reason = realNetSkipReason();
  if (reason) { t.skip(reason); return; }
  const tn = await createTestNet('np');
  const ac = new AbortController();
  let controller: NetworkPolicyController | undefined;
  try {
    await tn.serve(8080, BODY);
    const api = new FakeClient({ namespaces: ['shop'] });
    const shop = await api.get<Namespace>(Namespaces, 'shop');
    await api.update<Namespace>(Namespaces, { ...shop, metadata: { ...shop.metadata, labels: { ...shop.metadata?.labels, team: 'a' } } });
    await api.create<Pod>(Pods, pod('shop', 'web', 'n1', POD_IP, { app: 'web' }, [{ name: 'http', containerPort: 8080 }]), 'shop');
    await api.create<Pod>(Pods, pod('shop', 'client', 'n1', CLIENT_IP, { role: 'client' }), 'shop');
    // The FakeClient stores status only through updateStatus; give both pods their IPs.
    for (const [name, ip] of [['web', POD_IP], ['client', CLIENT_IP]] as const) {
      const p = await api.get<Pod>(Pods, name, 'shop');
      await api.updateStatus<Pod>(Pods, { ...p, status: { phase: 'Running', podIP: ip, podIPs: [{ ip }] } }, 'shop');
    }

    const payloads: string[] = [];
    const factory = createInformerFactory(api, quietLogger('netpol-real'));
    controller = new NetworkPolicyController({
      nodeName: 'n1', policies: factory.for<NetworkPolicy>(NetworkPolicies), pods: factory.for<Pod>(Pods), namespaces: factory.for<Namespace>(Namespaces),
      exec: tn.node, log: quietLogger('netpol-real'), minIntervalMs: 50, onSynced: (p) => { payloads.push(p); },
    });
    factory.start(ac.signal);
    await factory.synced();
    controller.start(ac.signal);
    /** Resolves once a sync has applied a payload satisfying `pred` (the kernel has it: nft -f returned). */
    const applied = (what: string, pred: (p: string) => boolean): Promise<string> =>
      waitFor(() => payloads.find((p, i) => i === payloads.length - 1 && pred(p)), 10_000, what, 20);

    await applied('the empty table', (p) => !p.includes(' jump '));
    assert.equal(await get(tn.client), 'ok', 'no policy: open');

    // Default deny for every pod of the namespace.
    await api.create(NetworkPolicies, policy('shop', 'deny', { podSelector: {}, policyTypes: ['Ingress'] }), 'shop');
    await applied('default deny', (p) => p.includes('comment "shop/deny"'));

    // Where the hook sees it: same-bridge pod → pod reaches the inet forward hook only through br_netfilter.
    await mustExec(tn.node, 'sysctl', ['-qw', 'net.bridge.bridge-nf-call-iptables=0']);
    assert.equal(await get(tn.client), 'ok', 'without bridge-nf-call-iptables the bridge bypasses the forward hook');
    await mustExec(tn.node, 'sysctl', ['-qw', 'net.bridge.bridge-nf-call-iptables=1']);
    assert.equal(await get(tn.client), 'exit 28', 'default deny: the client times out');
    // The node itself (kubelet probes) still reaches its pod: its traffic takes the output hook, not forward.
    assert.equal((await tn.curl(tn.node, URL)).body, BODY, 'node → pod is always allowed');

    // Allow the client's label on the named port: web's http is 8080. Replies pass though the client is isolated too.
    await api.create(NetworkPolicies, policy('shop', 'allow-client', {
      podSelector: { matchLabels: { app: 'web' } },
      ingress: [{ from: [{ podSelector: { matchLabels: { role: 'client' } } }], ports: [{ protocol: 'TCP', port: 'http' }] }],
    }), 'shop');
    const withAllow = await applied('allow rule', (p) => p.includes('shop/allow-client ingress[0]'));
    assert.match(withAllow, new RegExp(`ip saddr ${CLIENT_IP.replace(/\./g, '\\.')} ip daddr ${POD_IP.replace(/\./g, '\\.')} meta l4proto tcp th dport 8080 accept`));
    assert.equal(await get(tn.client), 'ok', 'allowed by label');

    // The client loses the label: blocked again (a pod update is a sync trigger).
    const c1 = await api.get<Pod>(Pods, 'client', 'shop');
    await api.update<Pod>(Pods, { ...c1, metadata: { ...c1.metadata, labels: { role: 'visitor' } } }, 'shop');
    await applied('label change', (p) => p.includes('comment "shop/deny"') && !p.includes(`ip saddr ${CLIENT_IP}`));
    assert.equal(await get(tn.client), 'exit 28', 'no label, no entry');

    // A namespaceSelector peer lets it in again (team=a is the client's own namespace).
    await api.create(NetworkPolicies, policy('shop', 'allow-team', {
      podSelector: { matchLabels: { app: 'web' } }, ingress: [{ from: [{ namespaceSelector: { matchLabels: { team: 'a' } } }] }],
    }), 'shop');
    await applied('namespace rule', (p) => p.includes('shop/allow-team ingress[0]'));
    assert.equal(await get(tn.client), 'ok', 'allowed by namespace');

    // Egress deny for the client: ingress is allowed at web, but the client may not send.
    await api.create(NetworkPolicies, policy('shop', 'client-egress', { podSelector: { matchLabels: { role: 'visitor' } }, policyTypes: ['Egress'] }), 'shop');
    await applied('egress deny', (p) => p.includes('comment "shop/client-egress"'));
    assert.equal(await get(tn.client), 'exit 28', 'egress denied');

    // An egress rule to web's named port opens exactly that.
    const eg = await api.get<NetworkPolicy>(NetworkPolicies, 'client-egress', 'shop');
    await api.update<NetworkPolicy>(NetworkPolicies, { ...eg, spec: { ...eg.spec!, egress: [{ to: [{ podSelector: { matchLabels: { app: 'web' } } }], ports: [{ port: 'http' }] }] } }, 'shop');
    await applied('egress allow', (p) => p.includes('shop/client-egress egress[0]'));
    assert.equal(await get(tn.client), 'ok', 'egress allowed to web:http');

    // Deleting the policies opens everything again; cleanup removes the table.
    for (const name of ['deny', 'allow-client', 'allow-team', 'client-egress']) await api.delete(NetworkPolicies, name, 'shop');
    await applied('no policies', (p) => !p.includes(' jump '));
    assert.equal(await get(tn.client), 'ok');
    ac.abort();
    await controller.idle();
    await removeNetpolTable(tn.node);
    await removeNetpolTable(tn.node);
    assert.doesNotMatch((await mustExec(tn.node, 'nft', ['list', 'tables'])).stdout, /skiff-netpol/);
    assert.equal((await mustExec(tn.node, 'ip', ['route', 'show', 'default'])).stdout.trim(), '');
  } finally {
    ac.abort();
    await controller?.idle();
    await tn.destroy();
  }
});
