/**
 * A throwaway network shaped like a CNI bridge node, for the proxy's real
 * tests: a "node" namespace with bridge br0 (10.244.0.1/24) and two pod
 * namespaces attached by veth pairs ("pod" 10.244.0.5 with the HTTP server,
 * "client" 10.244.0.6), hairpin on like CNI's hairpinMode, and NO default
 * route anywhere. Everything is removed by destroy().
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { hostExec, mustExec, netnsExec, type Exec } from './exec.ts';

export const NODE_IP = '10.244.0.1';
export const POD_IP = '10.244.0.5';
export const CLIENT_IP = '10.244.0.6';
export const SERVICE_CIDR = '10.96.0.0/12';

/** The handles of a test network. */
export interface TestNet {
  node: Exec;
  pod: Exec;
  /** A second pod on the same bridge. */
  client: Exec;
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
  const clientNs = `sk${tag}${process.pid}-c`;
  const client = netnsExec(clientNs);
  const servers: ChildProcess[] = [];
  const destroy = async (): Promise<void> => {
    for (const s of servers) s.kill();
    for (const ns of [clientNs, podNs, nodeNs]) await hostExec('ip', ['netns', 'del', ns]);
  };
  try {
    await mustExec(hostExec, 'ip', ['netns', 'add', nodeNs]);
    await mustExec(node, 'ip', ['link', 'set', 'lo', 'up']);
    await mustExec(node, 'ip', ['link', 'add', 'br0', 'type', 'bridge']);
    await mustExec(node, 'ip', ['addr', 'add', `${NODE_IP}/24`, 'dev', 'br0']);
    await mustExec(node, 'ip', ['link', 'set', 'br0', 'up']);
    for (const [ns, ex, ip, port] of [[podNs, pod, POD_IP, 'vp0'], [clientNs, client, CLIENT_IP, 'vp1']] as const) {
      await mustExec(hostExec, 'ip', ['netns', 'add', ns]);
      await mustExec(ex, 'ip', ['link', 'set', 'lo', 'up']);
      await mustExec(node, 'ip', ['link', 'add', port, 'type', 'veth', 'peer', 'name', 'eth0']);
      await mustExec(node, 'ip', ['link', 'set', 'eth0', 'netns', ns]);
      await mustExec(node, 'ip', ['link', 'set', port, 'master', 'br0']);
      await mustExec(node, 'ip', ['link', 'set', port, 'type', 'bridge_slave', 'hairpin', 'on']);
      await mustExec(node, 'ip', ['link', 'set', port, 'up']);
      await mustExec(ex, 'ip', ['addr', 'add', `${ip}/24`, 'dev', 'eth0']);
      await mustExec(ex, 'ip', ['link', 'set', 'eth0', 'up']);
      // Pods reach services through the node: a service-CIDR route, never a default route.
      await mustExec(ex, 'ip', ['route', 'add', SERVICE_CIDR, 'via', NODE_IP]);
    }
    await mustExec(node, 'sysctl', ['-qw', 'net.ipv4.ip_forward=1']);
  } catch (e) {
    await destroy();
    throw e;
  }
  return {
    node, pod, client, destroy,
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
