/**
 * How authenticators read stored objects (Secrets, ServiceAccounts, Pods):
 * a getter by resource, namespace and name, resolving undefined when absent.
 * The server passes one backed by storage; tests pass a map.
 */
import type { KubeObject } from '../../api/object.ts';

/** Reads one namespaced object; undefined when absent. Rejects only on storage errors. */
export type ObjectGetter = (resource: 'secrets' | 'serviceaccounts' | 'pods', namespace: string, name: string) => Promise<KubeObject | undefined>;
