import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1';
import type { NetworkPolicy } from 'kubernetes-types/networking/v1';
import { decideNetpol, policyPodIPs, resolveNamedPort } from './decide.ts';
import type { NetpolModel } from './model.ts';
import { namespace, pod, policy } from './fixtures.test-util.ts';

const web = pod('shop', 'web', 'n1', '10.244.1.5', { app: 'web' }, [{ name: 'http', containerPort: 8080 }, { name: 'dns', containerPort: 53, protocol: 'UDP' }]);
const web2 = pod('shop', 'web2', 'n1', '10.244.1.6', { app: 'web' }, [{ name: 'http', containerPort: 9090 }]);
const webRemote = pod('shop', 'web3', 'n2', '10.244.2.5', { app: 'web' }, [{ name: 'http', containerPort: 8080 }]);
const client = pod('shop', 'client', 'n2', '10.244.2.9', { role: 'client' });
const other = pod('lab', 'probe', 'n2', '10.244.2.10', { role: 'client' });
const namespaces = [namespace('shop', { team: 'a' }), namespace('lab', { team: 'b' })];
const none: NetpolModel = { ingress: [], egress: [] };

describe('decideNetpol', () => {
  const cases: Array<{ name: string; policies: NetworkPolicy[]; pods?: Pod[]; want: NetpolModel }> = [
    { name: 'no policies: nothing isolated', policies: [], want: none },
    {
      name: 'default deny ingress: every local pod of the namespace isolated, no rules; remote pods are the other node\'s business',
      policies: [policy('shop', 'deny', { policyTypes: ['Ingress'] })],
      want: { ingress: [{ policy: 'shop/deny', direction: 'ingress', targets: ['10.244.1.5', '10.244.1.6'], rules: [] }], egress: [] },
    },
    {
      name: 'a policy of another namespace does not select our pods',
      policies: [policy('lab', 'deny', { policyTypes: ['Ingress', 'Egress'] })],
      want: none,
    },
    {
      name: 'policyTypes unset: Ingress, plus Egress when egress rules exist',
      policies: [policy('shop', 'both', { podSelector: { matchLabels: { app: 'web' } }, egress: [{}] })],
      want: {
        ingress: [{ policy: 'shop/both', direction: 'ingress', targets: ['10.244.1.5', '10.244.1.6'], rules: [] }],
        egress: [{ policy: 'shop/both', direction: 'egress', targets: ['10.244.1.5', '10.244.1.6'], rules: [{ rule: 0, peer: { kind: 'any' }, port: { kind: 'any' } }] }],
      },
    },
    {
      name: 'union: two policies selecting one pod each keep their own rules; podSelector peers are same-namespace pods on any node',
      policies: [
        policy('shop', 'b-from-clients', { podSelector: { matchLabels: { app: 'web' } }, ingress: [{ from: [{ podSelector: { matchLabels: { role: 'client' } } }] }] }),
        policy('shop', 'a-deny', { podSelector: {}, policyTypes: ['Ingress'] }),
      ],
      want: {
        ingress: [
          { policy: 'shop/a-deny', direction: 'ingress', targets: ['10.244.1.5', '10.244.1.6'], rules: [] },
          { policy: 'shop/b-from-clients', direction: 'ingress', targets: ['10.244.1.5', '10.244.1.6'], rules: [{ rule: 0, peer: { kind: 'pods', ips: ['10.244.2.9'] }, port: { kind: 'any' } }] },
        ],
        egress: [],
      },
    },
    {
      name: 'namespaceSelector alone: every pod of the selected namespaces; with podSelector: only matching pods there',
      policies: [policy('shop', 'ns', {
        podSelector: { matchLabels: { app: 'web' } },
        ingress: [
          { from: [{ namespaceSelector: { matchLabels: { team: 'b' } } }] },
          { from: [{ namespaceSelector: {}, podSelector: { matchLabels: { role: 'client' } } }] },
          { from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'shop' } }, podSelector: { matchExpressions: [{ key: 'role', operator: 'Exists' }] } }] },
        ],
      })],
      want: {
        ingress: [{
          policy: 'shop/ns', direction: 'ingress', targets: ['10.244.1.5', '10.244.1.6'], rules: [
            { rule: 0, peer: { kind: 'pods', ips: ['10.244.2.10'] }, port: { kind: 'any' } },
            { rule: 1, peer: { kind: 'pods', ips: ['10.244.2.9', '10.244.2.10'] }, port: { kind: 'any' } },
            { rule: 2, peer: { kind: 'pods', ips: ['10.244.2.9'] }, port: { kind: 'any' } },
          ],
        }],
        egress: [],
      },
    },
    {
      name: 'a peer that selects no pod matches nothing (no rule), it does not open everything',
      policies: [policy('shop', 'nobody', { ingress: [{ from: [{ podSelector: { matchLabels: { role: 'ghost' } } }] }] })],
      want: { ingress: [{ policy: 'shop/nobody', direction: 'ingress', targets: ['10.244.1.5', '10.244.1.6'], rules: [] }], egress: [] },
    },
    {
      name: 'ipBlock with except, numeric ports, ranges, and a protocol without a port',
      policies: [policy('shop', 'blocks', {
        podSelector: { matchLabels: { app: 'web' } },
        ingress: [{ from: [{ ipBlock: { cidr: '192.168.0.0/16', except: ['192.168.1.0/24'] } }, { ipBlock: { cidr: '2001:db8::/32' } }], ports: [{ protocol: 'TCP', port: 80 }, { protocol: 'UDP', port: 5000, endPort: 5100 }, { protocol: 'SCTP' }] }],
      })],
      want: {
        ingress: [{
          policy: 'shop/blocks', direction: 'ingress', targets: ['10.244.1.5', '10.244.1.6'], rules: [
            { rule: 0, peer: { kind: 'block', cidr: '192.168.0.0/16', except: ['192.168.1.0/24'] }, port: { kind: 'port', protocol: 'tcp', port: 80 } },
            { rule: 0, peer: { kind: 'block', cidr: '192.168.0.0/16', except: ['192.168.1.0/24'] }, port: { kind: 'port', protocol: 'udp', port: 5000, endPort: 5100 } },
            { rule: 0, peer: { kind: 'block', cidr: '192.168.0.0/16', except: ['192.168.1.0/24'] }, port: { kind: 'port', protocol: 'sctp' } },
            { rule: 0, peer: { kind: 'block', cidr: '2001:db8::/32', except: [] }, port: { kind: 'port', protocol: 'tcp', port: 80 } },
            { rule: 0, peer: { kind: 'block', cidr: '2001:db8::/32', except: [] }, port: { kind: 'port', protocol: 'udp', port: 5000, endPort: 5100 } },
            { rule: 0, peer: { kind: 'block', cidr: '2001:db8::/32', except: [] }, port: { kind: 'port', protocol: 'sctp' } },
          ],
        }],
        egress: [],
      },
    },
    {
      name: 'ingress named port: resolved per selected pod (8080 on web, 9090 on web2), protocol must match',
      policies: [policy('shop', 'named', { podSelector: { matchLabels: { app: 'web' } }, ingress: [{ ports: [{ port: 'http' }, { port: 'dns', protocol: 'TCP' }, { port: 'dns', protocol: 'UDP' }] }] })],
      want: {
        ingress: [{
          policy: 'shop/named', direction: 'ingress', targets: ['10.244.1.5', '10.244.1.6'], rules: [
            { rule: 0, peer: { kind: 'any' }, port: { kind: 'port', protocol: 'tcp', port: 8080, to: ['10.244.1.5'] } },
            { rule: 0, peer: { kind: 'any' }, port: { kind: 'port', protocol: 'tcp', port: 9090, to: ['10.244.1.6'] } },
            { rule: 0, peer: { kind: 'any' }, port: { kind: 'port', protocol: 'udp', port: 53, to: ['10.244.1.5'] } },
          ],
        }],
        egress: [],
      },
    },
    {
      name: 'egress deny plus an allow to web pods on a named port, resolved against the peer pods (remote ones too)',
      policies: [
        policy('shop', 'client-egress', {
          podSelector: { matchLabels: { role: 'client' } }, policyTypes: ['Egress'],
          egress: [{ to: [{ podSelector: { matchLabels: { app: 'web' } } }], ports: [{ port: 'http' }] }, { to: [{ ipBlock: { cidr: '10.96.0.10/32' } }], ports: [{ protocol: 'UDP', port: 53 }] }],
        }),
      ],
      pods: [web, web2, webRemote, { ...client, spec: { containers: [], ...client.spec, nodeName: 'n1' } }],
      want: {
        ingress: [],
        egress: [{
          policy: 'shop/client-egress', direction: 'egress', targets: ['10.244.2.9'], rules: [
            { rule: 0, peer: { kind: 'pods', ips: ['10.244.1.5', '10.244.1.6', '10.244.2.5'] }, port: { kind: 'port', protocol: 'tcp', port: 8080, to: ['10.244.1.5', '10.244.2.5'] } },
            { rule: 0, peer: { kind: 'pods', ips: ['10.244.1.5', '10.244.1.6', '10.244.2.5'] }, port: { kind: 'port', protocol: 'tcp', port: 9090, to: ['10.244.1.6'] } },
            { rule: 1, peer: { kind: 'block', cidr: '10.96.0.10/32', except: [] }, port: { kind: 'port', protocol: 'udp', port: 53 } },
          ],
        }],
      },
    },
    {
      name: 'egress named port to any destination resolves against every known pod; an IPv6 block cannot meet it',
      policies: [policy('shop', 'any-http', { podSelector: { matchLabels: { app: 'web' } }, policyTypes: ['Egress'], egress: [{ ports: [{ port: 'http' }] }, { to: [{ ipBlock: { cidr: '::/0' } }], ports: [{ port: 'http' }] }] })],
      pods: [web, webRemote],
      want: {
        ingress: [],
        egress: [{ policy: 'shop/any-http', direction: 'egress', targets: ['10.244.1.5'], rules: [{ rule: 0, peer: { kind: 'any' }, port: { kind: 'port', protocol: 'tcp', port: 8080, to: ['10.244.1.5', '10.244.2.5'] } }] }],
      },
    },
    {
      name: 'hostNetwork, finished and IP-less pods are neither targets nor peers',
      policies: [policy('shop', 'p', { ingress: [{ from: [{ podSelector: {} }] }] })],
      pods: [
        web,
        { ...web2, spec: { containers: [], ...web2.spec, hostNetwork: true } },
        { ...client, status: { phase: 'Succeeded', podIP: '10.244.2.9' } },
        { ...pod('shop', 'new', 'n1', ''), status: { phase: 'Pending' } },
      ],
      want: { ingress: [{ policy: 'shop/p', direction: 'ingress', targets: ['10.244.1.5'], rules: [{ rule: 0, peer: { kind: 'pods', ips: ['10.244.1.5'] }, port: { kind: 'any' } }] }], egress: [] },
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.deepEqual(decideNetpol(c.policies, c.pods ?? [web, web2, webRemote, client, other], namespaces, 'n1'), c.want);
    });
  }

  it('the model does not depend on the order of the inputs', () => {
    const policies = [policy('shop', 'b', { ingress: [{ from: [{ namespaceSelector: {} }] }] }), policy('shop', 'a', { policyTypes: ['Egress'] })];
    const pods = [web, web2, webRemote, client, other, pod('lab', 'twin', 'n2', '10.244.2.10')];
    assert.deepEqual(decideNetpol([...policies].reverse(), [...pods].reverse(), [...namespaces].reverse(), 'n1'), decideNetpol(policies, pods, namespaces, 'n1'));
    assert.deepEqual(decideNetpol(policies, pods, namespaces, 'n1').ingress[0]?.rules[0]?.peer, { kind: 'pods', ips: ['10.244.1.5', '10.244.1.6', '10.244.2.5', '10.244.2.9', '10.244.2.10'] });
  });

  it('a namespace missing from the cache still matches its kubernetes.io/metadata.name label', () => {
    const p = policy('shop', 'by-name', { ingress: [{ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'lab' } } }] }] });
    const m = decideNetpol([p], [web, other], [], 'n1');
    assert.deepEqual(m.ingress[0]?.rules, [{ rule: 0, peer: { kind: 'pods', ips: ['10.244.2.10'] }, port: { kind: 'any' } }]);
  });
});

describe('pod helpers', () => {
  it('policyPodIPs: IPv4 podIPs, deduplicated and sorted; podIP as fallback', () => {
    assert.deepEqual(policyPodIPs({ status: { phase: 'Running', podIPs: [{ ip: 'fd00::5' }, { ip: '10.244.0.10' }, { ip: '10.244.0.9' }] } }), ['10.244.0.9', '10.244.0.10']);
    assert.deepEqual(policyPodIPs({ status: { phase: 'Running', podIP: '10.244.0.3' } }), ['10.244.0.3']);
    assert.deepEqual(policyPodIPs({ status: { phase: 'Failed', podIP: '10.244.0.3' } }), []);
  });
  it('resolveNamedPort: first container port with the name and protocol', () => {
    assert.equal(resolveNamedPort(web, 'http', 'TCP'), 8080);
    assert.equal(resolveNamedPort(web, 'dns', 'UDP'), 53);
    assert.equal(resolveNamedPort(web, 'dns', 'TCP'), undefined);
  });
});
