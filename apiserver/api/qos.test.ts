import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { PodSpec } from 'kubernetes-types/core/v1';
import { qosClass } from './qos.ts';

test('qosClass follows GetPodQOS', () => {
  const one = (resources: PodSpec['containers'][0]['resources']): PodSpec => ({ containers: [{ name: 'a', resources }] });
  const cases: Array<[string, PodSpec | undefined, string]> = [
    ['no spec', undefined, 'BestEffort'],
    ['nothing set', one(undefined), 'BestEffort'],
    ['zero requests are ignored', one({ requests: { cpu: '0', memory: '0' } }), 'BestEffort'],
    ['only non-QoS resources', one({ limits: { 'nvidia.com/gpu': '1' } }), 'BestEffort'],
    ['a cpu request', one({ requests: { cpu: '100m' } }), 'Burstable'],
    ['limits only (requests default to them)', one({ limits: { cpu: '1', memory: '128Mi' } }), 'Guaranteed'],
    ['equal in other units', one({ limits: { cpu: '1', memory: '128Mi' }, requests: { cpu: '1000m', memory: '134217728' } }), 'Guaranteed'],
    ['request below limit', one({ limits: { cpu: '1', memory: '128Mi' }, requests: { cpu: '500m' } }), 'Burstable'],
    ['no memory limit', one({ limits: { cpu: '1' } }), 'Burstable'],
    ['init container without limits', { containers: [{ name: 'a', resources: { limits: { cpu: '1', memory: '1Gi' } } }], initContainers: [{ name: 'i', resources: { requests: { cpu: '1' } } }] }, 'Burstable'],
    ['garbage quantities never throw', one({ limits: { cpu: true as unknown as string, memory: 'x' } }), 'BestEffort'],
  ];
  for (const [name, spec, want] of cases) assert.equal(qosClass(spec), want, name);
});
