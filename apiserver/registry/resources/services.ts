/**
 * core/v1 services: Kubernetes' defaults (type, session affinity, target
 * ports, IP families, traffic policies), validation, ClusterIP/NodePort
 * allocation through ipalloc.ts, and the kubectl table.
 */
import type { Service, ServicePort } from 'kubernetes-types/core/v1';
import type { FieldCause } from '../../api/errors.ts';
import type { ResourceDef } from '../types.ts';
import {
  dns1035LabelErrors, dns1123LabelErrors, duplicate, invalidValue, portNameErrors, required, unsupported,
  validatePortNumber, validateProtocol,
} from '../../api/validation.ts';
import { ageCell, column, keepSpec, keepStatus, standardVerbs, validateMeta } from './common.ts';
import {
  allocateServiceAddresses, needsHealthCheckNodePort, releaseDroppedAddresses, releaseServiceAddresses, updateServiceAddresses, wantsClusterIP,
  wantsNodePorts,
} from './ipalloc.ts';
import { formatLabelMap } from '../../api/label-selector.ts';
import ipaddr from 'ipaddr.js';
import { parseCIDRSloppy } from '../../api/cidr.ts';
import { validateLabels } from '../../api/validation.ts';

const serviceTypes = ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'];

/** Applies Kubernetes' Service defaults in place. */
export function defaultService(svc: Service): void {
  const spec = svc.spec ?? (svc.spec = {});
  spec.type ??= 'ClusterIP';
  spec.sessionAffinity ??= 'None';
  for (const p of spec.ports ?? []) {
    p.protocol ??= 'TCP';
    if (p.targetPort === undefined || p.targetPort === 0 || p.targetPort === '') p.targetPort = p.port;
  }
  if (spec.type !== 'ExternalName') {
    spec.ipFamilies ??= ['IPv4'];
    spec.ipFamilyPolicy ??= 'SingleStack';
    spec.internalTrafficPolicy ??= 'Cluster';
    if (spec.clusterIP && !spec.clusterIPs) spec.clusterIPs = [spec.clusterIP];
    if (!spec.clusterIP && spec.clusterIPs?.[0]) spec.clusterIP = spec.clusterIPs[0];
  }
  if (spec.type === 'NodePort' || spec.type === 'LoadBalancer') spec.externalTrafficPolicy ??= 'Cluster';
  if (spec.type === 'LoadBalancer') spec.allocateLoadBalancerNodePorts ??= true;
}

function validatePort(p: ServicePort, i: number, many: boolean, names: Set<string>): FieldCause[] {
  const f = `spec.ports[${i}]`;
  const out: FieldCause[] = [];
  if (!p.name) {
    if (many) out.push(required(`${f}.name`));
  } else {
    for (const d of dns1123LabelErrors(p.name)) out.push(invalidValue(`${f}.name`, p.name, d));
    if (names.has(p.name)) out.push(duplicate(`${f}.name`, p.name));
    names.add(p.name);
  }
  out.push(...validatePortNumber(`${f}.port`, p.port));
  out.push(...validateProtocol(`${f}.protocol`, p.protocol));
  const tp = p.targetPort;
  if (typeof tp === 'number') out.push(...validatePortNumber(`${f}.targetPort`, tp));
  else if (typeof tp === 'string') for (const d of portNameErrors(tp)) out.push(invalidValue(`${f}.targetPort`, tp, d));
  if (p.nodePort !== undefined && p.nodePort !== 0) out.push(...validatePortNumber(`${f}.nodePort`, p.nodePort));
  return out;
}

