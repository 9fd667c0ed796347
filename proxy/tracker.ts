/**
 * The proxy's change tracker: watches Services and EndpointSlices through
 * shared informers and turns every change into a runner request; the
 * current state is read from the informer caches at sync time (level based,
 * like kube-proxy's ServiceChangeTracker + EndpointsChangeTracker feeding
 * syncProxyRules).
 */
import type { Service } from 'kubernetes-types/core/v1';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1';
import type { Informer, InformerFactory } from '../apiserver/client/informer-types.ts';
import { EndpointSlices, Services } from '../apiserver/client/resources.ts';
import type { ProxyState } from './backend.ts';
import { SERVICE_NAME_LABEL } from './model.ts';

/** Tracks Services and service-owned EndpointSlices; see file doc. */
export class ServiceChangeTracker {
  private changes = 0;
  readonly services: Informer<Service>;
  readonly slices: Informer<EndpointSlice>;

  /**
   * Registers the informers (Services; EndpointSlices carrying the
   * kubernetes.io/service-name label) and calls `onChange` after every add,
   * update or delete. Start the factory afterwards.
   */
  constructor(factory: InformerFactory, onChange: () => void) {
    this.services = factory.for<Service>(Services);
    this.slices = factory.for<EndpointSlice>(EndpointSlices, { labelSelector: SERVICE_NAME_LABEL });
    const bump = (): void => {
      this.changes++;
      onChange();
    };
    const handlers = { onAdd: bump, onUpdate: bump, onDelete: bump };
    this.services.addHandlers(handlers);
    this.slices.addHandlers(handlers);
  }

  /** Whether both caches hold their first full list. */
  hasSynced(): boolean {
    return this.services.hasSynced() && this.slices.hasSynced();
  }

  /** The current full state, and resets the change counter (returned as `changes`). */
  snapshot(): ProxyState & { changes: number } {
    const changes = this.changes;
    this.changes = 0;
    return { services: this.services.list(), endpointSlices: this.slices.list(), changes };
  }
}
