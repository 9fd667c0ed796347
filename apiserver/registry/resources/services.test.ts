import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Service } from 'kubernetes-types/core/v1';
import { serviceExternalIP, servicePorts, servicesResource } from './services.ts';
import { fakeContext } from './fakectx.test-helper.ts';

const def = servicesResource();
const s = def.strategy;

test('service defaults match Kubernetes', async () => {
  const svc: Service = { metadata: { name: 'web', namespace: 'default' }, spec: { selector: { app: 'web' }, ports: [{ port: 80 }, { name: 'named', port: 8080, targetPort: 'http' }] } };
  s.prepareForCreate!(svc);
  await s.beforeCreate!(svc, fakeContext());
  const spec = svc.spec!;
  assert.equal(spec.type, 'ClusterIP');
  assert.equal(spec.sessionAffinity, 'None');
  assert.deepEqual(spec.ports![0], { port: 80, protocol: 'TCP', targetPort: 80 });
  assert.equal(spec.ports![1]!.targetPort, 'http');
  assert.deepEqual(spec.ipFamilies, ['IPv4']);
  assert.equal(spec.ipFamilyPolicy, 'SingleStack');
  assert.equal(spec.internalTrafficPolicy, 'Cluster');
  assert.ok(spec.clusterIP);
  assert.deepEqual(spec.clusterIPs, [spec.clusterIP]);
  assert.deepEqual(svc.status, { loadBalancer: {} });
  assert.deepEqual(s.validate!(svc), [{ reason: 'FieldValueRequired', message: 'Required value', field: 'spec.ports[0].name' }]);
});

test('service validation causes', () => {
  const cases: Array<[string, Service, Array<[string, string]>]> = [
    ['no ports', { metadata: { name: 'a' }, spec: {} }, [['spec.ports', 'Required value']]],
    ['port 0', { metadata: { name: 'a' }, spec: { ports: [{ port: 0 }] } }, [['spec.ports[0].port', 'Invalid value: 0: must be between 1 and 65535, inclusive'], ['spec.ports[0].targetPort', 'Invalid value: 0']]],
    ['port too big', { metadata: { name: 'a' }, spec: { ports: [{ port: 70000, targetPort: 80 }] } }, [['spec.ports[0].port', 'Invalid value: 70000']]],
    ['bad type', { metadata: { name: 'a' }, spec: { type: 'Magic', ports: [{ port: 80 }] } }, [['spec.type', 'Unsupported value: "Magic": supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"']]],
    ['dns-1035 name', { metadata: { name: '1abc' }, spec: { ports: [{ port: 80 }] } }, [['metadata.name', 'Invalid value: "1abc": a DNS-1035 label']]],
    ['external name missing', { metadata: { name: 'a' }, spec: { type: 'ExternalName' } }, [['spec.externalName', 'Required value']]],
    ['bad cluster ip', { metadata: { name: 'a' }, spec: { clusterIP: '10.96.0.300', ports: [{ port: 80 }] } }, [['spec.clusterIPs[0]', 'Invalid value: "10.96.0.300": must be a valid IP address']]],
    ['numeric port name ok (DNS-1123 label)', { metadata: { name: 'a' }, spec: { ports: [{ name: '80', port: 80 }] } }, []],
    ['bad port name', { metadata: { name: 'a' }, spec: { ports: [{ name: 'Web', port: 80 }] } }, [['spec.ports[0].name', 'Invalid value: "Web": a lowercase RFC 1123 label']]],
    ['headless without ports ok', { metadata: { name: 'a' }, spec: { clusterIP: 'None' } }, []],
    ['loadBalancerClass on ClusterIP', { metadata: { name: 'a' }, spec: { loadBalancerClass: 'example.com/lb', ports: [{ port: 80 }] } }, [['spec.loadBalancerClass', 'Forbidden: may only be used when `type` is \'LoadBalancer\'']]],
  ];
  for (const [name, svc, want] of cases) {
    s.prepareForCreate!(svc);
    const got = s.validate!(svc);
    assert.equal(got.length, want.length, `${name}: ${JSON.stringify(got)}`);
    want.forEach(([field, msg], i) => {
      assert.equal(got[i]!.field, field, name);
      assert.ok(got[i]!.message.startsWith(msg), `${name}: ${got[i]!.message}`);
    });
  }
});

