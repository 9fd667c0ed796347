import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { definitionsPath, generateDefinitions } from './generate.ts';
import type { Definitions } from './types.ts';

test('the committed definitions.json is exactly what `npm run gen:schemas` produces', async () => {
  const { text, gaps } = await generateDefinitions();
  assert.equal(readFileSync(definitionsPath, 'utf8'), text, 'definitions.json is stale: run npm run gen:schemas');
  assert.deepEqual(gaps, [], 'every number has an integer/number format from @kubernetes/client-node');
});

test('generated definitions carry Kubernetes names, kinds, formats, maps, required and patch metadata', async () => {
  const { definitions: d } = JSON.parse((await generateDefinitions()).text) as Definitions;
  const pod = d['io.k8s.api.core.v1.Pod']!;
  assert.deepEqual(pod['x-kubernetes-group-version-kind'], [{ group: '', version: 'v1', kind: 'Pod' }]);
  assert.equal(pod.properties!.metadata!.$ref, '#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta');
  assert.match(pod.description!, /collection of containers/);
  assert.deepEqual(d['io.k8s.api.apps.v1.Deployment']!['x-kubernetes-group-version-kind'], [{ group: 'apps', version: 'v1', kind: 'Deployment' }]);
  const replicas = d['io.k8s.api.apps.v1.DeploymentSpec']!.properties!.replicas!;
  assert.deepEqual([replicas.type, replicas.format], ['integer', 'int32']);
  const grace = d['io.k8s.api.core.v1.PodSpec']!.properties!.terminationGracePeriodSeconds!;
  assert.deepEqual([grace.type, grace.format], ['integer', 'int64']);
  assert.deepEqual(d['io.k8s.api.core.v1.Container']!.required, ['name']);
  const labels = d['io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta']!.properties!.labels!;
  assert.deepEqual([labels.type, labels.additionalProperties?.type], ['object', 'string']);
  assert.equal(d['io.k8s.api.core.v1.Secret']!.properties!.data!.additionalProperties!.format, 'byte');
  assert.deepEqual(d['io.k8s.apimachinery.pkg.apis.meta.v1.Time'], { ...d['io.k8s.apimachinery.pkg.apis.meta.v1.Time'], type: 'string', format: 'date-time' });
  assert.equal(d['io.k8s.api.core.v1.HTTPGetAction']!.properties!.port!.$ref, '#/definitions/io.k8s.apimachinery.pkg.util.intstr.IntOrString');
  assert.equal(d['io.k8s.apimachinery.pkg.util.intstr.IntOrString']!.format, 'int-or-string');
  const ports = d['io.k8s.api.core.v1.Container']!.properties!.ports!;
  assert.equal(ports['x-kubernetes-patch-merge-key'], 'containerPort');
  assert.deepEqual(ports['x-kubernetes-list-map-keys'], ['containerPort', 'protocol']);
  assert.equal(d['io.k8s.api.core.v1.ServiceSpec']!.properties!.ports!['x-kubernetes-patch-merge-key'], 'port');
  assert.equal(d['io.k8s.api.apps.v1.DeploymentSpec']!.properties!.strategy!['x-kubernetes-patch-strategy'], 'retainKeys');
  assert.equal(d['io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta']!.properties!.finalizers!['x-kubernetes-list-type'], 'set');
  assert.equal(d['io.k8s.apimachinery.pkg.apis.meta.v1.FieldsV1']!.properties, undefined, 'FieldsV1 is free-form');
});
