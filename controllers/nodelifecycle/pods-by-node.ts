/**
 * The pod informer index both node lifecycle controllers use: pods by
 * spec.nodeName (kube's controller.AddPodNodeNameIndexer).
 */
import type { Pod } from 'kubernetes-types/core/v1';
import type { Informer } from '../../apiserver/client/informer-types.ts';

/** Name of the index. */
export const BY_NODE = 'spec.nodeName';

/** Adds the index to the shared pod informer (idempotent: the same name and rule). Call before the informers start. */
export function indexPodsByNode(pods: Informer<Pod>): void {
  pods.addIndex(BY_NODE, (p) => (p.spec?.nodeName ? [p.spec.nodeName] : []));
}
