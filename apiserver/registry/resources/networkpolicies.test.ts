import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { NetworkPolicy, NetworkPolicySpec } from 'kubernetes-types/networking/v1';
import { FakeClient } from '../../testing/fake-client.ts';
import { NetworkPolicies } from '../../client/resources.ts';
import { ApiError } from '../../client/types.ts';
import { defaultNetworkPolicy, networkPoliciesResource, validateNetworkPolicy } from './networkpolicies.ts';
import { parseCidr, strictSubset } from './networkpolicy-cidr.ts';

const def = networkPoliciesResource();
const np = (spec: Partial<NetworkPolicySpec>): NetworkPolicy => ({
  apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'p', namespace: 'ns' }, spec: { podSelector: {}, ...spec },
});
const cidrMsg = 'must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)';

test('NetworkPolicy validation causes (kube ValidateNetworkPolicy)', () => {
  const cases: Array<[string, NetworkPolicy, Array<[string, string]>]> = [
    ['default deny', np({ policyTypes: ['Ingress', 'Egress'] }), []],
    ['every peer kind and port shape', np({
      ingress: [{
        from: [{ podSelector: { matchLabels: { app: 'c' } } }, { namespaceSelector: {}, podSelector: {} }, { ipBlock: { cidr: '10.0.0.0/8', except: ['10.1.0.0/16'] } }],
        ports: [{ protocol: 'TCP', port: 80 }, { protocol: 'UDP', port: 1000, endPort: 2000 }, { protocol: 'SCTP', port: 'http' }, { protocol: 'TCP' }],
      }],
      egress: [{ to: [{ ipBlock: { cidr: '2001:db8::/32', except: ['2001:db8:1::/48'] } }] }],
    }), []],
    ['bad protocol', np({ ingress: [{ ports: [{ protocol: 'ICMP', port: 1 }] }] }),
      [['spec.ingress[0].ports[0].protocol', 'Unsupported value: "ICMP": supported values: "TCP", "UDP", "SCTP"']]],
    ['port out of range', np({ egress: [{ ports: [{ port: 0 }, { port: 65536 }] }] }),
      [['spec.egress[0].ports[0].port', 'Invalid value: 0: must be between 1 and 65535, inclusive'], ['spec.egress[0].ports[1].port', 'Invalid value: 65536: must be between 1 and 65535, inclusive']]],
    ['endPort below port (kube reports the port value)', np({ ingress: [{ ports: [{ port: 90, endPort: 80 }] }] }),
      [['spec.ingress[0].ports[0].endPort', 'Invalid value: 90: must be greater than or equal to `port`']]],
    ['endPort out of range', np({ ingress: [{ ports: [{ port: 90, endPort: 70000 }] }] }),
      [['spec.ingress[0].ports[0].endPort', 'Invalid value: 70000: must be between 1 and 65535, inclusive']]],
    ['endPort with a named port', np({ ingress: [{ ports: [{ port: 'web', endPort: 90 }] }] }),
      [['spec.ingress[0].ports[0].endPort', 'Invalid value: 90: may not be specified when `port` is non-numeric']]],
    ['endPort without a port', np({ ingress: [{ ports: [{ endPort: 90 }] }] }),
      [['spec.ingress[0].ports[0].endPort', 'Invalid value: 90: may not be specified when `port` is not specified']]],
    ['bad port name', np({ ingress: [{ ports: [{ port: 'Web--x' }] }] }),
      [['spec.ingress[0].ports[0].port', 'Invalid value: "Web--x": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)'],
        ['spec.ingress[0].ports[0].port', 'Invalid value: "Web--x": must not contain consecutive hyphens']]],
    ['empty peer', np({ ingress: [{ from: [{}] }] }), [['spec.ingress[0].from[0]', 'Required value: must specify a peer']]],
    ['ipBlock with a selector', np({ egress: [{ to: [{ ipBlock: { cidr: '10.0.0.0/8' }, podSelector: {} }] }] }),
      [['spec.egress[0].to[0]', 'Forbidden: may not specify both ipBlock and another peer']]],
    ['ipBlock without cidr', np({ egress: [{ to: [{ ipBlock: { cidr: '' } }] }] }), [['spec.egress[0].to[0].ipBlock.cidr', 'Required value']]],
    ['ipBlock bad cidr', np({ egress: [{ to: [{ ipBlock: { cidr: '10.0.0.0' } }] }] }), [['spec.egress[0].to[0].ipBlock.cidr', `Invalid value: "10.0.0.0": ${cidrMsg}`]]],
    ['except outside cidr, equal to it, other family, malformed', np({ ingress: [{ from: [{ ipBlock: { cidr: '10.0.0.0/16', except: ['10.1.0.0/24', '10.0.0.0/16', '::/64', '10.0.0.0/33'] } }] }] }), [
      ['spec.ingress[0].from[0].ipBlock.except[0]', 'Invalid value: "10.1.0.0/24": must be a strict subset of `cidr`'],
      ['spec.ingress[0].from[0].ipBlock.except[1]', 'Invalid value: "10.0.0.0/16": must be a strict subset of `cidr`'],
      ['spec.ingress[0].from[0].ipBlock.except[2]', 'Invalid value: "::/64": must be a strict subset of `cidr`'],
      ['spec.ingress[0].from[0].ipBlock.except[3]', `Invalid value: "10.0.0.0/33": ${cidrMsg}`],
    ]],
    ['bad selectors', np({ podSelector: { matchExpressions: [{ key: 'a', operator: 'In' }] }, ingress: [{ from: [{ namespaceSelector: { matchExpressions: [{ key: 'a', operator: 'Is' }] } }] }] }), [
      ['spec.podSelector.matchExpressions[0].values', "Required value: must be specified when `operator` is 'In' or 'NotIn'"],
      ['spec.ingress[0].from[0].namespaceSelector.matchExpressions[0].operator', 'Invalid value: "Is": not a valid selector operator'],
    ]],
    ['unknown policyType', np({ policyTypes: ['Ingress', 'Sideways'] }), [['spec.policyTypes[1]', 'Unsupported value: "Sideways": supported values: "Ingress", "Egress"']]],
    ['three policyTypes', np({ policyTypes: ['Ingress', 'Egress', 'Ingress'] }), [['spec.policyTypes', 'Invalid value: ["Ingress","Egress","Ingress"]: may not specify more than two policyTypes']]],
    ['bad name', { ...np({}), metadata: { name: 'Bad_Name', namespace: 'ns' } }, [['metadata.name', 'Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, \'-\' or \'.\', and must start and end with an alphanumeric character (e.g. \'example.com\', regex used for validation is \'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\')']]],
  ];
  for (const [name, obj, want] of cases) assert.deepEqual(validateNetworkPolicy(obj).map((c) => [c.field, c.message]), want, name);
});

