/**
 * Aggregated ClusterRoles (aggregationRule.clusterRoleSelectors), as
 * Kubernetes' ClusterRoleAggregationController
 * (pkg/controller/clusterroleaggregation): an aggregated role's rules are the
 * rules of every other ClusterRole matching any of its selectors, in role-name
 * order, without duplicates.
 *
 * It runs inside the apiserver, not the controller-manager: the RBAC caches
 * it reads already live here (the authorizer's), and admin/edit/view must be
 * filled as soon as the server authorizes, before any controller has
 * credentials. Writes still go through the clusterroles store.
 */
import type { ClusterRole, PolicyRule } from 'kubernetes-types/rbac/v1';
import type { Logger } from '../../api/log.ts';
import { selectorMatches } from '../../api/label-selector.ts';
import type { ResourceStore } from '../../registry/store.ts';

/** The rules `role` should have given every ClusterRole in `all` (undefined if it has no aggregationRule). Pure. */
export function aggregatedRules(role: ClusterRole, all: readonly ClusterRole[]): PolicyRule[] | undefined {
  const selectors = role.aggregationRule?.clusterRoleSelectors;
  if (!selectors) return undefined;
  const name = role.metadata?.name;
  const matching = all
    .filter((r) => r.metadata?.name !== name && selectors.some((s) => selectorMatches(s, r.metadata?.labels)))
    .sort((a, b) => (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''));
  const out: PolicyRule[] = [];
  const seen = new Set<string>();
  for (const r of matching) {
    for (const rule of r.rules ?? []) {
      const k = JSON.stringify(rule);
      if (seen.has(k)) continue;
      seen.add(k);
      out.push(rule);
    }
  }
  return out;
}

/** What the loop reads and writes through. */
export interface AggregationDeps {
  clusterRoles: () => ClusterRole[];
  store: ResourceStore;
  log: Logger;
}

/**
 * The control loop: `changed()` (called on every ClusterRole change) marks
 * every aggregated role dirty; one sync at a time rewrites those whose rules
 * differ. Level-based and idempotent; a failed write is retried on the next
 * change or after 1 s.
 */
export class AggregationLoop {
  private dirty = false;
  private active = false;
  private running: Promise<void> = Promise.resolve();
  private closed = false;
  private retry?: NodeJS.Timeout;

  constructor(private readonly deps: AggregationDeps) {}

  /** Schedules a sync (coalesced). */
  changed(): void {
    if (this.closed) return;
    this.dirty = true;
    if (this.active) return;
    this.active = true;
    this.running = this.run();
  }

  /** Resolves once no sync is running or pending. */
  async idle(): Promise<void> {
    while (this.active) await this.running;
  }

  /** Stops scheduling new syncs. */
  close(): void {
    this.closed = true;
    clearTimeout(this.retry);
  }

  private async run(): Promise<void> {
    try {
      await this.syncWhileDirty();
    } finally {
      this.active = false;
    }
    // A change that arrived after the last loop check but before `active` cleared.
    if (this.dirty) this.changed();
  }

  private async syncWhileDirty(): Promise<void> {
    while (this.dirty && !this.closed) {
      this.dirty = false;
      const all = this.deps.clusterRoles();
      for (const role of all) {
        const want = aggregatedRules(role, all);
        if (want === undefined || JSON.stringify(want) === JSON.stringify(role.rules ?? [])) continue;
        const name = role.metadata?.name ?? '';
        try {
          await this.deps.store.guaranteedUpdate(undefined, name, (cur) => {
            const next = aggregatedRules(cur as ClusterRole, this.deps.clusterRoles()) ?? [];
            return { ...cur, rules: next } as typeof cur;
          }, undefined, true);
        } catch (e) {
          this.deps.log.info('clusterrole aggregation failed; will retry', { name, err: (e as Error).message });
          this.retry = setTimeout(() => this.changed(), 1000);
        }
      }
    }
  }
}
