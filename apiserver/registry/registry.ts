/**
 * The set of stores the server serves, one per stored ResourceDef, the
 * StrategyContext they share (reads, server config, atomic key claims) and
 * the admission chain every write passes.
 */
import type { Storage } from '../storage/interface.ts';
import type { Logger } from '../api/log.ts';
import type { AdmissionChain } from './admission/chain.ts';
import { standardAdmission, type ObjectLister, type ObjectReader } from './admission/standard.ts';
import { cachedReader } from './cached-reads.ts';
import { resourcePrefix } from '../storage/keys.ts';
import { NamespaceFinalizer } from './namespace-finalizer.ts';
import { ResourceStore } from './store.ts';
import { strategyContext } from './strategy-context.ts';
import type { ResourceDef, StrategyContext } from './types.ts';

/** Server-wide settings a strategy may read. */
export interface RegistryConfig {
  serviceCIDR: string;
  /** ms since epoch; injectable for tests. */
  now?: () => number;
  log: Logger;
  /** Lifetime of events after their last write, in seconds (default 3600, Kubernetes' --event-ttl). */
  eventTTLSeconds?: number;
  /** Builds the admission chain over a reader of stored objects; default standardAdmission (NamespaceLifecycle, ServiceAccount, DefaultTolerationSeconds). */
  admission?: (read: ObjectReader, list?: ObjectLister) => AdmissionChain;
}

/** Looks stores up by group/version/resource. Virtual defs get no store. */
export class Registry {
  readonly stores: ResourceStore[];
  readonly ctx: StrategyContext;
  readonly admission: AdmissionChain;
  /** Deletes the contents of terminating namespaces (undefined if namespaces are not served). */
  readonly namespaceFinalizer?: NamespaceFinalizer;
  private readonly byGvr = new Map<string, ResourceStore>();

  constructor(defs: ResourceDef[], storage: Storage, config: RegistryConfig) {
    this.ctx = strategyContext(storage, config);
    const list: ObjectLister = async (resource) => (await storage.list(resourcePrefix(resource))).items;
    this.admission = (config.admission ?? standardAdmission)(cachedReader(storage, this.ctx.get), list);
    const log = config.log.child('registry');
    const ttlOf = (d: ResourceDef): number | undefined => (d.resource === 'events' ? config.eventTTLSeconds ?? 3600 : undefined);
    this.stores = defs.filter((d) => !d.virtual).map((d) => new ResourceStore(d, { storage, ctx: this.ctx, now: config.now, ttlSeconds: ttlOf(d), admission: this.admission, log }));
    for (const s of this.stores) this.byGvr.set(`${s.def.group}/${s.def.version}/${s.def.resource}`, s);
    const namespaces = this.find('', 'v1', 'namespaces');
    if (namespaces) {
      const finalizer = new NamespaceFinalizer(namespaces, this.stores.filter((s) => s.def.namespaced), config.log.child('namespaces'));
      namespaces.onTerminating = (obj) => {
        if (obj.metadata?.name) void finalizer.finalize(obj.metadata.name);
      };
      this.namespaceFinalizer = finalizer;
    }
  }

  /** The store serving `resource` in group/version, or undefined. */
  find(group: string, version: string, resource: string): ResourceStore | undefined {
    return this.byGvr.get(`${group}/${version}/${resource}`);
  }
}
