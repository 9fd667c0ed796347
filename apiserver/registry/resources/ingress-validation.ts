/**
 * Validation of networking.k8s.io/v1 Ingress and IngressClass, as
 * Kubernetes' pkg/apis/networking/validation/validation.go
 * (ValidateIngressCreate/Update, ValidateIngressSpec, validateIngressRules,
 * validateHTTPIngressPath, validateIngressBackend, validateIngressTLS,
 * ValidateIngressLoadBalancerStatus, ValidateIngressClass). Pure functions
 * returning field causes; messages are kube's.
 */
import type {
  HTTPIngressPath, Ingress, IngressBackend, IngressClass, IngressClassParametersReference, IngressLoadBalancerStatus, IngressRule, IngressSpec, IngressTLS,
} from 'kubernetes-types/networking/v1';
import ipaddr from 'ipaddr.js';
import type { FieldCause } from '../../api/errors.ts';
import {
  dns1035LabelErrors, dns1123SubdomainErrors, forbidden, invalidValue, portNameErrors, required, unsupported, validatePortNumber, validateProtocol,
} from '../../api/validation.ts';
import { validateMeta } from './common.ts';

/** The pathType values networking/v1 accepts. */
export const PATH_TYPES = ['Exact', 'ImplementationSpecific', 'Prefix'];
/** The deprecated class annotation, which may not be set together with spec.ingressClassName. */
export const INGRESS_CLASS_ANNOTATION = 'kubernetes.io/ingress.class';

const dnsSub = '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*';
const wildcardRe = new RegExp(`^\\*\\.${dnsSub}$`);
const wildcardMsg = `a wildcard DNS-1123 subdomain must start with '*.', followed by a valid DNS subdomain, which must consist of lower case alphanumeric characters, '-' or '.' and end with an alphanumeric character (e.g. '*.example.com', regex used for validation is '\\*\\.${dnsSub}')`;
const invalidPathSequences = ['//', '/./', '/../', '%2f', '%2F'];
const invalidPathSuffixes = ['/..', '/.'];

/** True for a dotted-quad IPv4 or an IPv6 address (kube's netutils.ParseIPSloppy; "1234" is a host name, not an IP). */
export function isIP(v: string): boolean {
  return ipaddr.IPv4.isValidFourPartDecimal(v) || ipaddr.IPv6.isValid(v);
}

/** Problems of `v` as a wildcard DNS-1123 subdomain (`*.example.com`; kube IsWildcardDNS1123Subdomain). Pure. */
export function wildcardSubdomainErrors(v: string): string[] {
  const errs: string[] = [];
  if (v.length > 253) errs.push('must be no more than 253 characters');
  if (!wildcardRe.test(v)) errs.push(wildcardMsg);
  return errs;
}

/** A host of a rule or TLS entry: a DNS subdomain, or a wildcard one when it contains '*'. Pure. */
function hostCauses(field: string, host: string): FieldCause[] {
  const check = host.includes('*') ? wildcardSubdomainErrors : dns1123SubdomainErrors;
  return check(host).map((d) => invalidValue(field, host, d));
}

/** kube validateIngressTypedLocalObjectReference: kind and name required, apiGroup a DNS subdomain when set. */
function typedRefCauses(field: string, ref: { apiGroup?: string; kind?: string; name?: string }): FieldCause[] {
  const out: FieldCause[] = [];
  if (ref.apiGroup) for (const d of dns1123SubdomainErrors(ref.apiGroup)) out.push(invalidValue(`${field}.apiGroup`, ref.apiGroup, d));
  if (!ref.kind) out.push(required(`${field}.kind`));
  if (!ref.name) out.push(required(`${field}.name`));
  return out;
}

/** An IngressBackend: exactly one of service and resource; a service names a port by name or number, not both (kube validateIngressBackend). Pure. */
export function validateIngressBackend(field: string, b: IngressBackend): FieldCause[] {
  if (b.resource && b.service) return [invalidValue(field, '', 'cannot set both resource and service backends')];
  if (b.resource) return typedRefCauses(`${field}.resource`, b.resource);
  if (!b.service) return [invalidValue(field, '', 'resource or service backend is required')];
  const out: FieldCause[] = [];
  const svc = b.service;
  if (!svc.name) out.push(required(`${field}.service.name`));
  else for (const d of dns1035LabelErrors(svc.name)) out.push(invalidValue(`${field}.service.name`, svc.name, d));
  const name = svc.port?.name ?? '';
  const number = svc.port?.number ?? 0;
  if (name !== '' && number !== 0) out.push(invalidValue(field, '', 'cannot set both port name & port number'));
  else if (name !== '') for (const d of portNameErrors(name)) out.push(invalidValue(`${field}.service.port.name`, name, d));
  else if (number !== 0) out.push(...validatePortNumber(`${field}.service.port.number`, number));
  else out.push(required(field, 'port name or number is required'));
  return out;
}

