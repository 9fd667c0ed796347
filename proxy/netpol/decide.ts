/**
 * decideNetpol: the pure function (policies, pods, namespaces, node) → rule
 * model (model.ts), with the semantics of the NetworkPolicy API
 * (k8s.io/api networking/v1 types.go docs, and the upstream conformance
 * suite test/e2e/network/netpol):
 * - a pod is isolated for ingress (egress) when any policy in its namespace
 *   selects it and lists that policyType; traffic is then allowed if any
 *   rule of any such policy allows it (union);
 * - peers: podSelector alone = pods of the policy's namespace;
 *   namespaceSelector alone = every pod of the selected namespaces; both =
 *   the pods matching podSelector in those namespaces; ipBlock = the CIDR
 *   minus except;
 * - ports: protocol (TCP when unset), number or range (endPort), or a named
 *   port resolved against the destination pod's container ports (ingress:
 *   the selected pod; egress: the peer pods, every known pod when the peer
 *   is not a pod selector);
 * - an empty from/to or ports list matches everything on that axis.
 * Only pods that run with their own IPv4 address count (not hostNetwork,
 * not Succeeded/Failed); only pods on this node are targets (each node
 * enforces for its own pods, ingress and egress).
 */
import type { Namespace, Pod } from 'kubernetes-types/core/v1';
import type { NetworkPolicy, NetworkPolicyPeer, NetworkPolicyPort } from 'kubernetes-types/networking/v1';
import { selectorMatches } from '../../apiserver/api/label-selector.ts';
import { compareIP } from '../../apiserver/client/ipv4.ts';
import type { AllowRule, Direction, L4Proto, NetpolModel, PeerMatch, PolicyChain, PortMatch } from './model.ts';

const NAME_LABEL = 'kubernetes.io/metadata.name';
const ipv4Re = /^\d{1,3}(\.\d{1,3}){3}$/;

/** A pod as policies see it: where it runs, its labels, its IPv4 addresses. */
interface PolicyPod {
  pod: Pod;
  namespace: string;
  node: string;
  labels: Record<string, string>;
  ips: string[];
}

/** The IPv4 addresses of a pod that takes part in policies, or [] (hostNetwork, terminal, no IP yet). */
export function policyPodIPs(pod: Pod): string[] {
  if (pod.spec?.hostNetwork) return [];
  const phase = pod.status?.phase;
  if (phase === 'Succeeded' || phase === 'Failed') return [];
  const ips: string[] = (pod.status?.podIPs ?? []).map((p) => p.ip ?? '');
  if (ips.length === 0 && pod.status?.podIP) ips.push(pod.status.podIP);
  return [...new Set(ips.filter((ip) => ipv4Re.test(ip)))].sort(compareIP);
}

/** A dotted IPv4 address as a number (for sorting). */
const ipNumber = (ip: string): number => ip.split('.').reduce((a, o) => a * 256 + Number(o), 0);

/** The pods that take part, sorted by their first IP (so filtered lists of them stay sorted). */
function toPolicyPods(pods: readonly Pod[]): PolicyPod[] {
  const out: Array<PolicyPod & { key: number }> = [];
  for (const pod of pods) {
    const ips = policyPodIPs(pod);
    if (ips.length === 0) continue;
    out.push({ pod, namespace: pod.metadata?.namespace ?? '', node: pod.spec?.nodeName ?? '', labels: pod.metadata?.labels ?? {}, ips, key: ipNumber(ips[0]!) });
  }
  return out.sort((a, b) => a.key - b.key);
}

/**
 * Namespace name → its labels, with `kubernetes.io/metadata.name` always
 * present (the API server sets it on every namespace), for every namespace
 * listed or holding a pod.
 */