test('CIDR parsing masks host bits, and strict subsets need the same family and a longer prefix', () => {
  assert.deepEqual(parseCidr('10.1.2.3/8'), { family: 4, network: 10n << 24n, prefix: 8 });
  assert.deepEqual(parseCidr('2001:db8::1/32'), { family: 6, network: 0x20010db8n << 96n, prefix: 32 });
  assert.deepEqual(parseCidr('::ffff:1.2.3.4/128'), { family: 6, network: 0xffff01020304n, prefix: 128 });
  for (const bad of ['10.0.0.0', '10.0.0.0/33', '10.0.0/8', 'fe80::1%eth0/64', '::/129', 'x/1']) assert.equal(parseCidr(bad), undefined, bad);
  const sub = (a: string, b: string): boolean => strictSubset(parseCidr(a)!, parseCidr(b)!);
  assert.equal(sub('10.1.0.0/16', '10.0.0.0/8'), true);
  assert.equal(sub('10.1.0.0/16', '10.0.0.0/16'), false);
  assert.equal(sub('11.0.0.0/16', '10.0.0.0/8'), false);
  assert.equal(sub('2001:db8:1::/48', '2001:db8::/32'), true);
});

test('defaults: policyTypes from the rules, protocol TCP, an absent podSelector is empty', () => {
  const ingressOnly = np({ ingress: [{ ports: [{ port: 80 }] }] });
  defaultNetworkPolicy(ingressOnly);
  assert.deepEqual(ingressOnly.spec?.policyTypes, ['Ingress']);
  assert.equal(ingressOnly.spec?.ingress?.[0]?.ports?.[0]?.protocol, 'TCP');
  const withEgress = np({ egress: [{ ports: [{ port: 53, protocol: 'UDP' }] }] });
  defaultNetworkPolicy(withEgress);
  assert.deepEqual(withEgress.spec?.policyTypes, ['Ingress', 'Egress']);
  assert.equal(withEgress.spec?.egress?.[0]?.ports?.[0]?.protocol, 'UDP');
  const explicit = np({ policyTypes: ['Egress'], ingress: [{}] });
  defaultNetworkPolicy(explicit);
  assert.deepEqual(explicit.spec?.policyTypes, ['Egress']);
  const bare: NetworkPolicy = { metadata: { name: 'x' } };
  defaultNetworkPolicy(bare);
  assert.deepEqual(bare.spec, { podSelector: {}, policyTypes: ['Ingress'] });
});

