/**
 * Turns Services and EndpointSlices into the flat list of service ports the
 * renderers consume. Pure; mirrors kube-proxy's ServicePort / Endpoint
 * tracking (pkg/proxy/serviceport.go, endpointslicecache.go).
 */
import type { Service } from 'kubernetes-types/core/v1';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1';
import { parseCIDRSloppy } from '../apiserver/api/cidr.ts';
import { compareIP } from '../apiserver/client/ipv4.ts';
import { dependsOnNodeIPs, firewallSources } from './allow-from-node.ts';
import { endpointChainName, externalChainName, firewallChainName, localChainName, serviceChainName, servicePortName } from './chains.ts';

/** Label linking an EndpointSlice to its Service. */
export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

/** Services carrying this label are handled by another proxy. */
export const SERVICE_PROXY_NAME_LABEL = 'service.kubernetes.io/service-proxy-name';

/** One backend of a service port, already chosen for use. */
export interface EndpointInfo {
  ip: string;
  port: number;
  /** 'KUBE-SEP-<hash>' */
  chain: string;
}

/** One (service, port) pair with a cluster IP, and its usable endpoints. */
export interface ServicePortInfo {
  namespace: string;
  service: string;
  /** kube-proxy's 'ns/svc:portName' (or 'ns/svc' for an unnamed port). */
  name: string;
  /** Lower case: 'tcp' | 'udp' | 'sctp'. */
  protocol: string;
  clusterIP: string;
  port: number;
  /** Set for NodePort/LoadBalancer services that have one. */
  nodePort?: number;
  /** 'KUBE-SVC-<hash>' */
  chain: string;
  /** spec.externalIPs (IPv4), sorted: also routed to this service port. */
  externalIPs: string[];
  /**
   * type LoadBalancer: status.loadBalancer.ingress IPv4 addresses (ipMode VIP
   * or unset; kube-proxy skips ipMode Proxy), sorted: also routed to this
   * service port, like kube-proxy's loadBalancerVIPs.
   */
  loadBalancerIPs: string[];
  /**
   * spec.loadBalancerSourceRanges (IPv4 CIDRs, in spec order, duplicates
   * dropped; see sourceRanges): only these clients reach the
   * loadBalancerIPs. Empty = no firewall (also when a range is 0.0.0.0/0).
   */
  sourceRanges: string[];
  /**
   * The source CIDRs the load-balancer firewall lets in: sourceRanges, then
   * each loadBalancerIP as a /32 when a range contains one of the node's IPs
   * (kube-proxy's allowFromNode; see allow-from-node.ts). Empty = no firewall.
   */
  firewallSources: string[];
  /** 'KUBE-FW-<hash>' (used only when sourceRanges and loadBalancerIPs are both set). */
  fwChain: string;
  /** sessionAffinity ClientIP: stickiness timeout in seconds (default 10800); undefined = no affinity. */
  affinitySeconds?: number;
  /** 'KUBE-EXT-<hash>' (used only when nodePort, externalIPs or loadBalancerIPs are set). */
  extChain: string;
  /**
   * The endpoints cluster-IP (internal) traffic uses, sorted by ip then port,
   * deduplicated: `localEndpoints` when internalPolicyLocal, else
   * `clusterEndpoints`. Empty = internal traffic has no endpoints.
   */
  endpoints: EndpointInfo[];
  /** 'KUBE-SVL-<hash>': the local-policy chain, used when a traffic policy is Local (kube-proxy's serviceLocalChainName). */
  localChain: string;
  /** spec.internalTrafficPolicy is Local: cluster-IP traffic goes only to endpoints on this node. */
  internalPolicyLocal: boolean;
  /**
   * spec.externalTrafficPolicy is Local on an externally accessible Service
   * (NodePort, LoadBalancer, or ClusterIP with externalIPs): node-port and
   * external-IP traffic goes only to endpoints on this node, without SNAT
   * (the client source IP is kept).
   */
  externalPolicyLocal: boolean;
  /** Cluster-policy endpoints: ready ones anywhere, else serving-and-terminating ones anywhere (KEP-1669). Sorted. */
  clusterEndpoints: EndpointInfo[];
  /** Local-policy endpoints: ready ones on this node, else serving-and-terminating ones on this node. Sorted. */
  localEndpoints: EndpointInfo[];
  /** The endpoints external traffic (nodePort, externalIPs) uses: localEndpoints when externalPolicyLocal, else clusterEndpoints. */
  externalEndpoints: EndpointInfo[];
  /** Some usable (ready, or serving and terminating) endpoint exists anywhere (kube-proxy's hasEndpoints). */
  hasEndpoints: boolean;
  /** Ready endpoints on this node: what the service health server reports as localEndpoints. */
  localReadyCount: number;
  /** spec.healthCheckNodePort (LoadBalancer with externalTrafficPolicy Local): the port the service health server answers on. */
  healthCheckNodePort?: number;
}

