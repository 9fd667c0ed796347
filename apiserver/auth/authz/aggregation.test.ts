import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ClusterRole } from 'kubernetes-types/rbac/v1';
import { aggregatedRules } from './aggregation.ts';

const labelled = (name: string, labels: Record<string, string>, resources: string[]): ClusterRole => ({ metadata: { name, labels }, rules: [{ verbs: ['get'], apiGroups: [''], resources }] });
const agg = (name: string, key: string, labels: Record<string, string> = {}): ClusterRole => ({ metadata: { name, labels }, aggregationRule: { clusterRoleSelectors: [{ matchLabels: { [key]: 'true' } }] }, rules: [] });

test('aggregatedRules: rules of every matching role, in name order, once each, never its own', () => {
  const view = agg('view', 'to-view', { 'to-view': 'true' });
  const all = [view, labelled('z', { 'to-view': 'true' }, ['secrets']), labelled('a', { 'to-view': 'true' }, ['pods']), labelled('b', { 'to-view': 'true' }, ['pods']), labelled('other', {}, ['nodes'])];
  assert.deepEqual(aggregatedRules(view, all), [{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }, { verbs: ['get'], apiGroups: [''], resources: ['secrets'] }]);
});

test('aggregatedRules: chained aggregation sees the rules the inner role holds now; no rule without aggregationRule', () => {
  const edit = { ...agg('edit', 'to-edit', { 'to-admin': 'true' }), rules: [{ verbs: ['create'], apiGroups: [''], resources: ['pods'] }] };
  const admin = agg('admin', 'to-admin');
  assert.deepEqual(aggregatedRules(admin, [admin, edit]), [{ verbs: ['create'], apiGroups: [''], resources: ['pods'] }]);
  assert.equal(aggregatedRules(labelled('x', {}, ['pods']), []), undefined);
});
