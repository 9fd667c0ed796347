/**
 * The Lease lock of leader election (client-go resourcelock/leaselock.go):
 * get, create and update of one coordination.k8s.io/v1 Lease, updates
 * guarded by the resourceVersion last read.
 */
import type { Lease, LeaseSpec } from 'kubernetes-types/coordination/v1';
import { Leases } from './resources.ts';
import type { ApiClient } from './types.ts';

/**
 * The Lease lock (client-go resourcelock.LeaseLock): reads the Lease and
 * writes it back with the resourceVersion last read, so two candidates
 * racing for it cannot both win (the loser gets 409 Conflict). Calls reject
 * with the client's errors; `get` resolves undefined for a missing Lease.
 */
export class LeaseLock {
  private lease?: Lease;

  constructor(private readonly client: ApiClient, readonly namespace: string, readonly name: string) {}

  /** `namespace/name`, for logs. */
  describe(): string {
    return `${this.namespace}/${this.name}`;
  }

  /** GETs the Lease (needs `get` on it); undefined when it does not exist. */
  async get(): Promise<Lease | undefined> {
    this.lease = await this.client.tryGet<Lease>(Leases, this.name, this.namespace);
    return this.lease;
  }

  /** Creates the Lease with `spec` (needs `create` on leases); 409 AlreadyExists if someone was faster. */
  async create(spec: LeaseSpec): Promise<Lease> {
    this.lease = await this.client.create<Lease>(Leases, {
      apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: this.name, namespace: this.namespace }, spec,
    }, this.namespace);
    return this.lease;
  }

  /** Replaces the spec of the Lease last read (needs `update` on it); 409 Conflict if it changed since. Throws if nothing was read yet. */
  async update(spec: LeaseSpec): Promise<Lease> {
    if (!this.lease) throw new Error(`lease ${this.describe()} not read yet: call get or create first`);
    this.lease = await this.client.update<Lease>(Leases, { ...this.lease, apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', spec });
    return this.lease;
  }

  /** The Lease last read or written, as an Event subject (apiVersion and kind set). */
  subject(): Lease {
    return { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: this.lease?.metadata ?? { name: this.name, namespace: this.namespace } };
  }
}