function namespaceLabels(namespaces: readonly Namespace[], pods: readonly PolicyPod[]): Map<string, Record<string, string>> {
  const out = new Map<string, Record<string, string>>();
  for (const n of namespaces) {
    const name = n.metadata?.name ?? '';
    out.set(name, { ...(n.metadata?.labels ?? {}), [NAME_LABEL]: name });
  }
  for (const p of pods) if (!out.has(p.namespace)) out.set(p.namespace, { [NAME_LABEL]: p.namespace });
  return out;
}

/**
 * The IPs of `pods` (a sublist of toPolicyPods' output, so in first-IP
 * order), deduplicated and numerically sorted; only a pod with several
 * IPv4 addresses makes a sort necessary.
 */
function ipsOf(pods: readonly PolicyPod[]): string[] {
  const ips = [...new Set(pods.flatMap((p) => p.ips))];
  return pods.every((p) => p.ips.length === 1) ? ips : ips.sort(compareIP);
}

function protoOf(p: NetworkPolicyPort): L4Proto | undefined {
  switch (p.protocol ?? 'TCP') {
    case 'TCP': return 'tcp';
    case 'UDP': return 'udp';
    case 'SCTP': return 'sctp';
    default: return undefined;
  }
}

/** The number `name` means in `pod` for `protocol` (its first container port so named), or undefined. */
export function resolveNamedPort(pod: Pod, name: string, protocol: string): number | undefined {
  for (const c of pod.spec?.containers ?? []) {
    for (const cp of c.ports ?? []) if (cp.name === name && (cp.protocol ?? 'TCP') === protocol) return cp.containerPort;
  }
  return undefined;
}

/**
 * The port matches of one policy port. A named port becomes one match per
 * number it resolves to among `destinations`, restricted to those pods'
 * IPs; none when no destination has it (the port then matches nothing).
 */
function portMatches(p: NetworkPolicyPort, destinations: readonly PolicyPod[]): PortMatch[] {
  const protocol = protoOf(p);
  if (!protocol) return [];
  if (p.port === undefined) return [{ kind: 'port', protocol }];
  if (typeof p.port === 'number') {
    return [p.endPort !== undefined && p.endPort > p.port ? { kind: 'port', protocol, port: p.port, endPort: p.endPort } : { kind: 'port', protocol, port: p.port }];
  }
  const byNumber = new Map<number, PolicyPod[]>();
  for (const d of destinations) {
    const n = resolveNamedPort(d.pod, p.port, p.protocol ?? 'TCP');
    if (n !== undefined) byNumber.set(n, [...(byNumber.get(n) ?? []), d]);
  }
  return [...byNumber.entries()].sort((a, b) => a[0] - b[0]).map(([n, ds]) => ({ kind: 'port', protocol, port: n, to: ipsOf(ds) }));
}

/** What the decision reads, prepared once per call. */
interface Ctx {
  pods: PolicyPod[];
  byNamespace: Map<string, PolicyPod[]>;
  nsLabels: Map<string, Record<string, string>>;
}

/** The pods a podSelector/namespaceSelector peer selects, from the policy in `ns`. */
function peerPods(peer: NetworkPolicyPeer, ns: string, ctx: Ctx): PolicyPod[] {
  // Both lists keep toPolicyPods' IP order.
  let candidates = ctx.byNamespace.get(ns) ?? [];
  if (peer.namespaceSelector) {
    const selected = new Set([...ctx.nsLabels].filter(([, labels]) => selectorMatches(peer.namespaceSelector, labels)).map(([name]) => name));
    candidates = ctx.pods.filter((p) => selected.has(p.namespace));
  }
  return peer.podSelector ? candidates.filter((p) => selectorMatches(peer.podSelector, p.labels)) : candidates;
}

/** A peer with the pods it stands for (for egress named ports): undefined pods = not a pod peer. */
interface ResolvedPeer {
  match: PeerMatch;
  pods?: PolicyPod[];
}

