import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NODE_TOKEN_GROUP, SERVER_TOKEN_GROUP, tokenGroups } from './bootstrap-secret.ts';
import { kindOfGroups } from './token-kind.ts';

test('kindOfGroups: the server group makes a server token, the node group alone an agent token, neither nothing', () => {
  const cases: Array<{ groups: string[]; want: ReturnType<typeof kindOfGroups> }> = [
    { groups: ['system:bootstrappers', ...tokenGroups('server'), 'system:authenticated'], want: 'server' },
    { groups: ['system:bootstrappers', ...tokenGroups('agent'), 'system:authenticated'], want: 'agent' },
    { groups: ['system:bootstrappers', SERVER_TOKEN_GROUP], want: 'server' },
    { groups: ['system:bootstrappers', NODE_TOKEN_GROUP], want: 'agent' },
    { groups: ['system:bootstrappers', 'system:bootstrappers:kubeadm:default-node-token'], want: undefined },
    { groups: ['system:masters', 'system:authenticated'], want: undefined },
    { groups: [], want: undefined },
  ];
  for (const c of cases) assert.equal(kindOfGroups(c.groups), c.want, c.groups.join(','));
});
