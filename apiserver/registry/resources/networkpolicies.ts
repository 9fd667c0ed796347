/**
 * networking.k8s.io/v1 networkpolicies, as Kubernetes'
 * pkg/registry/networking/networkpolicy/strategy.go (spec changes bump the
 * generation; there is no status subresource), the v1 defaults
 * (pkg/apis/networking/v1/defaults.go: policyTypes from the rules, port
 * protocol TCP) and pkg/apis/networking/validation ValidateNetworkPolicy
 * (ports, peers, ipBlocks, policyTypes). The kubectl table is kube's
 * printNetworkPolicy (NAME, POD-SELECTOR, AGE).
 */
import type { IPBlock, NetworkPolicy, NetworkPolicyPeer, NetworkPolicyPort, NetworkPolicySpec } from 'kubernetes-types/networking/v1';
import type { FieldCause } from '../../api/errors.ts';
import type { ResourceDef } from '../types.ts';
import { formatLabelSelector } from '../../api/label-selector.ts';
import { forbidden, invalidValue, portNameErrors, required, unsupported, validatePortNumber } from '../../api/validation.ts';
import { ageCell, column, standardVerbs, validateMeta } from './common.ts';
import { parseCidr, strictSubset } from './networkpolicy-cidr.ts';
import { validateLabelSelector } from './selector-validation.ts';
import { list, map, obj, type Shape } from './shape.ts';

/** The policyTypes networking/v1 accepts. */
export const policyTypes = ['Ingress', 'Egress'];

/** The port protocols a NetworkPolicyPort accepts. */
export const networkPolicyProtocols = ['TCP', 'UDP', 'SCTP'];

const selector = obj({
  matchLabels: map('string'),
  matchExpressions: list(obj({ key: 'string', operator: 'string', values: list('string') })),
});
const peer = obj({ podSelector: selector, namespaceSelector: selector, ipBlock: obj({ cidr: 'string', except: list('string') }) });
const port = obj({ protocol: 'string', port: 'intstr', endPort: 'int32' });

/** The shape the strategy and table read (guard.ts checks it before any hook). */
export const networkPolicyShape: Shape = obj({
  spec: obj({
    podSelector: selector,
    policyTypes: list('string'),
    ingress: list(obj({ from: list(peer), ports: list(port) })),
    egress: list(obj({ to: list(peer), ports: list(port) })),
  }),
});

/**
 * Kubernetes' v1 defaults, in place: an absent podSelector is the empty
 * one (Go decodes it so), policyTypes default to [Ingress] plus Egress when
 * egress rules exist, and a port's protocol to TCP.
 */
export function defaultNetworkPolicy(np: NetworkPolicy): void {
  const spec: NetworkPolicySpec = np.spec ?? { podSelector: {} };
  np.spec = spec;
  spec.podSelector ??= {};
  if (!spec.policyTypes || spec.policyTypes.length === 0) {
    spec.policyTypes = (spec.egress ?? []).length > 0 ? ['Ingress', 'Egress'] : ['Ingress'];
  }
  for (const rule of [...(spec.ingress ?? []), ...(spec.egress ?? [])]) {
    for (const p of rule.ports ?? []) p.protocol ??= 'TCP';
  }
}

/** Field errors of one port (Kubernetes ValidateNetworkPolicyPort). Pure. */
export function validateNetworkPolicyPort(p: NetworkPolicyPort, at: string): FieldCause[] {
  const out: FieldCause[] = [];
  if (p.protocol !== undefined && !networkPolicyProtocols.includes(p.protocol)) out.push(unsupported(`${at}.protocol`, p.protocol, networkPolicyProtocols));
  if (p.port === undefined) {
    if (p.endPort !== undefined) out.push(invalidValue(`${at}.endPort`, p.endPort, 'may not be specified when `port` is not specified'));
  } else if (typeof p.port === 'number') {
    out.push(...validatePortNumber(`${at}.port`, p.port));
    if (p.endPort !== undefined) {
      if (p.endPort < p.port) out.push(invalidValue(`${at}.endPort`, p.port, 'must be greater than or equal to `port`'));
      out.push(...validatePortNumber(`${at}.endPort`, p.endPort));
    }
  } else {
    if (p.endPort !== undefined) out.push(invalidValue(`${at}.endPort`, p.endPort, 'may not be specified when `port` is non-numeric'));
    for (const d of portNameErrors(p.port)) out.push(invalidValue(`${at}.port`, p.port, d));
  }
  return out;
}

const cidrMessage = 'must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)';