function resolvePeers(peers: readonly NetworkPolicyPeer[] | undefined, ns: string, ctx: Ctx): ResolvedPeer[] {
  if (!peers || peers.length === 0) return [{ match: { kind: 'any' } }];
  const out: ResolvedPeer[] = [];
  for (const peer of peers) {
    if (peer.ipBlock) {
      out.push({ match: { kind: 'block', cidr: peer.ipBlock.cidr, except: [...(peer.ipBlock.except ?? [])] } });
    } else if (peer.podSelector || peer.namespaceSelector) {
      const pods = peerPods(peer, ns, ctx);
      if (pods.length > 0) out.push({ match: { kind: 'pods', ips: ipsOf(pods) }, pods });
    }
  }
  return out;
}

/** An IPv6 block never contains an IPv4 pod, so it cannot meet a named port's pod list. */
const incompatible = (peer: PeerMatch, port: PortMatch): boolean =>
  peer.kind === 'block' && peer.cidr.includes(':') && port.kind === 'port' && port.to !== undefined;

/** The accept rules of one policy for one direction; `targets` are its local selected pods. */
function allowRules(np: NetworkPolicy, direction: Direction, targets: readonly PolicyPod[], ctx: Ctx): AllowRule[] {
  const ns = np.metadata?.namespace ?? '';
  const specRules = direction === 'ingress'
    ? (np.spec?.ingress ?? []).map((r) => ({ peers: r.from, ports: r.ports }))
    : (np.spec?.egress ?? []).map((r) => ({ peers: r.to, ports: r.ports }));
  const out: AllowRule[] = [];
  specRules.forEach((r, rule) => {
    for (const peer of resolvePeers(r.peers, ns, ctx)) {
      // Named ports resolve against the destination: the selected pod (ingress) or the peer (egress).
      const destinations = direction === 'ingress' ? targets : (peer.pods ?? ctx.pods);
      const ports: PortMatch[] = !r.ports || r.ports.length === 0 ? [{ kind: 'any' }] : r.ports.flatMap((p) => portMatches(p, destinations));
      for (const port of ports) if (!incompatible(peer.match, port)) out.push({ rule, peer: peer.match, port });
    }
  });
  return out;
}

const keyOf = (np: NetworkPolicy): string => `${np.metadata?.namespace ?? ''}/${np.metadata?.name ?? ''}`;

/**
 * The rule model for the pods on `nodeName` (see model.ts and the file doc).
 * Deterministic: chains sorted by policy key, IPs numerically, rules in spec
 * order. Policies that select no local pod produce no chain. Pure.
 */
export function decideNetpol(policies: readonly NetworkPolicy[], pods: readonly Pod[], namespaces: readonly Namespace[], nodeName: string): NetpolModel {
  const all = toPolicyPods(pods);
  const byNamespace = new Map<string, PolicyPod[]>();
  for (const p of all) {
    const list = byNamespace.get(p.namespace);
    if (list) list.push(p); else byNamespace.set(p.namespace, [p]);
  }
  const ctx: Ctx = { pods: all, byNamespace, nsLabels: namespaceLabels(namespaces, all) };
  const local = all.filter((p) => p.node === nodeName);
  const model: NetpolModel = { ingress: [], egress: [] };
  for (const np of [...policies].sort((a, b) => (keyOf(a) < keyOf(b) ? -1 : keyOf(a) > keyOf(b) ? 1 : 0))) {
    const ns = np.metadata?.namespace ?? '';
    const selected = local.filter((p) => p.namespace === ns && selectorMatches(np.spec?.podSelector ?? {}, p.labels));
    if (selected.length === 0) continue;
    const types = np.spec?.policyTypes && np.spec.policyTypes.length > 0
      ? np.spec.policyTypes
      : ['Ingress', ...((np.spec?.egress ?? []).length > 0 ? ['Egress'] : [])];
    for (const direction of ['ingress', 'egress'] as const) {
      if (!types.includes(direction === 'ingress' ? 'Ingress' : 'Egress')) continue;
      const chain: PolicyChain = { policy: keyOf(np), direction, targets: ipsOf(selected), rules: allowRules(np, direction, selected, ctx) };
      model[direction].push(chain);
    }
  }
  return model;
}
