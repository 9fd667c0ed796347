/**
 * Turns Services and EndpointSlices into the flat list of service ports the
 * renderers consume. Pure; mirrors kube-proxy's ServicePort / Endpoint
 * tracking (pkg/proxy/serviceport.go, endpointslicecache.go).
 */
import type { Service } from 'kubernetes-types/core/v1';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1';
import { compareIP } from '../apiserver/client/ipv4.ts';
import { endpointChainName, externalChainName, serviceChainName, servicePortName } from './chains.ts';

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
  /** sessionAffinity ClientIP: stickiness timeout in seconds (default 10800); undefined = no affinity. */
  affinitySeconds?: number;
  /** 'KUBE-EXT-<hash>' (used only when nodePort or externalIPs are set). */
  extChain: string;
  /** Usable endpoints, sorted by ip then port, deduplicated. Empty = "has no endpoints". */
  endpoints: EndpointInfo[];
}

/** Inputs that decide which endpoints a node uses. */
export interface ModelConfig {
  /** This node's name, for internalTrafficPolicy: Local. */
  nodeName: string;
  /** false: leave the iptables chain names ('KUBE-SVC-…' etc., sha256 each) empty; the nftables mode names its own. */
  iptablesChainNames?: boolean;
}

interface Candidate { ip: string; port: number; ready: boolean; serving: boolean; terminating: boolean; nodeName?: string }

/**
 * Builds the service-port list. Skips headless (clusterIP None/empty) and
 * ExternalName services. Endpoints: those with conditions.ready != false; if
 * none is ready, the serving-and-terminating ones (kube-proxy's terminating
 * fallback). internalTrafficPolicy Local keeps only endpoints on `nodeName`.
 * Output is sorted by service port name for deterministic rendering.
 */
export function buildServicePorts(services: Service[], slices: EndpointSlice[], config: ModelConfig): ServicePortInfo[] {
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
    for (const port of spec.ports ?? []) {
      const protocol = (port.protocol ?? 'TCP').toLowerCase();
      const name = servicePortName(namespace, service, port.name);
      const candidates = collectCandidates(svcSlices, port.name ?? '', port.protocol ?? 'TCP');
      const local = spec.internalTrafficPolicy === 'Local' ? candidates.filter((c) => c.nodeName === config.nodeName) : candidates;
      const chosen = chooseEndpoints(local);
      out.push({
        namespace, service, name, protocol, clusterIP, port: port.port,
        nodePort: (spec.type === 'NodePort' || spec.type === 'LoadBalancer') && port.nodePort ? port.nodePort : undefined,
        chain: named ? serviceChainName(name, protocol) : '',
        externalIPs: (spec.externalIPs ?? []).filter((ip) => /^\d+\.\d+\.\d+\.\d+$/.test(ip)).sort(compareIP),
        affinitySeconds: spec.sessionAffinity === 'ClientIP' ? spec.sessionAffinityConfig?.clientIP?.timeoutSeconds ?? 10800 : undefined,
        extChain: named ? externalChainName(name, protocol) : '',
        endpoints: chosen.map((c) => ({ ip: c.ip, port: c.port, chain: named ? endpointChainName(name, protocol, `${c.ip}:${c.port}`) : '' })),
      });
    }
  }
  out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.protocol < b.protocol ? -1 : a.protocol > b.protocol ? 1 : 0));
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
