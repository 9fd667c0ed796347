import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseAllDocuments } from 'yaml';
import type { Pod } from 'kubernetes-types/core/v1';
import { describePods, podView, runningPods, webManifest } from './workload.ts';

describe('webManifest', () => {
  it('renders a Deployment and a Service with the requested replicas and image', () => {
    const docs = parseAllDocuments(webManifest({ replicas: 5, image: 'nginx:1.23' })).map((d) => d.toJS() as Record<string, unknown>);
    assert.equal(docs.length, 2);
    const [dep, svc] = docs as [
      { kind: string; spec: { replicas: number; template: { spec: { containers: Array<{ image: string; resources: unknown }> } } } },
      { kind: string; spec: { ports: Array<{ port: number; targetPort: number }>; selector: Record<string, string> } },
    ];
    assert.equal(dep.kind, 'Deployment');
    assert.equal(dep.spec.replicas, 5);
    assert.equal(dep.spec.template.spec.containers[0]?.image, 'nginx:1.23');
    assert.deepEqual(dep.spec.template.spec.containers[0]?.resources, { requests: { cpu: '50m', memory: '32Mi' } });
    assert.equal(svc.kind, 'Service');
    assert.deepEqual(svc.spec.ports.map((p) => [p.port, p.targetPort]), [[8080, 80]]);
    assert.deepEqual(svc.spec.selector, { app: 'web' });
  });
});

describe('pod views', () => {
  const pod = (name: string, phase: string, ip: string, deleting = false): Pod => ({
    metadata: { name, uid: `u-${name}`, ...(deleting ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}) },
    spec: { containers: [{ name: 'nginx', image: 'nginx:1.22' }] },
    status: {
      phase,
      podIP: ip || undefined,
      conditions: [{ type: 'Ready', status: phase === 'Running' ? 'True' : 'False' }],
      containerStatuses: phase === 'Pending'
        ? [{ name: 'nginx', image: 'nginx:1.22', imageID: '', ready: false, restartCount: 0, state: { waiting: { reason: 'ImagePullBackOff' } } }]
        : [],
    },
  });

  it('runningPods keeps Running pods with an IP that are not terminating', () => {
    const views = [pod('a', 'Running', '10.244.0.2'), pod('b', 'Running', '10.244.0.3', true), pod('c', 'Pending', ''), pod('d', 'Running', '')].map(podView);
    assert.deepEqual(runningPods(views).map((p) => p.name), ['a']);
    assert.equal(views[2]?.waitingReason, 'ImagePullBackOff');
    assert.equal(views[0]?.ready, true);
  });

  it('describePods is readable in a failure message', () => {
    assert.equal(describePods([]), '(no pods)');
    assert.equal(describePods([podView(pod('b', 'Running', '10.244.0.3', true))]), 'b Running 10.244.0.3 nginx:1.22 ready terminating');
  });
});
