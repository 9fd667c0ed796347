/**
 * The seam between the proxy's trackers and a data plane: iptables
 * (iptables.ts) or nftables (nft/nftables.ts), chosen by ProxyMode.
 */
import type { Service } from 'kubernetes-types/core/v1';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1';

/** Everything a backend needs for one sync: the full desired state. */
export interface ProxyState {
  services: Service[];
  endpointSlices: EndpointSlice[];
  /**
   * This node's IPv4 addresses (allow-from-node.ts nodeIPv4s of its Node),
   * for loadBalancerSourceRanges' allowFromNode exception; absent = none known.
   */
  nodeIPs?: readonly string[];
}

/**
 * A proxy data plane. `sync` makes the node's rules equal to `state`
 * (idempotent; `full` also re-reads the kernel's state and re-ensures the
 * hooks into built-in chains); it throws on failure, after which the caller
 * retries with full=true. `cleanup` removes everything the backend ever wrote.
 */
export interface ProxyBackend {
  sync(state: ProxyState, full: boolean): Promise<void>;
  cleanup(): Promise<void>;
}

/** The data plane `skiff proxy --proxy-mode` selects. */
export type ProxyMode = 'iptables' | 'nftables';

/** Every ProxyMode, in the order the CLI lists them (the first is the default). */
export const PROXY_MODES: readonly ProxyMode[] = ['iptables', 'nftables'];

/** True when `s` names a ProxyMode. */
export function isProxyMode(s: string): s is ProxyMode {
  return (PROXY_MODES as readonly string[]).includes(s);
}
