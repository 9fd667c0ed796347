/**
 * Deterministic iptables chain names, computed exactly as kube-proxy's
 * iptables proxier does (`servicePortChainName`, `servicePortEndpointChainName`):
 * the first 16 characters of the RFC 4648 base32 encoding of
 * sha256(servicePortName + protocol [+ endpoint]).
 */
import { createHash } from 'node:crypto';

const BASE32_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** Encodes bytes as RFC 4648 base32 (standard alphabet), without padding. */
export function base32(bytes: Uint8Array): string {
  let out = '';
  let acc = 0;
  let bits = 0;
  for (const byte of bytes) {
    acc = ((acc << 8) | byte) & 0xffff;
    bits += 8;
    while (bits >= 5) {
      out += BASE32_ALPHABET[(acc >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += BASE32_ALPHABET[(acc << (5 - bits)) & 31];
  return out;
}

function hash16(input: string): string {
  return base32(createHash('sha256').update(input).digest()).slice(0, 16);
}

/**
 * The kube-proxy name of a service port: 'ns/svc:portName', or 'ns/svc' when
 * the port is unnamed (ServicePortName.String()).
 */
export function servicePortName(namespace: string, service: string, portName: string | undefined): string {
  return portName ? `${namespace}/${service}:${portName}` : `${namespace}/${service}`;
}

/** 'KUBE-SVC-<hash>' for a service port; `protocol` is lower case ('tcp'). */
export function serviceChainName(svcPortName: string, protocol: string): string {
  return `KUBE-SVC-${hash16(svcPortName + protocol)}`;
}

/** 'KUBE-SEP-<hash>' for one endpoint ('ip:port') of a service port. */
export function endpointChainName(svcPortName: string, protocol: string, endpoint: string): string {
  return `KUBE-SEP-${hash16(svcPortName + protocol + endpoint)}`;
}

/** 'KUBE-EXT-<hash>': the NodePort entry chain of a service port (kube-proxy's externalChainName). */
export function externalChainName(svcPortName: string, protocol: string): string {
  return `KUBE-EXT-${hash16(svcPortName + protocol)}`;
}

/** 'KUBE-FW-<hash>': the loadBalancerSourceRanges chain of a service port (kube-proxy's serviceFirewallChainName). */
export function firewallChainName(svcPortName: string, protocol: string): string {
  return `KUBE-FW-${hash16(svcPortName + protocol)}`;
}

/** 'KUBE-SVL-<hash>': the local-policy chain of a service port (kube-proxy's serviceLocalChainName). */
export function localChainName(svcPortName: string, protocol: string): string {
  return `KUBE-SVL-${hash16(svcPortName + protocol)}`;
}

/** True for a per-service chain the proxy creates and later deletes when stale. */
export function isDynamicChain(chain: string): boolean {
  return /^KUBE-(SVC|SVL|SEP|EXT|FW)-[A-Z2-7]{16}$/.test(chain);
}
