/**
 * Creates the default RBAC policy (policy.ts, and the namespaced Roles of
 * policy-dns.ts) through the stores at server start, as Kubernetes'
 * rbac/bootstrap-roles post-start hook: each missing ClusterRole,
 * ClusterRoleBinding, Role and RoleBinding is created (the Roles' namespace,
 * kube-system, is made before by bootstrap.ts); existing ones are left as
 * they are (no reconciliation of edited defaults yet). Idempotent and safe
 * to run concurrently on several servers (AlreadyExists counts as done).
 */
import type { Logger } from '../../api/log.ts';
import type { KubeObject } from '../../api/object.ts';
import { StatusError } from '../../api/errors.ts';
import type { Registry } from '../../registry/registry.ts';
import { defaultClusterRoleBindings, defaultClusterRoles } from './policy.ts';
import { defaultRoleBindings, defaultRoles } from './policy-dns.ts';

const rbacGroup = 'rbac.authorization.k8s.io';

/** Creates in flight at once: the ~100 default objects take one etcd round trip per batch instead of one each (server start-up). */
const BOOTSTRAP_CONCURRENCY = 16;

async function ensure(registry: Registry, resource: string, objs: KubeObject[], log: Logger): Promise<void> {
  const store = registry.find(rbacGroup, 'v1', resource);
  if (!store) throw new Error(`bootstrap: ${resource}.${rbacGroup} is not served`);
  const one = async (obj: KubeObject): Promise<void> => {
    const name = obj.metadata?.name ?? '';
    try {
      await store.create(obj.metadata?.namespace, obj);
      log.info('bootstrap: created', { resource, name });
    } catch (e) {
      if (e instanceof StatusError && e.code === 409) return;
      throw e;
    }
  };
  for (let i = 0; i < objs.length; i += BOOTSTRAP_CONCURRENCY) await Promise.all(objs.slice(i, i + BOOTSTRAP_CONCURRENCY).map(one));
}

/** Creates the default ClusterRoles, then their bindings, then the Roles and theirs (each in batches of 16 concurrent creates); rejects on the first failure other than AlreadyExists. */
export async function bootstrapPolicy(registry: Registry, log: Logger): Promise<void> {
  await ensure(registry, 'clusterroles', defaultClusterRoles(), log);
  await ensure(registry, 'clusterrolebindings', defaultClusterRoleBindings(), log);
  await ensure(registry, 'roles', defaultRoles(), log);
  await ensure(registry, 'rolebindings', defaultRoleBindings(), log);
}
