/**
 * Who this server is, for its certificates: the hostname, every address it
 * may be reached at, and the one node it runs. Pure: derived from the config
 * and the interface list (os.networkInterfaces()).
 */
import type os from 'node:os';
import { pickNodeIP } from '../../kubelet/node/info.ts';
import type { ClusterIdentity } from '../pki/specs.ts';
import type { ServerConfig } from './config.ts';

/** The cluster identity plus the node IP every component is told. */
export interface ServerIdentity {
  identity: ClusterIdentity;
  /** --node-ip if given, else the kubelet's pick (first global IPv4 of a non-loopback interface); '' if none. */
  nodeIP: string;
}

/**
 * Every global address of this machine: IPv4 and IPv6 addresses that are
 * not internal, not link-local (169.254/16, fe80::/10) and not on pod
 * interfaces (cni*, veth*), in interface-name order. Pure.
 */
export function serverAddresses(ifaces: NodeJS.Dict<os.NetworkInterfaceInfo[]>): string[] {
  const out: string[] = [];
  for (const name of Object.keys(ifaces).sort()) {
    if (name === 'lo' || name.startsWith('cni') || name.startsWith('veth')) continue;
    for (const a of ifaces[name] ?? []) {
      if (a.internal || a.address.startsWith('169.254.') || a.address.toLowerCase().startsWith('fe80:')) continue;
      out.push(a.address);
    }
  }
  return out;
}

/**
 * The identity `skiff server` issues certs for: SANs for `hostname`, the node
 * IP and every server address; one node (cfg.nodeName) serving on the node
 * IP. Pure.
 */
export function serverIdentity(cfg: Pick<ServerConfig, 'nodeName' | 'nodeIP' | 'serviceCIDR'>, hostname: string, ifaces: NodeJS.Dict<os.NetworkInterfaceInfo[]>): ServerIdentity {
  const nodeIP = cfg.nodeIP ?? pickNodeIP(ifaces);
  const ips = [...new Set([nodeIP, ...serverAddresses(ifaces)].filter((a) => a !== ''))];
  return {
    nodeIP,
    identity: {
      hostname: hostname.toLowerCase(),
      serverIPs: ips,
      nodes: [{ name: cfg.nodeName, ips: nodeIP === '' ? [] : [nodeIP] }],
      serviceCIDR: cfg.serviceCIDR,
    },
  };
}
