/**
 * What a DELETE does to an object, decided without side effects (Kubernetes'
 * BeforeDelete / graceful deletion / finalizer rules in the generic store).
 */
import type { KubeObject } from '../api/object.ts';
import { clone } from '../api/patch/json-value.ts';
import { rfc3339 } from '../api/time.ts';
import type { ResourceDef } from './types.ts';

/** DeleteOptions as the store honours them. */
export interface DeleteParams {
  gracePeriodSeconds?: number;
  preconditions?: { uid?: string; resourceVersion?: string };
  propagationPolicy?: 'Background' | 'Foreground' | 'Orphan';
}

type Meta = { -readonly [K in keyof NonNullable<KubeObject['metadata']>]: NonNullable<KubeObject['metadata']>[K] };

/**
 * Grace period in seconds for deleting `obj`: only pods bound to a node and
 * not finished get one (DeleteOptions, else spec.terminationGracePeriodSeconds,
 * else 30); everything else 0. A negative DeleteOptions value counts as 1 s,
 * as Kubernetes' rest.BeforeDelete ("Negative values will be treated as the
 * value `1s` on the delete path"), so it never means an immediate delete.
 */
export function gracePeriodSeconds(def: ResourceDef, obj: KubeObject, opts: DeleteParams): number {
  if (def.resource !== 'pods' || def.group !== '') return 0;
  const pod = obj as { spec?: { nodeName?: string; terminationGracePeriodSeconds?: number }; status?: { phase?: string } };
  if (!pod.spec?.nodeName) return 0;
  const phase = pod.status?.phase;
  if (phase === 'Succeeded' || phase === 'Failed') return 0;
  const asked = opts.gracePeriodSeconds;
  if (asked !== undefined && asked < 0) return 1;
  const g = asked ?? pod.spec.terminationGracePeriodSeconds ?? 30;
  return Math.max(0, Math.floor(g));
}

/**
 * Decides a delete: undefined = remove the object now; otherwise the object
 * to write instead, which stays until its grace period or finalizers are done:
 * - Foreground / Orphan policies add the `foregroundDeletion` / `orphan`
 *   finalizer (first delete only);
 * - a graceful pod gets deletionTimestamp = now + grace and
 *   deletionGracePeriodSeconds = grace (a later delete may only shorten it);
 * - a namespace with spec.finalizers becomes Terminating;
 * - any other object with finalizers gets deletionTimestamp = now and
 *   deletionGracePeriodSeconds = 0.
 * `nowMs` is ms since epoch.
 */
export function planDeletion(def: ResourceDef, cur: KubeObject, opts: DeleteParams, nowMs: number): KubeObject | undefined {
  const next = clone(cur);
  const meta = (next.metadata ??= {}) as Meta;
  const finalizers = [...(meta.finalizers ?? [])];
  if (!meta.deletionTimestamp) {
    const extra = opts.propagationPolicy === 'Foreground' ? 'foregroundDeletion' : opts.propagationPolicy === 'Orphan' ? 'orphan' : undefined;
    if (extra && !finalizers.includes(extra)) finalizers.push(extra);
  }
  const grace = gracePeriodSeconds(def, cur, opts);
  if (grace > 0) {
    const existing = meta.deletionGracePeriodSeconds;
    if (existing === undefined || grace < existing) {
      meta.deletionTimestamp = rfc3339(nowMs + grace * 1000);
      meta.deletionGracePeriodSeconds = grace;
    }
    if (finalizers.length > 0) meta.finalizers = finalizers;
    return next;
  }
  const nsFinalizers = def.group === '' && def.resource === 'namespaces' ? ((next as { spec?: { finalizers?: string[] } }).spec?.finalizers ?? []) : [];
  if (nsFinalizers.length > 0) {
    meta.deletionTimestamp ??= rfc3339(nowMs);
    meta.deletionGracePeriodSeconds = 0;
    if (finalizers.length > 0) meta.finalizers = finalizers;
    const withStatus = next as { status?: { phase?: string } };
    withStatus.status = { ...(withStatus.status ?? {}), phase: 'Terminating' };
    return next;
  }
  if (finalizers.length === 0) return undefined;
  meta.finalizers = finalizers;
  if (!meta.deletionTimestamp || (meta.deletionGracePeriodSeconds ?? 0) > 0) {
    meta.deletionTimestamp ??= rfc3339(nowMs);
    meta.deletionGracePeriodSeconds = 0;
  }
  return next;
}
