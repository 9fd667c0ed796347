/**
 * Pre-flight check of `skiff server`: every TCP port the cluster will listen
 * on must be free, so a second cluster (or a distribution Kubernetes) on the
 * same host is reported at once by name instead of as a component that keeps
 * crashing with EADDRINUSE.
 */
import { createServer } from 'node:net';

/** A port some part of the cluster will listen on. */
export interface PortUse {
  /** Who listens there, e.g. 'apiserver' or 'etcd (client)'. */
  owner: string;
  port: number;
}

/** True when nothing listens on `host:port` (we could bind it). Never throws. */
export function portFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen({ port, host, exclusive: true }, () => s.close(() => resolve(true)));
  });
}

/** The entries of `uses` whose port is already taken, in the given order. */
export async function busyPorts(uses: PortUse[]): Promise<PortUse[]> {
  const busy: PortUse[] = [];
  for (const u of uses) if (!(await portFree(u.port))) busy.push(u);
  return busy;
}

/** One message naming every busy port; pure. */
export function describeBusyPorts(busy: PortUse[]): string {
  const list = busy.map((b) => `${b.port} (${b.owner})`).join(', ');
  return `port${busy.length > 1 ? 's' : ''} already in use: ${list}. Is another skiff server or Kubernetes running here? `
    + 'Stop it, or pick other ports (--api-port, --etcd-client-port, --etcd-peer-port).';
}