/** Field errors of an ipBlock (Kubernetes ValidateIPBlock): cidr required and valid, each except a valid strict subset of it. Pure. */
export function validateIPBlock(b: IPBlock, at: string): FieldCause[] {
  if (!b.cidr) return [required(`${at}.cidr`)];
  const outer = parseCidr(b.cidr);
  if (!outer) return [invalidValue(`${at}.cidr`, b.cidr, cidrMessage)];
  const out: FieldCause[] = [];
  (b.except ?? []).forEach((e, i) => {
    const inner = parseCidr(e);
    if (!inner) out.push(invalidValue(`${at}.except[${i}]`, e, cidrMessage));
    else if (!strictSubset(inner, outer)) out.push(invalidValue(`${at}.except[${i}]`, e, 'must be a strict subset of `cidr`'));
  });
  return out;
}

/** Field errors of one peer (Kubernetes ValidateNetworkPolicyPeer): at least one selector or ipBlock; ipBlock alone. Pure. */
export function validateNetworkPolicyPeer(p: NetworkPolicyPeer, at: string): FieldCause[] {
  const out: FieldCause[] = [];
  let n = 0;
  if (p.podSelector) { n++; out.push(...validateLabelSelector(p.podSelector, `${at}.podSelector`)); }
  if (p.namespaceSelector) { n++; out.push(...validateLabelSelector(p.namespaceSelector, `${at}.namespaceSelector`)); }
  if (p.ipBlock) { n++; out.push(...validateIPBlock(p.ipBlock, `${at}.ipBlock`)); }
  if (n === 0) out.push(required(at, 'must specify a peer'));
  else if (n > 1 && p.ipBlock) out.push(forbidden(at, 'may not specify both ipBlock and another peer'));
  return out;
}

/** Field errors of a (defaulted) spec (Kubernetes ValidateNetworkPolicySpec). Pure. */
export function validateNetworkPolicySpec(spec: NetworkPolicySpec | undefined): FieldCause[] {
  if (!spec) return [];
  const out = validateLabelSelector(spec.podSelector, 'spec.podSelector');
  (spec.ingress ?? []).forEach((r, i) => {
    (r.ports ?? []).forEach((p, j) => out.push(...validateNetworkPolicyPort(p, `spec.ingress[${i}].ports[${j}]`)));
    (r.from ?? []).forEach((p, j) => out.push(...validateNetworkPolicyPeer(p, `spec.ingress[${i}].from[${j}]`)));
  });
  (spec.egress ?? []).forEach((r, i) => {
    (r.ports ?? []).forEach((p, j) => out.push(...validateNetworkPolicyPort(p, `spec.egress[${i}].ports[${j}]`)));
    (r.to ?? []).forEach((p, j) => out.push(...validateNetworkPolicyPeer(p, `spec.egress[${i}].to[${j}]`)));
  });
  const types = spec.policyTypes ?? [];
  if (types.length > policyTypes.length) {
    out.push(invalidValue('spec.policyTypes', types, 'may not specify more than two policyTypes'));
    return out;
  }
  types.forEach((t, i) => { if (!policyTypes.includes(t)) out.push(unsupported(`spec.policyTypes[${i}]`, t, policyTypes)); });
  return out;
}

/** Validation of a NetworkPolicy write (create or update; Kubernetes ValidateNetworkPolicy). */
export function validateNetworkPolicy(np: NetworkPolicy): FieldCause[] {
  return [...validateMeta(np.metadata), ...validateNetworkPolicySpec(np.spec)];
}

/** The networkpolicies resource definition. */
export function networkPoliciesResource(): ResourceDef<NetworkPolicy> {
  return {
    group: 'networking.k8s.io', version: 'v1', resource: 'networkpolicies', kind: 'NetworkPolicy', listKind: 'NetworkPolicyList', singular: 'networkpolicy',
    namespaced: true, shortNames: ['netpol'], categories: [], verbs: standardVerbs, subresources: [],
    strategy: {
      bumpsGeneration: true,
      prepareForCreate: defaultNetworkPolicy,
      prepareForUpdate: (np) => defaultNetworkPolicy(np),
      validate: validateNetworkPolicy,
      validateUpdate: validateNetworkPolicy,
    },
    table: {
      columns: [
        column('Pod-Selector', 'podSelector selects the pods to which this NetworkPolicy object applies. The array of ingress rules is applied to any pods selected by this field. Multiple network policies can select the same set of pods. In this case, the ingress rules for each are combined additively. This field is NOT optional and follows standard label selector semantics. An empty podSelector matches all pods in this namespace.'),
        column('Age', 'CreationTimestamp is a timestamp representing the server time when this object was created.'),
      ],
      cells: (np, now) => [formatLabelSelector(np.spec?.podSelector), ageCell(np, now)],
    },
  };
}