/** Validation of a (defaulted) Service: DNS-1035 name, type, ports, clusterIP syntax, externalName. */
export function validateService(svc: Service): FieldCause[] {
  const out = validateMeta(svc.metadata, dns1035LabelErrors);
  const spec = svc.spec ?? {};
  const type = spec.type ?? 'ClusterIP';
  if (!serviceTypes.includes(type)) out.push(unsupported('spec.type', type, serviceTypes));
  // The selector is a label map (ValidateService: ValidateLabels on spec.selector).
  out.push(...validateLabels('spec.selector', spec.selector));
  const ports = spec.ports ?? [];
  if (ports.length === 0 && type !== 'ExternalName' && spec.clusterIP !== 'None') out.push(required('spec.ports'));
  const names = new Set<string>();
  ports.forEach((p, i) => out.push(...validatePort(p, i, ports.length > 1, names)));
  const aff = ['ClientIP', 'None'];
  if (spec.sessionAffinity !== undefined && !aff.includes(spec.sessionAffinity)) out.push(unsupported('spec.sessionAffinity', spec.sessionAffinity, aff));
  if (type === 'ExternalName') {
    if (!spec.externalName) out.push(required('spec.externalName'));
  }
  const ip = spec.clusterIP;
  if (ip && ip !== 'None' && !ipaddr.isValid(ip)) out.push(invalidValue('spec.clusterIPs[0]', ip, 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)'));
  if (type !== 'NodePort' && type !== 'LoadBalancer') {
    ports.forEach((p, i) => {
      if (p.nodePort) out.push(forbiddenNodePort(i, type));
    });
  }
  out.push(...validateTrafficPolicies(svc));
  if (spec.loadBalancerClass && type !== 'LoadBalancer') {
    out.push({ reason: 'FieldValueForbidden', message: 'Forbidden: may only be used when `type` is \'LoadBalancer\'', field: 'spec.loadBalancerClass' });
  }
  out.push(...validateSourceRanges(svc));
  return out;
}

/** The cloud-provider annotation Kubernetes reads when spec.loadBalancerSourceRanges is empty (core.AnnotationLoadBalancerSourceRangesKey). */
export const SOURCE_RANGES_ANNOTATION = 'service.beta.kubernetes.io/load-balancer-source-ranges';

/**
 * Kubernetes' ValidateService check of loadBalancerSourceRanges
 * (pkg/apis/core/validation; service.GetLoadBalancerSourceRanges): the
 * spec field, or when it is empty the annotation (comma-separated), may be
 * set only on a LoadBalancer Service, and each entry (trimmed) must parse
 * as an IPv4 or IPv6 CIDR; an empty annotation is allowed (it means
 * 0.0.0.0/0). The field path is `spec.LoadBalancerSourceRanges`, capital
 * L, and the value is Go's `%v` of the list ('[a b]'), both as Kubernetes
 * writes them. Pure.
 */
function validateSourceRanges(svc: Service): FieldCause[] {
  const ranges = svc.spec?.loadBalancerSourceRanges ?? [];
  const annotation = svc.metadata?.annotations?.[SOURCE_RANGES_ANNOTATION];
  if (ranges.length === 0 && annotation === undefined) return [];
  const fromSpec = ranges.length > 0;
  const field = fromSpec ? 'spec.LoadBalancerSourceRanges' : `metadata.annotations[${SOURCE_RANGES_ANNOTATION}]`;
  const out: FieldCause[] = [];
  if ((svc.spec?.type ?? 'ClusterIP') !== 'LoadBalancer') {
    out.push({ reason: 'FieldValueForbidden', message: 'Forbidden: may only be used when `type` is \'LoadBalancer\'', field });
  }
  const entries = fromSpec ? ranges : (annotation!.trim() === '' ? [] : annotation!.split(','));
  if (entries.some((e) => parseCIDRSloppy(String(e).trim()) === undefined)) {
    out.push(invalidValue(field, fromSpec ? `[${ranges.join(' ')}]` : annotation!, 'must be a list of IP ranges. For example, 10.240.0.0/24,10.250.0.0/24 '));
  }
  return out;
}

const trafficPolicies = ['Cluster', 'Local'];

/**
 * Kubernetes' validateServiceExternalTrafficPolicy and
 * validateServiceInternalTrafficPolicy (pkg/apis/core/validation): the
 * policies are Cluster or Local; externalTrafficPolicy only on
 * externally-accessible Services (NodePort, LoadBalancer, or with
 * externalIPs); healthCheckNodePort only on LoadBalancer + Local, and then
 * in 0-65535.
 */
function validateTrafficPolicies(svc: Service): FieldCause[] {
  const out: FieldCause[] = [];
  const spec = svc.spec ?? {};
  const type = spec.type ?? 'ClusterIP';
  const externallyAccessible = type === 'NodePort' || type === 'LoadBalancer' || (type === 'ClusterIP' && (spec.externalIPs ?? []).length > 0);
  const etp = spec.externalTrafficPolicy;
  if (etp !== undefined && etp !== '') {
    if (!externallyAccessible) out.push(invalidValue('spec.externalTrafficPolicy', etp, 'may only be set for externally-accessible services'));
    else if (!trafficPolicies.includes(etp)) out.push(unsupported('spec.externalTrafficPolicy', etp, trafficPolicies));
  }
  const itp = spec.internalTrafficPolicy;
  if (itp !== undefined && type !== 'ExternalName' && !trafficPolicies.includes(itp)) out.push(unsupported('spec.internalTrafficPolicy', itp, trafficPolicies));
  const hc = spec.healthCheckNodePort;
  if (hc) {
    if (!needsHealthCheckNodePort(svc)) {
      out.push(invalidValue('spec.healthCheckNodePort', hc, "may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'"));
    } else {
      out.push(...validatePortNumber('spec.healthCheckNodePort', hc));
    }
  }
  return out;
}

function forbiddenNodePort(i: number, type: string): FieldCause {
  return { reason: 'FieldValueForbidden', message: `Forbidden: may not be used when \`type\` is '${type}'`, field: `spec.ports[${i}].nodePort` };
}

/** Update validation: as create, and spec.clusterIP is immutable once set. */
export function validateServiceUpdate(newSvc: Service, oldSvc: Service): FieldCause[] {
  const out = validateService(newSvc);
  const oldIP = oldSvc.spec?.clusterIP;
  const newIP = newSvc.spec?.clusterIP;
  if (oldIP && wantsClusterIP(newSvc) && newIP !== oldIP) out.push(invalidValue('spec.clusterIP', newIP ?? '', 'field is immutable'));
  // kube validateLoadBalancerClassField: fixed while the Service stays a LoadBalancer (set it when becoming one).
  if (oldSvc.spec?.type === 'LoadBalancer' && newSvc.spec?.type === 'LoadBalancer' && (oldSvc.spec.loadBalancerClass ?? '') !== (newSvc.spec.loadBalancerClass ?? '')) {
    out.push(invalidValue('spec.loadBalancerClass', newSvc.spec.loadBalancerClass ?? '', 'may not change once set'));
  }
  return out;
}

/** The ports of a stored spec that are objects (a stored object may predate the shape check). */
function portsOf(spec: NonNullable<Service['spec']>): ServicePort[] {
  const ports: unknown = spec.ports;
  return Array.isArray(ports) ? ports.filter((p): p is ServicePort => typeof p === 'object' && p !== null) : [];
}

/** On update keep allocated values the client left out (Kubernetes patchAllocatedValues). */
function keepAllocated(newSvc: Service, oldSvc: Service): void {
  const n = newSvc.spec;
  const o = oldSvc.spec;
  if (!n || !o) return;
  if (wantsClusterIP(newSvc) && wantsClusterIP(oldSvc) && !n.clusterIP && o.clusterIP) {
    n.clusterIP = o.clusterIP;
    n.clusterIPs = o.clusterIPs ? [...o.clusterIPs] : [o.clusterIP];
  }
  if (needsHealthCheckNodePort(newSvc) && needsHealthCheckNodePort(oldSvc) && !n.healthCheckNodePort && o.healthCheckNodePort) {
    n.healthCheckNodePort = o.healthCheckNodePort;
  }
  if (wantsNodePorts(newSvc) && wantsNodePorts(oldSvc)) {
    for (const p of n.ports ?? []) {
      if (p.nodePort) continue;
      const match = portsOf(o).find((q) => q.port === p.port && (q.protocol ?? 'TCP') === (p.protocol ?? 'TCP'));
      if (match?.nodePort) p.nodePort = match.nodePort;
    }
  }
}

/**
 * On a type change, drops the values the new type cannot carry when the
 * client left them unchanged (Kubernetes dropTypeDependentFields): node ports
 * when leaving NodePort/LoadBalancer, the healthCheckNodePort when leaving
 * LoadBalancer + externalTrafficPolicy Local, the ClusterIP fields when
 * becoming ExternalName, loadBalancerClass when leaving LoadBalancer.
 */
function dropTypeDependent(newSvc: Service, oldSvc: Service): void {
  const n = newSvc.spec;
  const o = oldSvc.spec;
  if (!n || !o) return;
  if (wantsNodePorts(oldSvc) && !wantsNodePorts(newSvc)) {
    const old = new Set(portsOf(o).map((p) => p.nodePort));
    for (const p of n.ports ?? []) if (p.nodePort !== undefined && old.has(p.nodePort)) delete p.nodePort;
    delete n.externalTrafficPolicy;
  }
  if (needsHealthCheckNodePort(oldSvc) && !needsHealthCheckNodePort(newSvc) && n.healthCheckNodePort === o.healthCheckNodePort) {
    delete n.healthCheckNodePort;
  }
  if (o.type === 'LoadBalancer' && n.type !== 'LoadBalancer' && n.loadBalancerClass === o.loadBalancerClass) delete n.loadBalancerClass;
  if (wantsClusterIP(oldSvc) && !wantsClusterIP(newSvc) && n.clusterIP === o.clusterIP) {
    delete n.clusterIP;
    delete n.clusterIPs;
    delete n.ipFamilies;
    delete n.ipFamilyPolicy;
    delete n.internalTrafficPolicy;
  }
}

/** EXTERNAL-IP cell as kubectl's getServiceExternalIP. */
export function serviceExternalIP(svc: Service): string {
  const spec = svc.spec ?? {};
  const ext = spec.externalIPs ?? [];
  switch (spec.type ?? 'ClusterIP') {
    case 'ClusterIP':
    case 'NodePort':
      return ext.length > 0 ? ext.join(',') : '<none>';
    case 'LoadBalancer': {
      // kubectl's loadBalancerStatusStringer: a sorted set of ingress IPs (or hostnames); the server prints wide, untruncated.
      const lb = [...new Set((svc.status?.loadBalancer?.ingress ?? []).map((i) => i.ip || i.hostname || '').filter((s) => s !== ''))].sort();
      const all = [...lb, ...ext];
      return all.length > 0 ? all.join(',') : '<pending>';
    }
    case 'ExternalName':
      return spec.externalName ?? '';
    default:
      return '<unknown>';
  }
}

/** PORT(S) cell: "80/TCP,443:30443/TCP" or "<none>". */
export function servicePorts(svc: Service): string {
  const parts = (svc.spec?.ports ?? []).map((p) => (p.nodePort ? `${p.port}:${p.nodePort}/${p.protocol ?? 'TCP'}` : `${p.port}/${p.protocol ?? 'TCP'}`));
  return parts.length > 0 ? parts.join(',') : '<none>';
}

/** The services resource definition. */
export function servicesResource(): ResourceDef<Service> {
  return {
    group: '', version: 'v1', resource: 'services', kind: 'Service', listKind: 'ServiceList', singular: 'service',
    namespaced: true, shortNames: ['svc'], categories: ['all'], verbs: standardVerbs, subresources: ['status'], returnDeletedObject: true,
    strategy: {
      prepareForCreate(svc) {
        defaultService(svc);
        (svc as { status?: Service['status'] }).status = { loadBalancer: {} };
      },
      prepareForUpdate(newSvc, oldSvc) {
        dropTypeDependent(newSvc, oldSvc);
        defaultService(newSvc);
        keepAllocated(newSvc, oldSvc);
        keepStatus(newSvc, oldSvc);
      },
      prepareForStatusUpdate: keepSpec,
      validate: validateService,
      validateUpdate: validateServiceUpdate,
      beforeCreate: allocateServiceAddresses,
      afterDelete: releaseServiceAddresses,
      beforeUpdate: updateServiceAddresses,
      afterUpdate: releaseDroppedAddresses,
      selectableFields: (svc) => ({ 'spec.clusterIP': svc.spec?.clusterIP ?? '', 'spec.type': svc.spec?.type ?? '' }),
    },
    table: {
      columns: [
        column('Type', 'type determines how the Service is exposed.'),
        column('Cluster-IP', 'clusterIP is the IP address of the service and is usually assigned randomly.'),
        column('External-IP', 'externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic for this service.'),
        column('Port(s)', 'The list of ports that are exposed by this service.'),
        column('Age', 'CreationTimestamp is a timestamp representing the server time when this object was created.'),
        column('Selector', 'Route service traffic to pods with label keys and values matching this selector.', { priority: 1 }),
      ],
      cells: (svc, now) => [
        svc.spec?.type ?? 'ClusterIP',
        svc.spec?.clusterIPs?.[0] || svc.spec?.clusterIP || '<none>',
        serviceExternalIP(svc),
        servicePorts(svc),
        ageCell(svc, now),
        formatLabelMap(svc.spec?.selector),
      ],
    },
  };
}
