/**
 * Skiff's built-in IngressClass, shared by the API server (created at
 * bootstrap, default for Ingresses without a class) and the Ingress
 * controller (proxy/ingress/), which serves exactly the Ingresses of this
 * class.
 */
import type { IngressClass } from 'kubernetes-types/networking/v1';

/** Name of the built-in IngressClass. */
export const SKIFF_INGRESS_CLASS = 'skiff';
/** spec.controller of the built-in IngressClass. */
export const SKIFF_INGRESS_CONTROLLER = 'skiff.io/ingress';
/** The annotation that makes an IngressClass the cluster default (kube's networking/v1 IngressClass docs). */
export const IS_DEFAULT_CLASS_ANNOTATION = 'ingressclass.kubernetes.io/is-default-class';

/** The built-in IngressClass object: `skiff`, controller `skiff.io/ingress`, marked default. Fresh each call. */
export function skiffIngressClass(): IngressClass {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'IngressClass',
    metadata: { name: SKIFF_INGRESS_CLASS, annotations: { [IS_DEFAULT_CLASS_ANNOTATION]: 'true' } },
    spec: { controller: SKIFF_INGRESS_CONTROLLER },
  };
}
