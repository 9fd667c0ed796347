/**
 * The RBAC snapshot the authorizer reads: four ObjectCaches (clusterroles,
 * roles, clusterrolebindings, rolebindings) fed by storage list+watch, with
 * indexes by name and by namespace kept on every change, so a request is
 * authorized from memory.
 */
import type { ClusterRole, ClusterRoleBinding, Role, RoleBinding } from 'kubernetes-types/rbac/v1';
import type { KubeObject } from '../../api/object.ts';
import type { Logger } from '../../api/log.ts';
import type { Storage } from '../../storage/interface.ts';
import { ObjectCache, type CacheChange } from './cache.ts';
import type { RbacSnapshot } from './resolver.ts';

/** A map keyed by `ns/name` kept in step with one cache. */
class Index<T extends KubeObject> {
  readonly byKey = new Map<string, T>();
  readonly byNamespace = new Map<string, Map<string, T>>();

  apply(c: CacheChange): void {
    const ns = c.obj.metadata?.namespace ?? '';
    const name = c.obj.metadata?.name ?? '';
    let inNs = this.byNamespace.get(ns);
    if (c.type === 'delete') {
      this.byKey.delete(`${ns}/${name}`);
      inNs?.delete(name);
      return;
    }
    this.byKey.set(`${ns}/${name}`, c.obj as T);
    if (!inNs) this.byNamespace.set(ns, (inNs = new Map()));
    inNs.set(name, c.obj as T);
  }
}

/** The live RBAC objects of one server; `start` resolves once all four caches are synced. */
export class RbacCache implements RbacSnapshot {
  readonly clusterRoles: ObjectCache;
  private readonly caches: ObjectCache[];
  private readonly crs = new Index<ClusterRole>();
  private readonly roles = new Index<Role>();
  private readonly crbs = new Index<ClusterRoleBinding>();
  private readonly rbs = new Index<RoleBinding>();

  constructor(storage: Storage, log: Logger) {
    const make = <T extends KubeObject>(resource: string, idx: Index<T>): ObjectCache => {
      const c = new ObjectCache(storage, resource, log);
      c.onChange((ch) => idx.apply(ch));
      return c;
    };
    this.clusterRoles = make('clusterroles', this.crs);
    this.caches = [this.clusterRoles, make('roles', this.roles), make('clusterrolebindings', this.crbs), make('rolebindings', this.rbs)];
  }

  /** Lists and watches all four resources; rejects if a first list fails. */
  async start(): Promise<void> {
    await Promise.all(this.caches.map((c) => c.start()));
  }

  /** Stops every watch; idempotent. */
  async stop(): Promise<void> {
    await Promise.all(this.caches.map((c) => c.stop()));
  }

  clusterRoleBindings(): readonly ClusterRoleBinding[] {
    return [...this.crbs.byKey.values()];
  }

  roleBindings(namespace: string): readonly RoleBinding[] {
    return [...(this.rbs.byNamespace.get(namespace)?.values() ?? [])];
  }

  clusterRole(name: string): ClusterRole | undefined {
    return this.crs.byKey.get(`/${name}`);
  }

  role(namespace: string, name: string): Role | undefined {
    return this.roles.byKey.get(`${namespace}/${name}`);
  }

  /** Every ClusterRole (for the aggregation loop). */
  allClusterRoles(): ClusterRole[] {
    return [...this.crs.byKey.values()];
  }
}
