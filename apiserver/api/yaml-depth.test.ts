import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { MAX_YAML_DEPTH, yamlDepthExceeds } from './yaml-depth.ts';

const flow = (d: number): string => '{"a":'.repeat(d) + '1' + '}'.repeat(d);
const block = (d: number): string => {
  let s = '';
  for (let i = 0; i < d; i++) s += `${' '.repeat(i)}a:\n`;
  return `${s}${' '.repeat(d)}x: 1\n`;
};
const seqs = (d: number): string => `${'- '.repeat(d)}1\n`;

test('yamlDepthExceeds: flow, block and sequence nesting up to the bound parse; beyond is refused', () => {
  const m = MAX_YAML_DEPTH;
  for (const [name, make] of [['flow', flow], ['block', block], ['seqs', seqs]] as const) {
    assert.equal(yamlDepthExceeds(make(m)), false, `${name} at the bound`);
    assert.doesNotThrow(() => parse(make(m)), `${name} at the bound parses`);
    assert.equal(yamlDepthExceeds(make(m + 1)), true, `${name} past the bound`);
    assert.equal(yamlDepthExceeds(make(name === 'block' ? 3000 : 100000)), true, `${name} far past the bound`);
  }
});

test('yamlDepthExceeds ignores brackets in quotes and comments and passes real manifests', () => {
  assert.equal(yamlDepthExceeds(`a: "${'{'.repeat(10000)}"\nb: '${'['.repeat(10000)}'\n`), false);
  assert.equal(yamlDepthExceeds(`# ${'['.repeat(10000)}\na: 1\n`), false);
  assert.equal(yamlDepthExceeds('a: "x\\" {{{{"\n'), false);
  const manifest = 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n      - name: c\n        image: nginx\n        ports:\n        - containerPort: 80\n';
  assert.equal(yamlDepthExceeds(manifest), false);
  assert.equal(yamlDepthExceeds(JSON.stringify({ a: [{ b: { c: [1, 2, { d: 'x' }] } }] })), false);
});