/** One HTTP path: pathType required and known; Exact/Prefix absolute without `//`, `/./`, `/../`, `%2f` or a `/.`/`/..` end (kube validateHTTPIngressPath). Pure. */
export function validateHTTPIngressPath(field: string, p: HTTPIngressPath): FieldCause[] {
  const out: FieldCause[] = [];
  const path = p.path ?? '';
  if (p.pathType === undefined || p.pathType === '') {
    out.push(required(`${field}.pathType`, 'pathType must be specified'));
  } else if (p.pathType === 'Exact' || p.pathType === 'Prefix') {
    if (!path.startsWith('/')) out.push(invalidValue(`${field}.path`, path, 'must be an absolute path'));
    if (path.length > 0) {
      for (const seq of invalidPathSequences) if (path.includes(seq)) out.push(invalidValue(`${field}.path`, path, `must not contain '${seq}'`));
      for (const suf of invalidPathSuffixes) if (path.endsWith(suf)) out.push(invalidValue(`${field}.path`, path, `cannot end with '${suf}'`));
    }
  } else if (p.pathType === 'ImplementationSpecific') {
    if (path.length > 0 && !path.startsWith('/')) out.push(invalidValue(`${field}.path`, path, 'must be an absolute path'));
  } else {
    out.push(unsupported(`${field}.pathType`, p.pathType, PATH_TYPES));
  }
  out.push(...validateIngressBackend(`${field}.backend`, p.backend ?? {}));
  return out;
}

/** One rule: host a (wildcard) DNS name and not an IP; http needs at least one path (kube validateIngressRules). Pure. */
function ruleCauses(field: string, rule: IngressRule): FieldCause[] {
  const out: FieldCause[] = [];
  const host = rule.host ?? '';
  if (host !== '') {
    if (isIP(host)) out.push(invalidValue(`${field}.host`, host, 'must be a DNS name, not an IP address'));
    out.push(...hostCauses(`${field}.host`, host));
  }
  if (rule.http) {
    const paths = rule.http.paths ?? [];
    if (paths.length === 0) out.push(required(`${field}.http.paths`));
    paths.forEach((p, i) => out.push(...validateHTTPIngressPath(`${field}.http.paths[${i}]`, p)));
  }
  return out;
}

/** TLS entries: hosts (wildcard allowed) and secretName a DNS subdomain when set (kube validateIngressTLS). Pure. */
function tlsCauses(tls: IngressTLS[]): FieldCause[] {
  const out: FieldCause[] = [];
  tls.forEach((t, i) => {
    (t.hosts ?? []).forEach((h, j) => out.push(...hostCauses(`spec.tls[${i}].hosts[${j}]`, h)));
    if (t.secretName) for (const d of dns1123SubdomainErrors(t.secretName)) out.push(invalidValue(`spec.tls[${i}].secretName`, t.secretName, d));
  });
  return out;
}

/** The field causes of an IngressSpec (kube ValidateIngressSpec). Pure. */
export function validateIngressSpec(spec: IngressSpec | undefined): FieldCause[] {
  const s = spec ?? {};
  const out: FieldCause[] = [];
  const rules = s.rules ?? [];
  if (rules.length === 0 && !s.defaultBackend) out.push(invalidValue('spec.rules', rules, 'either `defaultBackend` or `rules` must be specified'));
  if (s.defaultBackend) out.push(...validateIngressBackend('spec.defaultBackend', s.defaultBackend));
  rules.forEach((r, i) => out.push(...ruleCauses(`spec.rules[${i}]`, r)));
  out.push(...tlsCauses(s.tls ?? []));
  if (s.ingressClassName !== undefined) {
    for (const d of dns1123SubdomainErrors(s.ingressClassName)) out.push(invalidValue('spec.ingressClassName', s.ingressClassName, d));
  }
  return out;
}

