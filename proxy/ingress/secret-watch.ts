/**
 * The Ingress controller's reads of TLS Secrets: one list+watch per
 * referenced Secret, in its namespace, with the field selector
 * `metadata.name=<name>` — the only form of list/watch that an RBAC rule
 * with `resourceNames` allows (Kubernetes RequestInfo; our
 * apiserver/auth/authz/request-info.ts). The proxy's identity holds no
 * other Secret access: the Roles `skiff:ingress-tls` (controllers/ingresstls/)
 * grant exactly the Secrets that Ingresses of our class name, and
 * `setWanted` is called with the same set (refs.ts). A watch refused with
 * 403 (the Role not written yet) retries with backoff until it is.
 */
import type { Secret } from 'kubernetes-types/core/v1';
import type { Logger } from '../../apiserver/api/log.ts';
import { createInformer } from '../../apiserver/client/informer.ts';
import type { Informer } from '../../apiserver/client/informer-types.ts';
import { Secrets } from '../../apiserver/client/resources.ts';
import type { ApiClient } from '../../apiserver/client/types.ts';
import type { SecretRef } from './refs.ts';

/** What changes to make to the watched set: `namespace/name` keys. Pure. */
export function diffWatches(current: Iterable<string>, wanted: readonly SecretRef[]): { start: SecretRef[]; stop: string[] } {
  const have = new Set(current);
  const want = new Map(wanted.map((r) => [`${r.namespace}/${r.name}`, r]));
  return {
    start: [...want].filter(([k]) => !have.has(k)).map(([, r]) => r),
    stop: [...have].filter((k) => !want.has(k)).sort(),
  };
}

interface Watch {
  informer: Informer<Secret>;
  abort: AbortController;
}

/** Options of SecretWatches. */
export interface SecretWatchesOptions {
  client: ApiClient;
  log: Logger;
  /** Called on every add, update or delete of a watched Secret. */
  onChange: () => void;
  /** Retry backoff bounds of a refused or failed watch, ms (defaults 200 and 5000). */
  minBackoffMs?: number;
  maxBackoffMs?: number;
}

/** The set of per-Secret watches (see the file doc). */
export class SecretWatches {
  private readonly watches = new Map<string, Watch>();
  private readonly opts: SecretWatchesOptions;

  constructor(opts: SecretWatchesOptions) {
    this.opts = opts;
  }

  /**
   * Watches exactly `wanted` from now on, under `signal` (the controller's):
   * new references start a watch, dropped ones stop theirs and leave the
   * cache. Never throws.
   */
  setWanted(wanted: readonly SecretRef[], signal: AbortSignal): void {
    const d = diffWatches(this.watches.keys(), wanted);
    for (const key of d.stop) {
      this.watches.get(key)?.abort.abort();
      this.watches.delete(key);
    }
    if (signal.aborted) return;
    for (const r of d.start) {
      const abort = new AbortController();
      signal.addEventListener('abort', () => abort.abort(), { once: true, signal: abort.signal });
      const informer = createInformer<Secret>(this.opts.client, Secrets, {
        namespace: r.namespace, fieldSelector: `metadata.name=${r.name}`,
        minBackoffMs: this.opts.minBackoffMs ?? 200, maxBackoffMs: this.opts.maxBackoffMs ?? 5000,
      }, this.opts.log);
      const bump = (): void => this.opts.onChange();
      informer.addHandlers({ onAdd: bump, onUpdate: bump, onDelete: bump });
      informer.start(abort.signal);
      this.watches.set(`${r.namespace}/${r.name}`, { informer, abort });
    }
  }

  /** The cached Secrets of every watch (those not readable yet are absent). */
  list(): Secret[] {
    return [...this.watches.values()].flatMap((w) => w.informer.list());
  }

  /** `namespace/name` of every watched Secret, sorted (tests). */
  keys(): string[] {
    return [...this.watches.keys()].sort();
  }
}
