import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Pod } from 'kubernetes-types/core/v1';
import { nodeTokenRequestRestriction, type TokenBinding } from './restriction-token.ts';

const node = { username: 'system:node:n1', groups: ['system:nodes', 'system:authenticated'] };
const pod = (nodeName: string): Pod => ({ metadata: { name: 'p', uid: 'u1' }, spec: { nodeName, containers: [] } });
const bound: TokenBinding = { kind: 'Pod', name: 'p', uid: 'u1' };

test('nodeTokenRequestRestriction: nodes get tokens only bound to a pod (with uid) on themselves; others pass', () => {
  const cases: Array<{ name: string; user?: typeof node; binding?: TokenBinding; pod?: Pod; want?: RegExp }> = [
    { name: 'a non-node user, unbound', user: { username: 'alice', groups: ['system:authenticated'] } },
    { name: 'anonymous context (no user)', user: undefined },
    { name: 'node, its own pod', user: node, binding: bound, pod: pod('n1') },
    { name: 'node, unbound', user: node, want: /not bound to a pod/ },
    { name: 'node, bound to a Secret', user: node, binding: { kind: 'Secret', name: 's', uid: 'x' }, want: /bound to a Secret, only pods are allowed/ },
    { name: 'node, pod binding without uid', user: node, binding: { kind: 'Pod', name: 'p' }, want: /without a uid/ },
    { name: 'node, a pod on another node', user: node, binding: bound, pod: pod('n2'), want: /scheduled on a different node/ },
    { name: 'node with an empty name', user: { username: 'system:node:', groups: ['system:nodes'] }, binding: bound, pod: pod('n1'), want: /could not determine node/ },
  ];
  for (const c of cases) {
    const r = nodeTokenRequestRestriction(c.user, 'default', c.binding, c.pod);
    if (c.want === undefined) assert.equal(r, undefined, c.name);
    else {
      assert.equal(r?.status.code, 403, c.name);
      assert.match(r?.status.message ?? '', c.want, c.name);
    }
  }
});