/** status.loadBalancer of an Ingress: IPs valid, hostnames DNS names and not IPs, port entries well formed (kube ValidateIngressLoadBalancerStatus). Pure. */
export function validateIngressStatus(lb: IngressLoadBalancerStatus | undefined): FieldCause[] {
  const out: FieldCause[] = [];
  (lb?.ingress ?? []).forEach((ing, i) => {
    const at = `status.loadBalancer.ingress[${i}]`;
    if (ing.ip && !isIP(ing.ip)) out.push(invalidValue(`${at}.ip`, ing.ip, 'must be a valid IP address'));
    if (ing.hostname) {
      for (const d of dns1123SubdomainErrors(ing.hostname)) out.push(invalidValue(`${at}.hostname`, ing.hostname, d));
      if (isIP(ing.hostname)) out.push(invalidValue(`${at}.hostname`, ing.hostname, 'must be a DNS name, not an IP address'));
    }
    (ing.ports ?? []).forEach((p, j) => {
      out.push(...validatePortNumber(`${at}.ports[${j}].port`, p.port));
      out.push(...validateProtocol(`${at}.ports[${j}].protocol`, p.protocol));
    });
  });
  return out;
}

/** A create of an Ingress: metadata, spec, status, and the class annotation not together with spec.ingressClassName (kube ValidateIngressCreate). Pure. */
export function validateIngressCreate(ing: Ingress): FieldCause[] {
  const out = [...validateMeta(ing.metadata), ...validateIngressSpec(ing.spec), ...validateIngressStatus(ing.status?.loadBalancer)];
  const annotated = ing.metadata?.annotations?.[INGRESS_CLASS_ANNOTATION];
  if (annotated !== undefined && ing.spec?.ingressClassName !== undefined) {
    out.push(invalidValue(`metadata.annotations[${INGRESS_CLASS_ANNOTATION}]`, annotated, 'can not be set when the class field is also set'));
  }
  return out;
}

/** An update of an Ingress (or its status): the create rules without the annotation check, which kube applies only on create. Pure. */
export function validateIngressUpdate(ing: Ingress): FieldCause[] {
  return [...validateMeta(ing.metadata), ...validateIngressSpec(ing.spec), ...validateIngressStatus(ing.status?.loadBalancer)];
}

const domainPrefixedRe = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/\S+$/;

/** spec.parameters of an IngressClass: kind and name required; scope Cluster (no namespace) or Namespace (namespace required) (kube validateIngressClassParametersReference). Pure. */
function parametersCauses(p: IngressClassParametersReference): FieldCause[] {
  const field = 'spec.parameters';
  const out = typedRefCauses(field, p);
  const scope = p.scope;
  if (scope === undefined) {
    if (p.namespace !== undefined) out.push(required(`${field}.scope`, '`parameters.scope` is required when `parameters.namespace` is set'));
  } else if (scope === 'Namespace') {
    if (!p.namespace) out.push(required(`${field}.namespace`, '`parameters.scope` is set to "Namespace"'));
    else for (const d of dns1123SubdomainErrors(p.namespace)) out.push(invalidValue(`${field}.namespace`, p.namespace, d));
  } else if (scope === 'Cluster') {
    if (p.namespace !== undefined) out.push(forbidden(`${field}.namespace`, '`parameters.scope` is set to "Cluster"'));
  } else {
    out.push(unsupported(`${field}.scope`, scope, ['Cluster', 'Namespace']));
  }
  return out;
}

/** An IngressClass: name, spec.controller required, at most 250 characters and domain-prefixed, parameters (kube ValidateIngressClass). Pure. */
export function validateIngressClass(ic: IngressClass): FieldCause[] {
  const out = validateMeta(ic.metadata);
  const controller = ic.spec?.controller ?? '';
  if (controller === '') out.push(required('spec.controller'));
  else {
    if (controller.length > 250) out.push({ reason: 'FieldValueTooLong', message: 'Too long: may not be more than 250 bytes', field: 'spec.controller' });
    if (!domainPrefixedRe.test(controller)) out.push(invalidValue('spec.controller', controller, 'must be a domain-prefixed path (such as "acme.io/foo")'));
  }
  if (ic.spec?.parameters) out.push(...parametersCauses(ic.spec.parameters));
  return out;
}

/** An IngressClass update: the create rules plus spec.controller immutable (kube ValidateIngressClassUpdate). Pure. */
export function validateIngressClassUpdate(next: IngressClass, old: IngressClass): FieldCause[] {
  const out = validateIngressClass(next);
  const controller = next.spec?.controller;
  if (controller !== old.spec?.controller) out.push(invalidValue('spec.controller', controller ?? '', 'field is immutable'));
  return out;
}
