/**
 * A throwaway two-namespace network for the proxy's real tests: "node" and
 * "pod" network namespaces joined by a veth pair (node 10.244.0.1/24, pod
 * 10.244.0.5/24), an HTTP server in the pod, and NO default route anywhere.
 * Everything is removed by destroy().
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { hostExec, mustExec, netnsExec, type Exec } from './exec.ts';

export const NODE_IP = '10.244.0.1';
export const POD_IP = '10.244.0.5';
export const SERVICE_CIDR = '10.96.0.0/12';

/** The handles of a test network. */
export interface TestNet {
  node: Exec;
  pod: Exec;
  /** Starts `node -e` HTTP server in the pod answering `body` on POD_IP:port. */
  serve(port: number, body: string): Promise<void>;
  /** curl from a namespace; never throws. */
  curl(ns: Exec, url: string): Promise<{ code: number; body: string; ms: number }>;
  destroy(): Promise<void>;
}

/** Why the real tests can't run here, or undefined if they can. */
export function realNetSkipReason(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root';
  for (const bin of ['/usr/sbin/iptables', '/usr/sbin/iptables-restore', '/usr/sbin/ip', '/usr/bin/nsenter', '/usr/bin/curl']) {
    if (!existsSync(bin)) return `${bin} missing`;
  }
  return undefined;
}

/** Creates the namespaces (names derived from `tag` and the pid). Throws if any step fails (after cleaning up). */
export async function createTestNet(tag: string): Promise<TestNet> {
  const nodeNs = `sk${tag}${process.pid}-n`;
  const podNs = `sk${tag}${process.pid}-p`;
  const node = netnsExec(nodeNs);
  const pod = netnsExec(podNs);
  const servers: ChildProcess[] = [];
  const destroy = async (): Promise<void> => {
    for (const s of servers) s.kill();
    await hostExec('ip', ['netns', 'del', podNs]);
    await hostExec('ip', ['netns', 'del', nodeNs]);
  };
  try {
    await mustExec(hostExec, 'ip', ['netns', 'add', nodeNs]);
    await mustExec(hostExec, 'ip', ['netns', 'add', podNs]);
    await mustExec(node, 'ip', ['link', 'set', 'lo', 'up']);
    await mustExec(pod, 'ip', ['link', 'set', 'lo', 'up']);
    await mustExec(node, 'ip', ['link', 'add', 'veth-n', 'type', 'veth', 'peer', 'name', 'veth-p']);
    await mustExec(node, 'ip', ['link', 'set', 'veth-p', 'netns', podNs]);
    await mustExec(node, 'ip', ['addr', 'add', `${NODE_IP}/24`, 'dev', 'veth-n']);
    await mustExec(node, 'ip', ['link', 'set', 'veth-n', 'up']);
    await mustExec(pod, 'ip', ['addr', 'add', `${POD_IP}/24`, 'dev', 'veth-p']);
    await mustExec(pod, 'ip', ['link', 'set', 'veth-p', 'up']);
    // The pod reaches services through the node: a service-CIDR route, never a default route.
    await mustExec(pod, 'ip', ['route', 'add', SERVICE_CIDR, 'via', NODE_IP]);
    await mustExec(node, 'sysctl', ['-qw', 'net.ipv4.ip_forward=1']);
  } catch (e) {
    await destroy();
    throw e;
  }
  return {
    node, pod, destroy,
    async serve(port, body) {
      const server = spawn('nsenter', [`--net=/run/netns/${podNs}`, process.execPath, '-e',
        `require('http').createServer((q, s) => s.end(${JSON.stringify(body)})).listen(${port}, '${POD_IP}', () => console.log('ready'))`],
      { stdio: ['ignore', 'pipe', 'inherit'] });
      servers.push(server);
      await new Promise<void>((resolve, reject) => {
        server.stdout?.on('data', (d: Buffer) => { if (d.toString().includes('ready')) resolve(); });
        server.on('exit', (code) => reject(new Error(`test server exited ${code}`)));
      });
    },
    async curl(ns, url) {
      const started = Date.now();
      const r = await ns('curl', ['-sS', '-m', '5', url]);
      return { code: r.exitCode, body: r.stdout, ms: Date.now() - started };
    },
  };
}
