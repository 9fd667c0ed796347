/**
 * Defense in depth: every resource strategy hook and table convertor is a
 * total function. For a valid sample of each kind, every field (and a few
 * missing ones the strategies read) is replaced by every JSON type; the hooks
 * may report causes but never throw anything but a StatusError.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../api/object.ts';
import { StatusError } from '../../api/errors.ts';
import { allResources } from './index.ts';

const template = {
  metadata: { labels: { app: 'w' } },
  spec: {
    containers: [{
      name: 'c', image: 'nginx:1', ports: [{ containerPort: 80, name: 'http' }], env: [{ name: 'A', value: '1' }],
      resources: { requests: { cpu: '100m' }, limits: { memory: '1Gi' } }, volumeMounts: [{ name: 'v', mountPath: '/v' }],
      livenessProbe: { httpGet: { path: '/', port: 80 } },
    }],
    initContainers: [{ name: 'i', image: 'busybox' }],
    volumes: [{ name: 'v', configMap: { name: 'cm' } }],
    tolerations: [{ key: 'k', operator: 'Exists' }],
  },
};

/** A valid object of each kind, by resource. */
const samples: Record<string, unknown> = {
  namespaces: { metadata: { name: 'ns' }, spec: { finalizers: ['kubernetes'] }, status: { phase: 'Active' } },
  pods: {
    metadata: { name: 'p', labels: { a: 'b' }, annotations: { x: 'y' } },
    spec: { ...template.spec, nodeName: 'n1', activeDeadlineSeconds: 5 },
    status: { phase: 'Running', podIP: '10.0.0.1', conditions: [{ type: 'Ready', status: 'True' }], containerStatuses: [{ name: 'c', ready: true, restartCount: 1, state: { running: { startedAt: '2026-01-01T00:00:00Z' } }, lastState: { terminated: { exitCode: 1, finishedAt: '2026-01-01T00:00:00Z' } } }] },
  },
  nodes: { metadata: { name: 'n1' }, spec: { podCIDR: '10.244.0.0/24', taints: [{ key: 'k', effect: 'NoSchedule' }] }, status: { conditions: [{ type: 'Ready', status: 'True' }], addresses: [{ type: 'InternalIP', address: '10.0.0.2' }], nodeInfo: { kubeletVersion: 'v1.33.0', osImage: 'Debian', kernelVersion: '6', containerRuntimeVersion: 'containerd://1.6' } } },
  services: { metadata: { name: 'svc' }, spec: { type: 'NodePort', selector: { app: 'w' }, ports: [{ name: 'http', port: 80, targetPort: 8080, protocol: 'TCP' }], clusterIP: '10.96.0.10', externalIPs: ['1.2.3.4'] } },
  endpoints: { metadata: { name: 'svc' }, subsets: [{ addresses: [{ ip: '10.0.0.1' }], ports: [{ port: 80 }] }] },
  events: { metadata: { name: 'e' }, involvedObject: { kind: 'Pod', name: 'p', namespace: 'default' }, reason: 'R', message: 'm', type: 'Normal', count: 2, firstTimestamp: '2026-01-01T00:00:00Z', lastTimestamp: '2026-01-01T00:00:00Z', source: { component: 'x' } },
  configmaps: { metadata: { name: 'cm' }, data: { a: 'b' }, binaryData: { c: 'AAAA' } },
  secrets: { metadata: { name: 's' }, type: 'Opaque', data: { a: 'YQ==' }, stringData: { b: 'c' } },
  serviceaccounts: { metadata: { name: 'sa' }, secrets: [{ name: 's' }], imagePullSecrets: [{ name: 'r' }], automountServiceAccountToken: false },
  componentstatuses: { metadata: { name: 'etcd-0' }, conditions: [{ type: 'Healthy', status: 'True' }] },
  deployments: { metadata: { name: 'd' }, spec: { replicas: 2, selector: { matchLabels: { app: 'w' } }, template, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: 1 } } }, status: { replicas: 2, readyReplicas: 1, updatedReplicas: 2, availableReplicas: 1, conditions: [{ type: 'Available', status: 'True' }] } },
  jobs: { metadata: { name: 'j', uid: 'u1' }, spec: { parallelism: 2, completions: 3, backoffLimit: 1, activeDeadlineSeconds: 60, ttlSecondsAfterFinished: 5, selector: { matchLabels: { app: 'w' } }, manualSelector: true, template: { ...template, spec: { ...template.spec, restartPolicy: 'Never' } } }, status: { active: 1, succeeded: 1, failed: 0, startTime: '2026-05-31T00:00:00Z', conditions: [{ type: 'Complete', status: 'True' }] } },
  replicasets: { metadata: { name: 'rs' }, spec: { replicas: 2, selector: { matchLabels: { app: 'w' }, matchExpressions: [{ key: 'app', operator: 'In', values: ['w'] }] }, template }, status: { replicas: 2, readyReplicas: 1 } },
  endpointslices: { metadata: { name: 'es', labels: { 'kubernetes.io/service-name': 'svc' } }, addressType: 'IPv4', endpoints: [{ addresses: ['10.0.0.1'], conditions: { ready: true } }], ports: [{ name: 'http', port: 80, protocol: 'TCP' }] },
  roles: { metadata: { name: 'r' }, rules: [{ verbs: ['get'], apiGroups: [''], resources: ['pods'], resourceNames: ['p'] }] },
  clusterroles: { metadata: { name: 'system:cr' }, rules: [{ verbs: ['get'], nonResourceURLs: ['/healthz'] }], aggregationRule: { clusterRoleSelectors: [{ matchLabels: { a: 'b' } }] } },
  rolebindings: { metadata: { name: 'rb' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'r' }, subjects: [{ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'u' }, { kind: 'ServiceAccount', name: 'sa', namespace: 'ns' }] },
  clusterrolebindings: { metadata: { name: 'crb' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cr' }, subjects: [{ kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name: 'g' }] },
  selfsubjectaccessreviews: { metadata: {}, spec: { resourceAttributes: { verb: 'get', resource: 'pods' } } },
  selfsubjectrulesreviews: { metadata: {}, spec: { namespace: 'default' } },
  subjectaccessreviews: { metadata: {}, spec: { user: 'u', nonResourceAttributes: { verb: 'get', path: '/' } } },
  poddisruptionbudgets: { metadata: { name: 'pdb', generation: 2 }, spec: { minAvailable: '50%', selector: { matchLabels: { app: 'w' }, matchExpressions: [{ key: 'tier', operator: 'Exists' }] }, unhealthyPodEvictionPolicy: 'AlwaysAllow' }, status: { observedGeneration: 2, disruptedPods: { p: '2026-01-01T00:00:00Z' }, disruptionsAllowed: 1, currentHealthy: 3, desiredHealthy: 2, expectedPods: 4, conditions: [{ type: 'DisruptionAllowed', status: 'True', reason: 'SufficientPods', message: '', lastTransitionTime: '2026-01-01T00:00:00Z', observedGeneration: 2 }] } },
  certificatesigningrequests: {
    metadata: { name: 'csr' },
    spec: { request: 'AAAA', signerName: 'kubernetes.io/kube-apiserver-client-kubelet', usages: ['digital signature', 'client auth'], username: 'u', groups: ['g'], extra: { k: ['v'] }, expirationSeconds: 3600 },
    status: { certificate: 'AAAA', conditions: [{ type: 'Approved', status: 'True', reason: 'R', message: 'm' }] },
  },
  networkpolicies: {
    metadata: { name: 'np' },
    spec: {
      podSelector: { matchLabels: { app: 'w' } }, policyTypes: ['Ingress', 'Egress'],
      ingress: [{ from: [{ podSelector: { matchExpressions: [{ key: 'tier', operator: 'In', values: ['a'] }] }, namespaceSelector: { matchLabels: { t: 'x' } } }, { ipBlock: { cidr: '10.0.0.0/8', except: ['10.1.0.0/16'] } }], ports: [{ protocol: 'TCP', port: 80, endPort: 90 }, { port: 'http' }] }],
      egress: [{ to: [{ ipBlock: { cidr: '10.0.0.0/8' } }], ports: [{ protocol: 'UDP', port: 53 }] }],
    },
  },
  leases: { metadata: { name: 'l' }, spec: { holderIdentity: 'h', leaseDurationSeconds: 40, renewTime: '2026-01-01T00:00:00.000000Z' } },
  ingresses: {
    metadata: { name: 'ing', annotations: { a: 'b' } },
    spec: {
      ingressClassName: 'skiff', defaultBackend: { resource: { apiGroup: 'g.io', kind: 'K', name: 'n' } }, tls: [{ hosts: ['*.a.lan'], secretName: 's' }],
      rules: [{ host: 'a.lan', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'web', port: { number: 80, name: '' } } } }] } }],
    },
    status: { loadBalancer: { ingress: [{ ip: '10.0.0.1', hostname: 'lb.lan', ports: [{ port: 80, protocol: 'TCP', error: 'e' }] }] } },
  },
  ingressclasses: { metadata: { name: 'skiff' }, spec: { controller: 'skiff.io/ingress', parameters: { apiGroup: 'g.io', kind: 'K', name: 'n', scope: 'Namespace', namespace: 'ns' } } },
};

