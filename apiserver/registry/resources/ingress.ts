/**
 * networking.k8s.io/v1 ingresses and ingressclasses, as Kubernetes'
 * pkg/registry/networking/ingress/strategy.go and
 * pkg/registry/networking/ingressclass/strategy.go: an Ingress starts with
 * an empty status, spec changes bump the generation, the status subresource
 * keeps the spec (and the main resource keeps the status); IngressClasses
 * are cluster-scoped with an immutable controller. Validation is in
 * ingress-validation.ts; the tables are kube's printIngress and
 * printIngressClass (pkg/printers/internalversion/printers.go).
 */
import type { Ingress, IngressClass, IngressLoadBalancerStatus, IngressRule, IngressTLS } from 'kubernetes-types/networking/v1';
import type { ResourceDef } from '../types.ts';
import { ageCell, column, keepSpec, keepStatus, standardVerbs } from './common.ts';
import { validateIngressClass, validateIngressClassUpdate, validateIngressCreate, validateIngressUpdate } from './ingress-validation.ts';

/** The group both kinds live in. */
export const NETWORKING_GROUP = 'networking.k8s.io';

/** HOSTS cell: up to three non-empty rule hosts, "+ N more..." beyond, "*" when none (kube formatHosts). Pure. */
export function formatHosts(rules: IngressRule[]): string {
  const list: string[] = [];
  const max = 3;
  let more = false;
  for (const r of rules) {
    if (list.length === max) more = true;
    if (!more && r.host) list.push(r.host);
  }
  if (list.length === 0) return '*';
  const joined = list.join(',');
  return more ? `${joined} + ${rules.length - max} more...` : joined;
}

/** PORTS cell: "80", or "80, 443" when TLS is configured (kube formatPorts). Pure. */
export function formatPorts(tls: IngressTLS[] | undefined): string {
  return (tls ?? []).length > 0 ? '80, 443' : '80';
}

/**
 * ADDRESS cell: the IPs and hostnames of status.loadBalancer.ingress joined
 * by ',' (kube ingressLoadBalancerStatusStringer with Wide, as the API
 * server's TableConvertor prints: no cut at 16 characters). Pure.
 */
export function formatAddress(lb: IngressLoadBalancerStatus | undefined): string {
  const parts: string[] = [];
  for (const i of lb?.ingress ?? []) {
    if (i.ip) parts.push(i.ip);
    else if (i.hostname) parts.push(i.hostname);
  }
  return parts.join(',');
}

/** The ingresses resource definition (namespaced, shortName ing, status subresource). */
export function ingressesResource(): ResourceDef<Ingress> {
  return {
    group: NETWORKING_GROUP, version: 'v1', resource: 'ingresses', kind: 'Ingress', listKind: 'IngressList', singular: 'ingress',
    namespaced: true, shortNames: ['ing'], categories: [], verbs: standardVerbs, subresources: ['status'],
    strategy: {
      bumpsGeneration: true,
      prepareForCreate(ing) {
        ing.status = {};
      },
      prepareForUpdate: keepStatus,
      prepareForStatusUpdate: keepSpec,
      validate: validateIngressCreate,
      validateUpdate: validateIngressUpdate,
    },
    table: {
      columns: [
        column('Class', 'The name of the IngressClass resource.'),
        column('Hosts', 'Hosts that incoming requests are matched against before the ingress rule'),
        column('Address', 'Address is a list containing ingress points for the load-balancer'),
        column('Ports', 'Ports of TLS configurations that open'),
        column('Age', 'CreationTimestamp is a timestamp representing the server time when this object was created.'),
      ],
      cells: (ing, now) => [
        ing.spec?.ingressClassName ?? '<none>',
        formatHosts(ing.spec?.rules ?? []),
        formatAddress(ing.status?.loadBalancer),
        formatPorts(ing.spec?.tls),
        ageCell(ing, now),
      ],
    },
  };
}

/** PARAMETERS cell: `Kind[.apiGroup]/name`, or "<none>" (kube printIngressClass). Pure. */
export function formatParameters(ic: IngressClass): string {
  const p = ic.spec?.parameters;
  if (!p) return '<none>';
  return `${p.kind}${p.apiGroup !== undefined ? `.${p.apiGroup}` : ''}/${p.name}`;
}

/** The ingressclasses resource definition (cluster-scoped, no status). */
export function ingressClassesResource(): ResourceDef<IngressClass> {
  return {
    group: NETWORKING_GROUP, version: 'v1', resource: 'ingressclasses', kind: 'IngressClass', listKind: 'IngressClassList', singular: 'ingressclass',
    namespaced: false, shortNames: [], categories: [], verbs: standardVerbs, subresources: [],
    strategy: {
      bumpsGeneration: true,
      validate: validateIngressClass,
      validateUpdate: validateIngressClassUpdate,
    },
    table: {
      columns: [
        column('Controller', 'Controller that is responsible for handling this class'),
        column('Parameters', 'A reference to a resource with additional parameters'),
        column('Age', 'CreationTimestamp is a timestamp representing the server time when this object was created.'),
      ],
      cells: (ic, now) => [ic.spec?.controller ?? '', formatParameters(ic), ageCell(ic, now)],
    },
  };
}
