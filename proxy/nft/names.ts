/**
 * Object names in the nftables table, computed as kube-proxy's nftables
 * proxier does (pkg/proxy/nftables/proxier.go hashAndTruncate,
 * servicePortChainNameBase, servicePortEndpointChainNameBase): the first 8
 * characters of base32(sha256(name)), '-', then the readable name
 * 'ns/svc/proto/portName' (plus '__ip/port' for an endpoint), truncated to
 * nftables' 256-byte limit minus a 16-byte prefix.
 */
import { createHash } from 'node:crypto';
import { base32 } from '../chains.ts';

/** The table every nftables-mode object lives in (`table ip skiff`). */
export const NFT_TABLE = 'skiff';

/** nftables' name limit (NFT_NAME_MAXLEN 256) less the longest prefix ('endpoint-' ... 16 bytes). */
const BASE_MAX = 256 - 16;

function hashAndTruncate(name: string): string {
  const hashed = `${base32(createHash('sha256').update(name).digest()).slice(0, 8)}-${name}`;
  return hashed.length > BASE_MAX ? `${hashed.slice(0, BASE_MAX - 3)}...` : hashed;
}

/** 'HASH-ns/svc/proto/portName' (portName '' for an unnamed port). */
export function servicePortBase(namespace: string, service: string, protocol: string, portName: string): string {
  return hashAndTruncate(`${namespace}/${service}/${protocol}/${portName}`);
}

/** 'HASH-ns/svc/proto/portName__ip/port' for one endpoint of a service port. */
export function endpointBase(namespace: string, service: string, protocol: string, portName: string, ip: string, port: number): string {
  return hashAndTruncate(`${namespace}/${service}/${protocol}/${portName}__${ip}/${port}`);
}

/** 'service-<base>': the chain choosing an endpoint (cluster traffic policy). */
export const serviceChain = (base: string): string => `service-${base}`;
/** 'external-<base>': NodePort / externalIP / LoadBalancer IP entry chain (masquerade, then the policy chain). */
export const externalChain = (base: string): string => `external-${base}`;
/** 'local-<base>': the chain choosing a local endpoint (a traffic policy Local; kube-proxy's servicePortPolicyLocalChainNamePrefix). */
export const localChain = (base: string): string => `local-${base}`;
/** 'firewall-<base>': the loadBalancerSourceRanges check of a service port's LoadBalancer IPs (kube-proxy's firewallChainNamePrefix). */
export const firewallChain = (base: string): string => `firewall-${base}`;
/** 'endpoint-<base>': the DNAT chain of one endpoint. */
export const endpointChain = (base: string): string => `endpoint-${base}`;
/** 'affinity-<base>': the ClientIP affinity set of one endpoint (source IPs with a timeout). */
export const affinitySet = (base: string): string => `affinity-${base}`;

/** True for a per-service chain (only those contain '/'; the fixed chains never do), as kube-proxy's isServiceChainName. */
export function isServiceChainName(chain: string): boolean {
  return chain.includes('/');
}

/** True for a per-endpoint affinity set. */
export function isAffinitySetName(set: string): boolean {
  return set.startsWith('affinity-');
}
