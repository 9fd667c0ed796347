import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1';
import { podsResource } from './pods.ts';
import { defaultPullPolicy, imageTag } from './podspec.ts';

const def = podsResource();
const s = def.strategy;

function created(p: Pod): Pod {
  s.prepareForCreate!(p);
  return p;
}

test('image tags and pull policy defaults', () => {
  const cases: Array<[string, string, string]> = [
    ['nginx', 'latest', 'Always'],
    ['nginx:latest', 'latest', 'Always'],
    ['nginx:1.22', '1.22', 'IfNotPresent'],
    ['127.0.0.1:5000/library/nginx', 'latest', 'Always'],
    ['127.0.0.1:5000/library/nginx:1.22', '1.22', 'IfNotPresent'],
    ['busybox@sha256:abc', '', 'IfNotPresent'],
    ['busybox:1.36@sha256:abc', '1.36', 'IfNotPresent'],
  ];
  for (const [image, tag, policy] of cases) {
    assert.equal(imageTag(image), tag, image);
    assert.equal(defaultPullPolicy(image), policy, image);
  }
});

test('pod create defaults match Kubernetes', () => {
  const p = created({ metadata: { name: 'web' }, spec: { containers: [{ name: 'c', image: 'nginx:1.22', ports: [{ containerPort: 80 }] }] }, status: { phase: 'Running' } });
  const spec = p.spec!;
  assert.equal(spec.restartPolicy, 'Always');
  assert.equal(spec.dnsPolicy, 'ClusterFirst');
  assert.equal(spec.schedulerName, 'default-scheduler');
  assert.equal(spec.terminationGracePeriodSeconds, 30);
  assert.deepEqual(spec.securityContext, {});
  assert.equal(spec.enableServiceLinks, true);
  assert.equal(spec.priority, 0);
  assert.deepEqual(spec.tolerations, [
    { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
    { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
  ]);
  const c = spec.containers[0]!;
  assert.equal(c.imagePullPolicy, 'IfNotPresent');
  assert.equal(c.terminationMessagePath, '/dev/termination-log');
  assert.equal(c.terminationMessagePolicy, 'File');
  assert.deepEqual(c.resources, {});
  assert.equal(c.ports![0]!.protocol, 'TCP');
  assert.deepEqual(p.status, { phase: 'Pending', qosClass: 'BestEffort' });
  assert.deepEqual(s.validate!(p), []);
});

test('user tolerations for the same keys are not duplicated', () => {
  const p = created({ metadata: { name: 'x' }, spec: { containers: [{ name: 'c', image: 'i' }], tolerations: [{ operator: 'Exists' }] } });
  assert.deepEqual(p.spec!.tolerations, [{ operator: 'Exists' }]);
});

test('status.qosClass is set at create', () => {
  const p = created({ metadata: { name: 'g' }, spec: { containers: [{ name: 'a', image: 'i', resources: { limits: { cpu: '1', memory: '1Gi' } } }] } });
  assert.deepEqual(p.spec!.containers[0]!.resources!.requests, { cpu: '1', memory: '1Gi' });
  assert.equal(p.status!.qosClass, 'Guaranteed');
});

test('pod validation causes', () => {
  const cases: Array<[string, Pod, Array<[string, string]>]> = [
    ['no containers', { metadata: { name: 'a' }, spec: { containers: [] } }, [['spec.containers', 'Required value']]],
    ['bad name', { metadata: { name: 'Bad_Name' }, spec: { containers: [{ name: 'c', image: 'i' }] } }, [['metadata.name', 'Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain']]],
    ['missing name', { metadata: {}, spec: { containers: [{ name: 'c', image: 'i' }] } }, [['metadata.name', 'Required value: name or generateName is required']]],
    ['no image', { metadata: { name: 'a' }, spec: { containers: [{ name: 'c' }] } }, [['spec.containers[0].image', 'Required value']]],
    ['container name', { metadata: { name: 'a' }, spec: { containers: [{ name: 'C_1', image: 'i' }] } }, [['spec.containers[0].name', 'Invalid value: "C_1": a lowercase RFC 1123 label']]],
    ['duplicate names', { metadata: { name: 'a' }, spec: { containers: [{ name: 'c', image: 'i' }, { name: 'c', image: 'i' }] } }, [['spec.containers[1].name', 'Duplicate value: "c"']]],
    ['bad port', { metadata: { name: 'a' }, spec: { containers: [{ name: 'c', image: 'i', ports: [{ containerPort: 70000 }] }] } }, [['spec.containers[0].ports[0].containerPort', 'Invalid value: 70000: must be between 1 and 65535, inclusive']]],
    ['bad protocol', { metadata: { name: 'a' }, spec: { containers: [{ name: 'c', image: 'i', ports: [{ containerPort: 80, protocol: 'HTTP' }] }] } }, [['spec.containers[0].ports[0].protocol', 'Unsupported value: "HTTP"']]],
    ['bad restart policy', { metadata: { name: 'a' }, spec: { restartPolicy: 'Sometimes', containers: [{ name: 'c', image: 'i' }] } }, [['spec.restartPolicy', 'Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"']]],
    ['unknown volume mount', { metadata: { name: 'a' }, spec: { containers: [{ name: 'c', image: 'i', volumeMounts: [{ name: 'data', mountPath: '/d' }] }] } }, [['spec.containers[0].volumeMounts[0].name', 'Not found: "data"']]],
    ['requests above limits', { metadata: { name: 'a' }, spec: { containers: [{ name: 'c', image: 'i', resources: { requests: { cpu: '2' }, limits: { cpu: '1' } } }] } }, [['spec.containers[0].resources.requests', 'Invalid value: "2": must be less than or equal to cpu limit of 1']]],
    ['bad quantity', { metadata: { name: 'a' }, spec: { containers: [{ name: 'c', image: 'i', resources: { requests: { memory: 'lots' } } }] } }, [['spec.containers[0].resources.requests[memory]', 'Invalid value: "lots": quantities must match']]],
    ['bad label', { metadata: { name: 'a', labels: { app: 'no spaces' } }, spec: { containers: [{ name: 'c', image: 'i' }] } }, [['metadata.labels', 'Invalid value: "no spaces"']]],
  ];
  for (const [name, p, want] of cases) {
    s.prepareForCreate!(p);
    const got = s.validate!(p);
    assert.equal(got.length, want.length, `${name}: ${JSON.stringify(got)}`);
    want.forEach(([field, msg], i) => {
      assert.equal(got[i]!.field, field, name);
      assert.ok(got[i]!.message.startsWith(msg), `${name}: ${got[i]!.message}`);
    });
  }
});

test('update keeps status; status update keeps spec; spec is mostly immutable', () => {
  const old = created({ metadata: { name: 'a' }, spec: { containers: [{ name: 'c', image: 'nginx:1' }] } });
  (old as { status?: Pod['status'] }).status = { phase: 'Running', podIP: '10.244.0.9' };
  const upd: Pod = { metadata: { name: 'a' }, spec: { containers: [{ name: 'c', image: 'nginx:2' }] }, status: { phase: 'Failed' } };
  s.prepareForUpdate!(upd, old);
  assert.equal(upd.status!.phase, 'Running');
  assert.deepEqual(s.validateUpdate!(upd, old), []);
  const stat: Pod = { metadata: { name: 'a' }, spec: { containers: [] }, status: { phase: 'Succeeded' } };
  s.prepareForStatusUpdate!(stat, old);
  assert.equal(stat.spec!.containers[0]!.image, 'nginx:1');
  assert.equal(stat.status!.phase, 'Succeeded');
  const ips: Pod = { metadata: { name: 'a' }, status: { phase: 'Running', podIP: '10.244.0.7', hostIP: '10.0.0.2' } };
  s.prepareForStatusUpdate!(ips, old);
  assert.deepEqual(ips.status!.podIPs, [{ ip: '10.244.0.7' }]);
  assert.deepEqual(ips.status!.hostIPs, [{ ip: '10.0.0.2' }]);
  const bad: Pod = { metadata: { name: 'a' }, spec: { containers: [{ name: 'c', image: 'nginx:1' }], restartPolicy: 'Never' } };
  s.prepareForUpdate!(bad, old);
  const causes = s.validateUpdate!(bad, old);
  assert.equal(causes.length, 1);
  assert.equal(causes[0]!.field, 'spec');
  assert.match(causes[0]!.message, /^Forbidden: pod updates may not change fields other than/);
  // Only the binding subresource sets nodeName (Kubernetes ValidatePodUpdate).
  const bind: Pod = structuredClone(old);
  bind.spec!.nodeName = 'node-1';
  assert.deepEqual(s.validateUpdate!(bind, old).map((c) => c.field), ['spec']);
});

test('pod selectable fields and table shape', () => {
  const p = created({ metadata: { name: 'a' }, spec: { containers: [{ name: 'c', image: 'i' }], nodeName: 'n1' } });
  const f = s.selectableFields!(p);
  assert.equal(f['spec.nodeName'], 'n1');
  assert.equal(f['status.phase'], 'Pending');
  assert.equal(f['spec.restartPolicy'], 'Always');
  assert.equal(f['spec.schedulerName'], 'default-scheduler');
  assert.equal(f['status.podIP'], '');
  assert.deepEqual(def.table.columns.map((c) => [c.name, c.priority]), [
    ['Ready', 0], ['Status', 0], ['Restarts', 0], ['Age', 0], ['IP', 1], ['Node', 1], ['Nominated Node', 1], ['Readiness Gates', 1],
  ]);
  assert.equal(def.table.cells(p, Date.now()).length, def.table.columns.length);
});

test('limits copied into requests keep a __proto__ resource name as a plain key', () => {
  const p = created(JSON.parse('{"metadata":{"name":"a"},"spec":{"containers":[{"name":"c","image":"i","resources":{"limits":{"__proto__":"1","cpu":"1"}}}]}}') as Pod);
  const req = p.spec!.containers[0]!.resources!.requests!;
  assert.equal(JSON.stringify(req), '{"__proto__":"1","cpu":"1"}');
  assert.equal(Object.getPrototypeOf(req), Object.prototype);
});