test('NetworkPolicy table (NAME, POD-SELECTOR, AGE) and registration', () => {
  assert.deepEqual(def.table.columns.map((c) => c.name), ['Pod-Selector', 'Age']);
  const p = { ...np({ podSelector: { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['b', 'a'] }] } }) };
  p.metadata = { ...p.metadata, creationTimestamp: '2026-01-01T00:00:00Z' };
  assert.deepEqual(def.table.cells(p, Date.parse('2026-01-01T00:05:00Z')), ['app=web,tier in (a,b)', '5m']);
  assert.deepEqual(def.table.cells(np({}), 0)[0], '<none>');
  assert.deepEqual([def.group, def.version, def.shortNames, def.subresources, def.namespaced, def.categories], ['networking.k8s.io', 'v1', ['netpol'], [], true, []]);
});

test('through the store: defaults on create and update, generation bumps on spec changes, 422 on invalid specs, 400 on wrongly typed ones', async () => {
  const c = new FakeClient({ namespaces: ['ns'] });
  const made = await c.create<NetworkPolicy>(NetworkPolicies, np({ egress: [{ ports: [{ port: 53 }] }] }), 'ns');
  assert.deepEqual(made.spec?.policyTypes, ['Ingress', 'Egress']);
  assert.equal(made.spec?.egress?.[0]?.ports?.[0]?.protocol, 'TCP');
  assert.equal(made.metadata?.generation, 1);
  const changed = await c.update<NetworkPolicy>(NetworkPolicies, { ...made, spec: { podSelector: { matchLabels: { app: 'x' } }, ingress: [{ ports: [{ port: 8080 }] }] } }, 'ns');
  assert.equal(changed.metadata?.generation, 2);
  assert.deepEqual(changed.spec?.policyTypes, ['Ingress']);
  assert.equal(changed.spec?.ingress?.[0]?.ports?.[0]?.protocol, 'TCP');
  const bad = { ...np({ ingress: [{ from: [{ ipBlock: { cidr: '10.0.0.0/8', except: ['192.168.0.0/16'] } }] }] }), metadata: { name: 'bad', namespace: 'ns' } };
  await assert.rejects(c.create(NetworkPolicies, bad, 'ns'), (e: unknown) => e instanceof ApiError && e.code === 422 && /strict subset/.test(e.message));
  await assert.rejects(c.create(NetworkPolicies, { ...np({}), metadata: { name: 'typed', namespace: 'ns' }, spec: { podSelector: {}, ingress: [{ ports: [{ port: true }] }] } } as unknown as NetworkPolicy, 'ns'),
    (e: unknown) => e instanceof ApiError && e.code === 400 && /cannot unmarshal bool/.test(e.message));
});
