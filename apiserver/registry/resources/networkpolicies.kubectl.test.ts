/**
 * NetworkPolicy through the real kubectl (1.33 validates with OpenAPI v3,
 * 1.27 with the protobuf OpenAPI v2) against a real API server on real
 * etcd: apply (defaults visible), the POD-SELECTOR table under the
 * `netpol` short name, kube's validation message for a bad ipBlock, and
 * `explain` from the generated schema.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { useKubectl } from '../../../testutil/kubectl.ts';

const k = useKubectl([33, 27], 'kubectl-netpol');

const manifest = (name: string, cidr: string, except: string): string => [
  'apiVersion: networking.k8s.io/v1', 'kind: NetworkPolicy', 'metadata:', `  name: ${name}`, 'spec:',
  '  podSelector: {matchLabels: {app: web}}',
  '  ingress:', '  - from:', '    - podSelector: {matchLabels: {role: client}}', `    - ipBlock: {cidr: "${cidr}", except: ["${except}"]}`,
  '    ports:', '    - port: http', '    - {port: 8000, endPort: 8100}', '',
].join('\n');

test('kubectl apply, get netpol, validation and explain for NetworkPolicy (1.33 and 1.27)', { skip: k.skip }, async () => {
  for (const [minor, name] of [[33, 'web-a'], [27, 'web-b']] as const) {
    const file = join(k.dir(), `${name}.yaml`);
    writeFileSync(file, manifest(name, '10.0.0.0/8', '10.1.0.0/16'));
    const applied = await k.run(minor, ['apply', '-f', file]);
    assert.equal(applied.code, 0, applied.out);
    assert.match(applied.out, new RegExp(`networkpolicy\\.networking\\.k8s\\.io/${name} created`));
    const got = await k.run(minor, ['get', 'netpol', name, '-o', 'jsonpath={.spec.policyTypes} {.spec.ingress[0].ports[0].protocol}']);
    assert.equal(got.out, '["Ingress"] TCP');
  }
  const table = await k.run(33, ['get', 'networkpolicies']);
  assert.equal(table.code, 0, table.out);
  const lines = table.out.trim().split('\n').map((l) => l.trim().split(/\s{2,}/));
  assert.deepEqual(lines[0], ['NAME', 'POD-SELECTOR', 'AGE']);
  assert.deepEqual(lines.slice(1).map((l) => l.slice(0, 2)), [['web-a', 'app=web'], ['web-b', 'app=web']]);

  const bad = join(k.dir(), 'bad.yaml');
  writeFileSync(bad, manifest('bad', '10.0.0.0/8', '192.168.0.0/16'));
  const refused = await k.run(33, ['apply', '-f', bad]);
  assert.notEqual(refused.code, 0);
  assert.match(refused.out, /The NetworkPolicy "bad" is invalid: spec\.ingress\[0\]\.from\[1\]\.ipBlock\.except\[0\]: Invalid value: "192\.168\.0\.0\/16": must be a strict subset of `cidr`/);

  const explain = await k.run(33, ['explain', 'networkpolicy.spec.ingress.from.ipBlock']);
  assert.equal(explain.code, 0, explain.out);
  assert.match(explain.out, /cidr\s+<string> -required-/);
});
