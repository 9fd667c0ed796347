/**
 * `skiff check`: reads this host (readHost), judges it (checkHost) and
 * prints the verdicts (renderFindings). Only reads; safe to run on a live
 * node.
 */
import { readFile } from 'node:fs/promises';
import { defaults, type ServerConfig } from '../server/config.ts';
import { listenPorts } from '../server/components.ts';
import type { PortUse } from '../server/preflight.ts';
import { caPaths } from '../pki/layout.ts';
import { checkHost } from './decide.ts';
import { readHost } from './readings.ts';
import { renderFindings } from './render.ts';

/** Flags of `skiff check`. */
export interface CheckOptions {
  /** The server this host joins (https://IP:6443): its clock is compared, and only a node's ports are checked. */
  server?: string;
  /** Data dir (absolute); its cluster CA, if there, verifies `server`. */
  dataDir: string;
}

/**
 * The ports to check: a whole server's (etcd, containerd, apiserver, every
 * component) by default; with `server`, this host is a node joining it, so
 * only the node's (containerd stream, kubelet, proxy). Pure.
 */
export function portsToCheck(o: CheckOptions): PortUse[] {
  const cfg: ServerConfig = {
    dataDir: o.dataDir, clusterCIDR: defaults.clusterCIDR, serviceCIDR: defaults.serviceCIDR, apiPort: defaults.apiPort,
    nodeName: 'check', registryMirrors: [], etcdClientPort: defaults.etcdClientPort, etcdPeerPort: defaults.etcdPeerPort,
  };
  if (o.server === undefined) return listenPorts(cfg);
  return listenPorts(cfg, ['kubelet', 'proxy']).filter((p) => !p.owner.startsWith('etcd'));
}

/** Runs the checks and writes the report to `out`; resolves the exit code (1 when any check failed). */
export async function runCheck(o: CheckOptions, out: { write(s: string): unknown }): Promise<0 | 1> {
  let serverCA: string | undefined;
  try {
    serverCA = await readFile(caPaths(o.dataDir, 'cluster').cert, 'utf8');
  } catch {
    serverCA = undefined;
  }
  const readings = await readHost({ ports: portsToCheck(o), ...(o.server !== undefined ? { server: o.server } : {}), ...(serverCA ? { serverCA } : {}) });
  const r = renderFindings(checkHost(readings));
  out.write(r.text);
  return r.exitCode;
}
