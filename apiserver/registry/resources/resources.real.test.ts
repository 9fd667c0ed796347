/**
 * Resource strategies through the real API server on real etcd: ClusterIP
 * allocation under concurrency, release on delete, 422 on conflicts, field
 * selectors and defaulting as stored.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import type { Event, Pod, Service } from 'kubernetes-types/core/v1';
import type { Deployment } from 'kubernetes-types/apps/v1';
import { ApiError } from '../../client/types.ts';
import { Deployments, Events, Pods, Services } from '../../client/resources.ts';
import { startApiServer, type TestApiServer } from '../../../testutil/apiserver.ts';

const skip = existsSync('/usr/bin/etcd') || existsSync('/usr/local/bin/etcd') ? false : 'etcd binary not installed';
let server: TestApiServer | undefined;

before(async () => {
  if (!skip) server = await startApiServer({ serviceCIDR: '10.96.0.0/24' });
});
after(async () => {
  await server?.stop();
});

const svc = (name: string, clusterIP?: string): Service => ({
  metadata: { name }, spec: { selector: { app: name }, ports: [{ port: 80 }], ...(clusterIP ? { clusterIP } : {}) },
});

test('concurrent Service creates get distinct ClusterIPs; delete releases; taken IP is a 422', { skip }, async () => {
  const c = server!.client;
  const made = await Promise.all(Array.from({ length: 25 }, (_, i) => c.create<Service>(Services, svc(`s${i}`), 'default')));
  const ips = made.map((s) => s.spec!.clusterIP!);
  assert.equal(new Set(ips).size, 25);
  for (const ip of ips) assert.match(ip, /^10\.96\.0\.(\d+)$/);
  assert.ok(!ips.includes('10.96.0.1'), 'the kubernetes Service keeps the first address');
  assert.ok(!ips.includes('10.96.0.0') && !ips.includes('10.96.0.255'));
  await assert.rejects(c.create(Services, svc('dup', ips[0]), 'default'), (e: unknown) => {
    assert.ok(e instanceof ApiError);
    assert.equal(e.code, 422);
    assert.equal(e.status.details?.causes?.[0]?.field, 'spec.clusterIPs');
    assert.match(e.message, /failed to allocate IP 10\.96\.0\.\d+: provided IP is already allocated/);
    return true;
  });
  await c.delete(Services, 's0', 'default');
  const again = await c.create<Service>(Services, svc('reuse', ips[0]), 'default');
  assert.equal(again.spec!.clusterIP, ips[0]);
  assert.deepEqual(again.spec!.clusterIPs, [ips[0]]);
});

test('pods are stored with defaults and Pending status; field selectors use the strategy fields', { skip }, async () => {
  const c = server!.client;
  await c.create<Pod>(Pods, { metadata: { name: 'a' }, spec: { containers: [{ name: 'c', image: 'busybox' }], nodeName: 'n1' } }, 'default');
  await c.create<Pod>(Pods, { metadata: { name: 'b' }, spec: { containers: [{ name: 'c', image: 'busybox:1.36' }] } }, 'default');
  const a = await c.get<Pod>(Pods, 'a', 'default');
  assert.equal(a.spec!.containers[0]!.imagePullPolicy, 'Always');
  assert.equal(a.status!.phase, 'Pending');
  assert.equal(a.status!.qosClass, 'BestEffort');
  const onN1 = await c.list<Pod>(Pods, { namespace: 'default', fieldSelector: 'spec.nodeName=n1' });
  assert.deepEqual(onN1.items.map((p) => p.metadata!.name), ['a']);
  const unbound = await c.list<Pod>(Pods, { namespace: 'default', fieldSelector: 'spec.nodeName=,status.phase=Pending' });
  assert.deepEqual(unbound.items.map((p) => p.metadata!.name), ['b']);
  await c.create<Event>(Events, { metadata: { name: 'a.1' }, involvedObject: { kind: 'Pod', name: 'a', namespace: 'default', uid: a.metadata!.uid! }, reason: 'Scheduled', message: 'm' }, 'default');
  const evs = await c.list<Event>(Events, { namespace: 'default', fieldSelector: `involvedObject.name=a,involvedObject.namespace=default,involvedObject.uid=${a.metadata!.uid!}` });
  assert.equal(evs.items.length, 1);
  assert.equal(evs.items[0]!.count, 1);
});

test('deployment validation reaches the client as a 422 with Kubernetes causes', { skip }, async () => {
  const c = server!.client;
  const bad: Deployment = { metadata: { name: 'web' }, spec: { replicas: -1, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'other' } }, spec: { containers: [{ name: 'c', image: 'i' }] } } } };
  await assert.rejects(c.create(Deployments, bad, 'default'), (e: unknown) => {
    assert.ok(e instanceof ApiError);
    assert.equal(e.code, 422);
    assert.deepEqual(e.status.details?.causes?.map((x) => x.field), ['spec.replicas', 'spec.template.metadata.labels']);
    assert.match(e.message, /^Deployment(\.apps)? "web" is invalid: \[spec\.replicas: Invalid value: -1: must be greater than or equal to 0, spec\.template\.metadata\.labels: Invalid value: \{"app":"other"\}: `selector` does not match template `labels`\]$/);
    return true;
  });
});
