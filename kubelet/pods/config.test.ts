import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1';
import { buildContainerConfig, buildSandboxConfig, expandVars, parseResolvConf, pullPolicy, resolveEnv, shouldRestart } from './config.ts';

const pod: Pod = {
  metadata: { name: 'web', namespace: 'ns1', uid: 'uid-1', labels: { app: 'web' }, annotations: { a: 'b' } },
  spec: {
    nodeName: 'n1',
    containers: [{
      name: 'nginx', image: 'nginx:1.22', command: ['/bin/sh', '-c'], args: ['echo $(GREETING) $(POD_NAME) $$(HOME)'],
      ports: [{ containerPort: 80, hostPort: 8080 }, { containerPort: 53, protocol: 'UDP' }],
      env: [
        { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
        { name: 'POD_NS', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
        { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
        { name: 'GREETING', value: 'hi-$(POD_NS)' },
      ],
      resources: { limits: { cpu: '500m', memory: '64Mi' } },
      volumeMounts: [{ name: 'scratch', mountPath: '/scratch' }],
    }],
    volumes: [{ name: 'scratch', emptyDir: {} }],
  },
};

test('sandbox config', () => {
  const cfg = buildSandboxConfig(pod, { rootDir: '/var/lib/skiff/kubelet', dns: { servers: ['10.0.0.2'], searches: [], options: [] }, attempt: 1, cgroupParent: '/skiff/poduid-1' });
  assert.deepEqual(cfg.metadata, { name: 'web', namespace: 'ns1', uid: 'uid-1', attempt: 1 });
  assert.equal(cfg.hostname, 'web');
  assert.equal(cfg.log_directory, '/var/lib/skiff/kubelet/logs/ns1_web_uid-1');
  assert.deepEqual(cfg.port_mappings, [{ protocol: 'TCP', container_port: 80, host_port: 8080, host_ip: '' }]);
  assert.equal(cfg.labels['io.kubernetes.pod.uid'], 'uid-1');
  assert.equal(cfg.labels['io.kubernetes.pod.name'], 'web');
  assert.equal(cfg.labels['io.kubernetes.pod.namespace'], 'ns1');
  assert.equal(cfg.labels.app, 'web');
  assert.equal(cfg.linux?.cgroup_parent, '/skiff/poduid-1');
  assert.equal(cfg.linux?.security_context?.namespace_options?.network, 'POD');
});

test('container config', () => {
  const cfg = buildContainerConfig(pod, pod.spec!.containers[0], 2, 'sha256:img', '/r', { podIP: '10.244.0.9', hostIP: '192.168.1.1', nodeName: 'n1' });
  assert.deepEqual(cfg.metadata, { name: 'nginx', attempt: 2 });
  assert.equal(cfg.log_path, 'nginx/2.log');
  assert.equal(cfg.annotations['io.kubernetes.container.restartCount'], '2');
  assert.equal(cfg.labels['io.kubernetes.container.name'], 'nginx');
  assert.equal(cfg.labels['io.kubernetes.pod.uid'], 'uid-1');
  assert.deepEqual(cfg.envs, [
    { key: 'POD_NAME', value: 'web' }, { key: 'POD_NS', value: 'ns1' }, { key: 'POD_IP', value: '10.244.0.9' }, { key: 'GREETING', value: 'hi-ns1' },
  ]);
  assert.deepEqual(cfg.args, ['echo hi-ns1 web $(HOME)']);
  assert.deepEqual(cfg.linux?.resources, { cpu_period: 100000, cpu_quota: 50000, cpu_shares: 512, memory_limit_in_bytes: 67108864 });
  assert.deepEqual(cfg.mounts, [{ container_path: '/scratch', host_path: '/r/pods/uid-1/volumes/scratch', readonly: false }]);
  assert.equal(cfg.image.image, 'sha256:img');
});

test('small deciders', () => {
  assert.equal(pullPolicy({ name: 'c', image: 'nginx' }), 'Always');
  assert.equal(pullPolicy({ name: 'c', image: 'nginx:latest' }), 'Always');
  assert.equal(pullPolicy({ name: 'c', image: 'nginx:1.22' }), 'IfNotPresent');
  assert.equal(pullPolicy({ name: 'c', image: '127.0.0.1:5000/x' }), 'Always');
  assert.equal(pullPolicy({ name: 'c', image: '127.0.0.1:5000/x:v1' }), 'IfNotPresent');
  assert.equal(pullPolicy({ name: 'c', image: 'nginx:1.22', imagePullPolicy: 'Never' }), 'Never');
  const restart: [string | undefined, number, boolean][] = [['Always', 0, true], [undefined, 1, true], ['OnFailure', 0, false], ['OnFailure', 2, true], ['Never', 1, false]];
  for (const [p, code, want] of restart) assert.equal(shouldRestart(p, code), want, `${p} ${code}`);
  assert.equal(expandVars('$(A)-$(B)-$$', new Map([['A', '1']])), '1-$(B)-$');
  assert.deepEqual(resolveEnv(pod, [{ name: 'X', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } }, { name: 'Y' }], { podIP: '', hostIP: '', nodeName: '' }), [{ key: 'Y', value: '' }]);
  assert.deepEqual(parseResolvConf('# c\nnameserver 127.0.0.53\nnameserver 10.1.1.1\nsearch a.b c\noptions ndots:2\n'), { servers: ['10.1.1.1'], searches: ['a.b', 'c'], options: ['ndots:2'] });
});
