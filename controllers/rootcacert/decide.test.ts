import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ConfigMap, Namespace } from 'kubernetes-types/core/v1';
import { decideRootCA, DESCRIPTION, DESCRIPTION_ANNOTATION } from './decide.ts';

const ns = (extra: { phase?: string; deleting?: boolean } = {}): Namespace => ({
  apiVersion: 'v1', kind: 'Namespace',
  metadata: { name: 'team', ...(extra.deleting ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}) },
  status: { phase: extra.phase ?? 'Active' },
});
const cm = (data: Record<string, string> | undefined, annotations?: Record<string, string>, extra: Partial<ConfigMap> = {}): ConfigMap => ({
  apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'kube-root-ca.crt', namespace: 'team', resourceVersion: '7', ...(annotations ? { annotations } : {}) }, ...(data ? { data } : {}), ...extra,
});
const described = { [DESCRIPTION_ANNOTATION]: DESCRIPTION };
const PEM = '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n';

test('decideRootCA (Kubernetes rootcacertpublisher syncNamespace)', () => {
  const cases: Array<{ name: string; ns?: Namespace; cm?: ConfigMap; ca: string; want: ReturnType<typeof decideRootCA> }> = [
    {
      name: 'missing: create with data and description', ns: ns(), ca: PEM,
      want: { kind: 'create', configMap: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'kube-root-ca.crt', namespace: 'team', annotations: described }, data: { 'ca.crt': PEM } } },
    },
    {
      name: 'no CA configured: the key is there, empty', ns: ns(), ca: '',
      want: { kind: 'create', configMap: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'kube-root-ca.crt', namespace: 'team', annotations: described }, data: { 'ca.crt': '' } } },
    },
    { name: 'up to date', ns: ns(), cm: cm({ 'ca.crt': PEM }, described), ca: PEM, want: { kind: 'none' } },
    {
      name: 'edited data is restored, other annotations kept, resourceVersion carried', ns: ns(), cm: cm({ 'ca.crt': 'x', extra: 'y' }, { ...described, mine: 'z' }), ca: PEM,
      want: { kind: 'update', configMap: cm({ 'ca.crt': PEM }, { ...described, mine: 'z' }) },
    },
    {
      name: 'description removed: put back', ns: ns(), cm: cm({ 'ca.crt': PEM }), ca: PEM,
      want: { kind: 'update', configMap: cm({ 'ca.crt': PEM }, described) },
    },
    {
      name: 'binaryData added: dropped', ns: ns(), cm: cm({ 'ca.crt': PEM }, described, { binaryData: { b: 'AA==' } }), ca: PEM,
      want: { kind: 'update', configMap: cm({ 'ca.crt': PEM }, described) },
    },
    { name: 'terminating namespace', ns: ns({ phase: 'Terminating' }), ca: PEM, want: { kind: 'none' } },
    { name: 'namespace being deleted', ns: ns({ deleting: true }), ca: PEM, want: { kind: 'none' } },
    { name: 'namespace gone', ca: PEM, want: { kind: 'none' } },
  ];
  for (const c of cases) assert.deepEqual(decideRootCA(c.ns, c.cm, c.ca), c.want, c.name);
});