test('loadBalancerSourceRanges and its annotation: LoadBalancer only, each a CIDR (kube ValidateService, its field path and message)', () => {
  const ann = 'service.beta.kubernetes.io/load-balancer-source-ranges';
  const mk = (type: string, ranges?: string[], annotation?: string): Service => ({
    metadata: { name: 'a', ...(annotation !== undefined ? { annotations: { [ann]: annotation } } : {}) },
    spec: { type, ports: [{ port: 80, ...(type === 'ClusterIP' ? {} : { nodePort: 30080 }) }], ...(ranges ? { loadBalancerSourceRanges: ranges } : {}) },
  });
  const forbidden = 'Forbidden: may only be used when `type` is \'LoadBalancer\'';
  const bad = (v: string) => `Invalid value: "${v}": must be a list of IP ranges. For example, 10.240.0.0/24,10.250.0.0/24 `;
  const cases: Array<[string, Service, Array<[string, string]>]> = [
    ['ranges on a LoadBalancer', mk('LoadBalancer', ['10.0.0.0/8', ' 192.168.1.7/24 ', 'fd00::/8']), []],
    ['empty list ok anywhere', mk('ClusterIP', []), []],
    ['ranges on a NodePort', mk('NodePort', ['10.0.0.0/8']), [['spec.LoadBalancerSourceRanges', forbidden]]],
    ['a bad range', mk('LoadBalancer', ['10.0.0.0/8', '10.0.0.0']), [['spec.LoadBalancerSourceRanges', bad('[10.0.0.0/8 10.0.0.0]')]]],
    ['both on a ClusterIP', mk('ClusterIP', ['x']), [['spec.LoadBalancerSourceRanges', forbidden], ['spec.LoadBalancerSourceRanges', bad('[x]')]]],
    ['annotation on a LoadBalancer', mk('LoadBalancer', undefined, '10.0.0.0/8, 172.16.0.0/12'), []],
    ['empty annotation ok', mk('LoadBalancer', undefined, ''), []],
    ['annotation on a ClusterIP', mk('ClusterIP', undefined, '10.0.0.0/8'), [[`metadata.annotations[${ann}]`, forbidden]]],
    ['bad annotation', mk('LoadBalancer', undefined, '10.0.0.0/8,,'), [[`metadata.annotations[${ann}]`, bad('10.0.0.0/8,,')]]],
    ['the field wins over the annotation', mk('LoadBalancer', ['10.0.0.0/8'], 'garbage'), []],
  ];
  for (const [name, svc, want] of cases) {
    s.prepareForCreate!(svc);
    assert.deepEqual(s.validate!(svc).map((c) => [c.field, c.message]), want, name);
  }
});

test('update keeps allocated clusterIP and status, and clusterIP is immutable', () => {
  const old: Service = { metadata: { name: 'a' }, spec: { type: 'ClusterIP', clusterIP: '10.96.1.5', clusterIPs: ['10.96.1.5'], ports: [{ port: 80, protocol: 'TCP', targetPort: 80 }] }, status: { loadBalancer: {} } };
  const applied: Service = { metadata: { name: 'a' }, spec: { ports: [{ port: 81 }] } };
  s.prepareForUpdate!(applied, old);
  assert.equal(applied.spec!.clusterIP, '10.96.1.5');
  assert.deepEqual(applied.status, { loadBalancer: {} });
  assert.deepEqual(s.validateUpdate!(applied, old), []);
  const changed: Service = { metadata: { name: 'a' }, spec: { clusterIP: '10.96.1.6', ports: [{ port: 80 }] } };
  s.prepareForUpdate!(changed, old);
  const causes = s.validateUpdate!(changed, old);
  assert.deepEqual(causes.map((c) => [c.field, c.message]), [['spec.clusterIP', 'Invalid value: "10.96.1.6": field is immutable']]);
});

test('loadBalancerClass: fixed while a LoadBalancer, set when becoming one, dropped when leaving (kube validateLoadBalancerClassField)', () => {
  const lbSvc = (cls?: string, type = 'LoadBalancer'): Service => ({ metadata: { name: 'a' }, spec: { type, clusterIP: '10.96.1.5', ports: [{ port: 80, nodePort: 30080 }], ...(cls ? { loadBalancerClass: cls } : {}) } });
  const added = lbSvc('example.com/lb');
  s.prepareForUpdate!(added, lbSvc());
  assert.deepEqual(s.validateUpdate!(added, lbSvc()).map((c) => [c.field, c.message]), [['spec.loadBalancerClass', 'Invalid value: "example.com/lb": may not change once set']]);
  const becoming = lbSvc('example.com/lb');
  s.prepareForUpdate!(becoming, lbSvc(undefined, 'ClusterIP'));
  assert.deepEqual(s.validateUpdate!(becoming, { ...lbSvc(undefined, 'ClusterIP'), spec: { type: 'ClusterIP', clusterIP: '10.96.1.5', ports: [{ port: 80 }] } }), []);
  const leaving: Service = { metadata: { name: 'a' }, spec: { type: 'ClusterIP', clusterIP: '10.96.1.5', ports: [{ port: 80 }], loadBalancerClass: 'example.com/lb' } };
  s.prepareForUpdate!(leaving, lbSvc('example.com/lb'));
  assert.equal(leaving.spec?.loadBalancerClass, undefined);
  assert.deepEqual(s.validateUpdate!(leaving, lbSvc('example.com/lb')), []);
});

