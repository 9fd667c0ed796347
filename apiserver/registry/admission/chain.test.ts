import { test } from 'node:test';
import assert from 'node:assert/strict';
import { badRequest, forbidden } from '../../api/errors.ts';
import { admit, runAdmission, type AdmissionAttributes, type AdmissionChain, type AdmissionPlugin } from './chain.ts';

const attrs = (): AdmissionAttributes => ({
  operation: 'CREATE', group: '', version: 'v1', resource: 'configmaps', kind: 'ConfigMap', namespace: 'default', name: 'c',
  object: { metadata: { name: 'c' } }, dryRun: false,
});

/** A plugin that records its name in `seen` and answers `answer`. */
function recorder(name: string, seen: string[], answer?: ReturnType<typeof badRequest>): AdmissionPlugin {
  return async () => {
    seen.push(name);
    return answer;
  };
}

test('admit runs every mutating plugin before any validating one, in list order', async () => {
  const seen: string[] = [];
  const chain: AdmissionChain = { mutating: [recorder('m1', seen), recorder('m2', seen)], validating: [recorder('v1', seen), recorder('v2', seen)] };
  assert.equal(await admit(chain, attrs()), undefined);
  assert.deepEqual(seen, ['m1', 'm2', 'v1', 'v2']);
});

test('the first rejection wins and later plugins do not run', async () => {
  const cases: Array<[string, (seen: string[]) => AdmissionChain, string[], number]> = [
    ['mutating rejects', (s) => ({ mutating: [recorder('m1', s, forbidden({ group: '', resource: 'configmaps', name: 'c' }, 'no')), recorder('m2', s)], validating: [recorder('v1', s)] }), ['m1'], 403],
    ['validating rejects', (s) => ({ mutating: [recorder('m1', s)], validating: [recorder('v1', s, badRequest('bad')), recorder('v2', s)] }), ['m1', 'v1'], 400],
  ];
  for (const [name, build, want, code] of cases) {
    const seen: string[] = [];
    const err = await admit(build(seen), attrs());
    assert.equal(err?.code, code, name);
    assert.deepEqual(seen, want, name);
  }
});

test('a mutation is seen by the plugins after it; synchronous plugins work too', async () => {
  const label: AdmissionPlugin = (a) => {
    a.object.metadata = { ...a.object.metadata, labels: { added: 'yes' } };
  };
  let seenLabel: string | undefined;
  const check: AdmissionPlugin = (a) => {
    seenLabel = a.object.metadata?.labels?.added;
  };
  const a = attrs();
  assert.equal(await runAdmission([label, check], a), undefined);
  assert.equal(seenLabel, 'yes');
  assert.deepEqual(a.object.metadata?.labels, { added: 'yes' });
});