const hostileValues: unknown[] = [null, 0, -1, 1.5, 2 ** 31, 'x', '', true, [], [1], ['x'], [null], [{}], {}, { a: 1 }, JSON.parse('{"__proto__":{"x":1}}')];

/** Every path (list of keys/indices) inside a JSON value, the root excluded. */
function paths(v: unknown, prefix: Array<string | number> = []): Array<Array<string | number>> {
  const out: Array<Array<string | number>> = [];
  if (Array.isArray(v)) v.forEach((x, i) => { out.push([...prefix, i], ...paths(x, [...prefix, i])); });
  else if (typeof v === 'object' && v !== null) for (const [k, x] of Object.entries(v)) out.push([...prefix, k], ...paths(x, [...prefix, k]));
  return out;
}

function setAt(root: unknown, path: Array<string | number>, value: unknown): void {
  let cur = root as Record<string | number, unknown>;
  for (const k of path.slice(0, -1)) cur = cur[k] as Record<string | number, unknown>;
  Object.defineProperty(cur, path[path.length - 1]!, { value, writable: true, enumerable: true, configurable: true });
}

/** Fields absent from a sample that strategies read (so they get wrong types too). */
const extra: Array<Array<string | number>> = [['spec'], ['status'], ['data'], ['stringData'], ['spec', 'selector'], ['spec', 'template'], ['status', 'containerStatuses'], ['spec', 'ports']];