/** Inputs that decide which endpoints a node uses. */
export interface ModelConfig {
  /** This node's name, for internalTrafficPolicy: Local. */
  nodeName: string;
  /**
   * This node's IPv4 addresses (allow-from-node.ts nodeIPv4s), for
   * loadBalancerSourceRanges' allowFromNode exception; absent = none known.
   */
  nodeIPs?: readonly string[];
  /** false: leave the iptables chain names ('KUBE-SVC-…' etc., sha256 each) empty; the nftables mode names its own. */
  iptablesChainNames?: boolean;
}

/**
 * Memo for buildServicePorts across syncs: per Service object, the
 * EndpointSlice objects, node name and node IPs (joined by ',') it was built
 * from, and the result. A Service whose object and slices are the same
 * objects (informer caches keep unchanged objects) reuses its
 * ServicePortInfo objects, which also lets renderers memoize by
 * ServicePortInfo identity; a change of the node IPs rebuilds only the
 * Services whose firewall reads them (allow-from-node.ts dependsOnNodeIPs).
 */
export type ServicePortCache = WeakMap<Service, { slices: EndpointSlice[]; nodeName: string; nodeIPs: string; ports: ServicePortInfo[] }>;

interface Candidate { ip: string; port: number; ready: boolean; serving: boolean; terminating: boolean; nodeName?: string }

/**
 * Builds the service-port list. Skips headless (clusterIP None/empty) and
 * ExternalName services. Endpoints are categorized as kube-proxy's
 * CategorizeEndpoints (pkg/proxy/topology.go): cluster endpoints are the
 * ready ones (conditions.ready != false), or, when none is ready anywhere, the
 * serving-and-terminating ones (KEP-1669); local endpoints are the ready ones
 * on `nodeName`, or, when none is ready there, the serving-and-terminating
 * ones there. internalTrafficPolicy / externalTrafficPolicy Local pick the
 * local ones for internal / external traffic. Output is sorted by service
 * port name for deterministic rendering.
 */
export function buildServicePorts(services: Service[], slices: EndpointSlice[], config: ModelConfig, cache?: ServicePortCache): ServicePortInfo[] {
  const slicesByService = new Map<string, EndpointSlice[]>();
  for (const slice of slices) {
    const svc = slice.metadata?.labels?.[SERVICE_NAME_LABEL];
    if (!svc || slice.addressType !== 'IPv4') continue;
    const key = `${slice.metadata?.namespace ?? ''}/${svc}`;
    const list = slicesByService.get(key) ?? [];
    list.push(slice);
    slicesByService.set(key, list);
  }

  const out: ServicePortInfo[] = [];
  const named = config.iptablesChainNames !== false;
  const nodeIPs = config.nodeIPs ?? [];
  const nodeIPsKey = nodeIPs.join(',');
  for (const svc of services) {
    const spec = svc.spec;
    const namespace = svc.metadata?.namespace ?? 'default';
    const service = svc.metadata?.name ?? '';
    if (!spec || spec.type === 'ExternalName') continue;
    // Services meant for another proxy implementation are not ours (kube-proxy does the same).
    if (svc.metadata?.labels?.[SERVICE_PROXY_NAME_LABEL] !== undefined) continue;
    const clusterIP = spec.clusterIP;
    if (!clusterIP || clusterIP === 'None' || clusterIP.includes(':')) continue;
    const svcSlices = slicesByService.get(`${namespace}/${service}`) ?? [];
    const hit = cache?.get(svc);
    if (hit && hit.nodeName === config.nodeName && sameObjects(hit.slices, svcSlices) && (hit.nodeIPs === nodeIPsKey || !hit.ports.some(dependsOnNodeIPs))) {
      for (const sp of hit.ports) out.push(sp);
      continue;
    }
    const first = out.length;
    for (const port of spec.ports ?? []) {
      const protocol = (port.protocol ?? 'TCP').toLowerCase();
      const name = servicePortName(namespace, service, port.name);
      const candidates = collectCandidates(svcSlices, port.name ?? '', port.protocol ?? 'TCP');
      const toInfo = (c: Candidate): EndpointInfo => ({ ip: c.ip, port: c.port, chain: named ? endpointChainName(name, protocol, `${c.ip}:${c.port}`) : '' });
      const localCandidates = candidates.filter((c) => c.nodeName !== undefined && c.nodeName === config.nodeName);
      const clusterEndpoints = chooseEndpoints(candidates).map(toInfo);
      const localEndpoints = chooseEndpoints(localCandidates).map(toInfo);
      const nodePort = (spec.type === 'NodePort' || spec.type === 'LoadBalancer') && port.nodePort ? port.nodePort : undefined;
      const internalPolicyLocal = spec.internalTrafficPolicy === 'Local';
      const externalIPs = (spec.externalIPs ?? []).filter((ip) => /^\d+\.\d+\.\d+\.\d+$/.test(ip)).sort(compareIP);
      // apiservice.ExternalPolicyLocal: Local on an externally accessible service (node ports, or a ClusterIP with external IPs).
      const externallyAccessible = spec.type === 'NodePort' || spec.type === 'LoadBalancer' || ((spec.type ?? 'ClusterIP') === 'ClusterIP' && externalIPs.length > 0);
      const externalPolicyLocal = externallyAccessible && spec.externalTrafficPolicy === 'Local';
      const lbIPs = loadBalancerIPs(svc);
      const ranges = sourceRanges(svc);
      out.push({
        namespace, service, name, protocol, clusterIP, port: port.port,
        nodePort,
        chain: named ? serviceChainName(name, protocol) : '',
        externalIPs,
        loadBalancerIPs: lbIPs,
        sourceRanges: ranges,
        firewallSources: lbIPs.length > 0 ? firewallSources(ranges, nodeIPs, lbIPs) : [],
        fwChain: named ? firewallChainName(name, protocol) : '',
        affinitySeconds: spec.sessionAffinity === 'ClientIP' ? spec.sessionAffinityConfig?.clientIP?.timeoutSeconds ?? 10800 : undefined,
        extChain: named ? externalChainName(name, protocol) : '',
        endpoints: internalPolicyLocal ? localEndpoints : clusterEndpoints,
        localChain: named ? localChainName(name, protocol) : '',
        internalPolicyLocal,
        externalPolicyLocal,
        clusterEndpoints,
        localEndpoints,
        externalEndpoints: externalPolicyLocal ? localEndpoints : clusterEndpoints,
        hasEndpoints: clusterEndpoints.length > 0,
        localReadyCount: localCandidates.filter((c) => c.ready).length,
        healthCheckNodePort: externalPolicyLocal && spec.healthCheckNodePort ? spec.healthCheckNodePort : undefined,
      });
    }
    cache?.set(svc, { slices: svcSlices, nodeName: config.nodeName, nodeIPs: nodeIPsKey, ports: out.slice(first) });
  }
  out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.protocol < b.protocol ? -1 : a.protocol > b.protocol ? 1 : 0));
  return out;
}

