/**
 * DefaultIngressClass admission, as Kubernetes'
 * plugin/pkg/admission/network/defaultingressclass (admission.go, Admit):
 * on an Ingress create without spec.ingressClassName and without the
 * deprecated `kubernetes.io/ingress.class` annotation, the default
 * IngressClass (annotation `ingressclass.kubernetes.io/is-default-class:
 * "true"`) is written into spec.ingressClassName. With several defaults the
 * newest (then the first by name) wins, as kube does since 1.28
 * (getDefaultClass sorts by creationTimestamp). No default: the Ingress is
 * admitted unchanged. Never rejects.
 */
import type { Ingress, IngressClass } from 'kubernetes-types/networking/v1';
import type { KubeObject } from '../../api/object.ts';
import type { AdmissionPlugin } from './chain.ts';
import { IS_DEFAULT_CLASS_ANNOTATION } from '../../api/ingress-class.ts';

/** The annotation that marks the cluster's default IngressClass. */
export const DEFAULT_CLASS_ANNOTATION = IS_DEFAULT_CLASS_ANNOTATION;
const LEGACY_CLASS_ANNOTATION = 'kubernetes.io/ingress.class';

/** The default class among `classes` (newest default, then by name), or undefined. Pure. */
export function defaultIngressClass(classes: readonly IngressClass[]): IngressClass | undefined {
  const defaults = classes.filter((c) => c.metadata?.annotations?.[DEFAULT_CLASS_ANNOTATION] === 'true');
  defaults.sort((a, b) => {
    const ta = a.metadata?.creationTimestamp ?? '';
    const tb = b.metadata?.creationTimestamp ?? '';
    if (ta !== tb) return ta < tb ? 1 : -1;
    return (a.metadata?.name ?? '') < (b.metadata?.name ?? '') ? -1 : 1;
  });
  return defaults[0];
}

/** Sets spec.ingressClassName of `ing` in place to the default's name when the Ingress names no class. Pure apart from the mutation. */
export function defaultIngressClassName(ing: Ingress, classes: readonly IngressClass[]): void {
  if (ing.spec?.ingressClassName !== undefined) return;
  if (ing.metadata?.annotations?.[LEGACY_CLASS_ANNOTATION] !== undefined) return;
  const def = defaultIngressClass(classes);
  if (!def?.metadata?.name) return;
  ing.spec = { ...(ing.spec ?? {}), ingressClassName: def.metadata.name };
}

/** Lists every stored IngressClass. */
export type IngressClassLister = () => Promise<KubeObject[]>;

/** The plugin: Ingress creates only (networking.k8s.io, not subresources). */
export function defaultIngressClassAdmission(listClasses: IngressClassLister): AdmissionPlugin {
  return async (attrs) => {
    if (attrs.operation !== 'CREATE' || attrs.group !== 'networking.k8s.io' || attrs.resource !== 'ingresses' || attrs.subresource) return undefined;
    const ing = attrs.object as Ingress;
    if (ing.spec?.ingressClassName !== undefined) return undefined;
    defaultIngressClassName(ing, (await listClasses()) as IngressClass[]);
    return undefined;
  };
}
