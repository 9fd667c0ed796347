/**
 * Which Secrets the built-in Ingress controller needs: the
 * `spec.tls[].secretName`s of the Ingresses it serves (isOurs). Both the
 * node side (controller.ts reads exactly these Secrets) and the
 * controller-manager side (controllers/ingresstls/ grants exactly these
 * through a per-namespace Role) derive them from the same function, so
 * what is granted and what is read agree. Pure.
 */
import type { Ingress, IngressClass } from 'kubernetes-types/networking/v1';
import { isOurs } from './table.ts';

/** A referenced Secret: its namespace (the Ingress's) and name. */
export interface SecretRef {
  namespace: string;
  name: string;
}

/**
 * Namespace → the sorted, de-duplicated names of the TLS Secrets that
 * Ingresses of our class in that namespace reference. Namespaces with no
 * such reference are absent. Entries without a secretName (allowed by the
 * Ingress spec) reference nothing.
 */
export function tlsSecretsByNamespace(ingresses: readonly Ingress[], classes: readonly IngressClass[]): Map<string, string[]> {
  const sets = new Map<string, Set<string>>();
  for (const ing of ingresses) {
    if (!isOurs(ing, classes)) continue;
    const ns = ing.metadata?.namespace ?? '';
    for (const t of ing.spec?.tls ?? []) {
      if (!t.secretName) continue;
      const set = sets.get(ns) ?? new Set<string>();
      set.add(t.secretName);
      sets.set(ns, set);
    }
  }
  const out = new Map<string, string[]>();
  for (const ns of [...sets.keys()].sort()) out.set(ns, [...(sets.get(ns) ?? [])].sort());
  return out;
}

/** The same references as a flat list, ordered by namespace then name. */
export function tlsSecretRefs(ingresses: readonly Ingress[], classes: readonly IngressClass[]): SecretRef[] {
  const out: SecretRef[] = [];
  for (const [namespace, names] of tlsSecretsByNamespace(ingresses, classes)) for (const name of names) out.push({ namespace, name });
  return out;
}