/** Same length and the same objects in the same order. */
function sameObjects<T>(a: readonly T[], b: readonly T[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The IPv4 ingress IPs of a LoadBalancer Service that this proxy accepts traffic for (ipMode VIP or unset), sorted, deduplicated. */
export function loadBalancerIPs(svc: Service): string[] {
  if (svc.spec?.type !== 'LoadBalancer') return [];
  const ips = (svc.status?.loadBalancer?.ingress ?? [])
    .filter((i) => i.ipMode === undefined || i.ipMode === 'VIP')
    .map((i) => i.ip ?? '').filter((ip) => /^\d+\.\d+\.\d+\.\d+$/.test(ip));
  return [...new Set(ips)].sort(compareIP);
}

/**
 * The IPv4 loadBalancerSourceRanges of a LoadBalancer Service, normalized to
 * their network address ('10.1.2.3/8' → '10.0.0.0/8'), in spec order without
 * duplicates; IPv6 and unparsable ones are left out (the apiserver rejects
 * the latter). As kube-proxy's service port info (pkg/proxy/serviceport.go),
 * only the spec field counts, not the cloud-provider annotation, and a range
 * covering every address (prefix 0) means no firewall at all: []. Pure.
 */
export function sourceRanges(svc: Service): string[] {
  if (svc.spec?.type !== 'LoadBalancer') return [];
  const out: string[] = [];
  for (const raw of svc.spec.loadBalancerSourceRanges ?? []) {
    const c = parseCIDRSloppy(raw.trim());
    if (c?.family !== 4) continue;
    if (c.prefix === 0) return [];
    const cidr = `${c.network}/${c.prefix}`;
    if (!out.includes(cidr)) out.push(cidr);
  }
  return out;
}

function collectCandidates(slices: EndpointSlice[], portName: string, protocol: string): Candidate[] {
  const seen = new Map<string, Candidate>();
  for (const slice of slices) {
    const slicePort = (slice.ports ?? []).find((p) => (p.name ?? '') === portName && (p.protocol ?? 'TCP') === protocol);
    if (!slicePort || slicePort.port === undefined) continue;
    for (const ep of slice.endpoints ?? []) {
      const ip = ep.addresses?.[0];
      if (!ip) continue;
      const c: Candidate = {
        ip, port: slicePort.port,
        ready: ep.conditions?.ready !== false,
        serving: (ep.conditions?.serving ?? ep.conditions?.ready) !== false,
        terminating: ep.conditions?.terminating === true,
        nodeName: ep.nodeName,
      };
      const key = `${ip}:${c.port}`;
      const prev = seen.get(key);
      if (!prev || (c.ready && !prev.ready)) seen.set(key, c);
    }
  }
  return [...seen.values()];
}

function chooseEndpoints(candidates: Candidate[]): Candidate[] {
  let chosen = candidates.filter((c) => c.ready);
  if (chosen.length === 0) chosen = candidates.filter((c) => c.serving && c.terminating);
  return chosen.sort((a, b) => compareIP(a.ip, b.ip) || a.port - b.port);
}