test('service table cells', () => {
  const base = { metadata: { name: 'a', creationTimestamp: '2026-01-01T00:00:00Z' } };
  const now = Date.parse('2026-01-01T00:00:05Z');
  const cip: Service = { ...base, spec: { type: 'ClusterIP', clusterIP: '10.96.1.5', clusterIPs: ['10.96.1.5'], selector: { b: '2', a: '1' }, ports: [{ port: 80, protocol: 'TCP' }, { port: 53, protocol: 'UDP' }] } };
  assert.deepEqual(def.table.cells(cip, now), ['ClusterIP', '10.96.1.5', '<none>', '80/TCP,53/UDP', '5s', 'a=1,b=2']);
  const np: Service = { ...base, spec: { type: 'NodePort', clusterIP: '10.96.1.6', ports: [{ port: 80, nodePort: 30080, protocol: 'TCP' }] } };
  assert.equal(servicePorts(np), '80:30080/TCP');
  assert.equal(serviceExternalIP(np), '<none>');
  assert.equal(serviceExternalIP({ spec: { type: 'LoadBalancer' } }), '<pending>');
  assert.equal(serviceExternalIP({ spec: { type: 'LoadBalancer' }, status: { loadBalancer: { ingress: [{ ip: '1.2.3.4' }] } } }), '1.2.3.4');
  assert.equal(serviceExternalIP({ spec: { type: 'ExternalName', externalName: 'example.com' } }), 'example.com');
  const nodeIPs = { ingress: [{ ip: '10.77.0.2', ipMode: 'VIP' }, { ip: '10.77.0.10', ipMode: 'VIP' }, { ip: '10.77.0.2' }] };
  assert.equal(serviceExternalIP({ spec: { type: 'LoadBalancer', externalIPs: ['192.0.2.1'] }, status: { loadBalancer: nodeIPs } }), '10.77.0.10,10.77.0.2,192.0.2.1');
  const headless: Service = { ...base, spec: { clusterIP: 'None' } };
  assert.deepEqual(def.table.cells(headless, now).slice(0, 4), ['ClusterIP', 'None', '<none>', '<none>']);
  assert.deepEqual(def.table.columns.map((c) => c.name), ['Type', 'Cluster-IP', 'External-IP', 'Port(s)', 'Age', 'Selector']);
});

test('type changes allocate and release through the update hooks', async () => {
  const ctx = fakeContext();
  const create = async (svc: Service): Promise<Service> => {
    s.prepareForCreate!(svc);
    await s.beforeCreate!(svc, ctx);
    return svc;
  };
  const update = async (next: Service, old: Service): Promise<Service> => {
    s.prepareForUpdate!(next, old);
    assert.deepEqual(s.validateUpdate!(next, old), []);
    await s.beforeUpdate!(next, old, ctx);
    await s.afterUpdate!(next, old, ctx);
    return next;
  };
  const v1 = await create({ metadata: { name: 'a' }, spec: { ports: [{ port: 80 }] } });
  const ip = v1.spec!.clusterIP!;
  const v2 = await update({ ...structuredClone(v1), spec: { ...structuredClone(v1.spec), type: 'NodePort' } }, v1);
  const np = v2.spec!.ports![0]!.nodePort!;
  assert.ok(np >= 30000 && np <= 32767);
  assert.equal(v2.spec!.clusterIP, ip);
  assert.ok(ctx.claimed.has(`servicenodeports/${np}`));
  const v3 = await update({ ...structuredClone(v2), spec: { ...structuredClone(v2.spec), type: 'ClusterIP' } }, v2);
  assert.equal(v3.spec!.ports![0]!.nodePort, undefined);
  assert.ok(!ctx.claimed.has(`servicenodeports/${np}`), 'node port released');
  const v4 = await update({ ...structuredClone(v3), spec: { ...structuredClone(v3.spec), type: 'ExternalName', externalName: 'example.com' } }, v3);
  assert.equal(v4.spec!.clusterIP, undefined);
  assert.ok(!ctx.claimed.has(`serviceips/${ip}`), 'cluster IP released');
  const v5 = await update({ ...structuredClone(v4), spec: { ...structuredClone(v4.spec), type: 'ClusterIP' } }, v4);
  assert.ok(v5.spec!.clusterIP);
  assert.ok(ctx.claimed.has(`serviceips/${v5.spec!.clusterIP}`));
  assert.equal(ctx.claimed.size, 1);
});