test('every strategy hook and table convertor survives every JSON value in every field', () => {
  const failures: string[] = [];
  const now = Date.parse('2026-06-01T00:00:00Z');
  for (const def of allResources()) {
    const sample = samples[def.resource];
    assert.ok(sample, `a sample for ${def.resource}`);
    const targets = [...paths(sample), ...extra];
    for (const path of targets) {
      for (const value of hostileValues) {
        const mutated = structuredClone(sample);
        try {
          setAt(mutated, path, value);
        } catch {
          continue; // a parent replaced earlier in the path does not exist here
        }
        const s = def.strategy;
        const run = (what: string, f: () => unknown): void => {
          try {
            f();
          } catch (e) {
            if (!(e instanceof StatusError)) failures.push(`${def.resource} ${what} ${path.join('.')}=${JSON.stringify(value)}: ${String(e)}`);
          }
        };
        const fresh = (): KubeObject => structuredClone(mutated) as KubeObject;
        const good = (): KubeObject => structuredClone(sample) as KubeObject;
        run('prepareForCreate+validate', () => { const o = fresh(); s.prepareForCreate?.(o); return s.validate?.(o); });
        run('validate', () => s.validate?.(fresh()));
        run('prepareForUpdate+validateUpdate', () => { const o = fresh(); const old = good(); s.prepareForCreate?.(old); s.prepareForUpdate?.(o, old); return s.validateUpdate?.(o, old) ?? s.validate?.(o); });
        run('update from garbage', () => { const o = good(); const old = fresh(); s.prepareForUpdate?.(o, old); return s.validateUpdate?.(o, old); });
        run('prepareForStatusUpdate', () => { const o = fresh(); s.prepareForStatusUpdate?.(o, good()); return s.validateUpdate?.(o, good()); });
        run('selectableFields', () => s.selectableFields?.(fresh()));
        run('table', () => def.table.cells(fresh(), now));
      }
    }
  }
  assert.deepEqual(failures.slice(0, 40), [], `${failures.length} failures`);
});
