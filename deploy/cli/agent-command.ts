/**
 * The `skiff agent` subcommand's flags (k3s agent's names): --server,
 * --token or --token-file, --data-dir, --node-name, --node-ip,
 * --containerd-socket, --registry-mirror. Parsing only; what runs is the
 * injected action (deploy/agent/agent.ts runAgent in production).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Option, type Command } from 'commander';
import type { AgentConfig } from '../agent/agent.ts';
import type { RegistryMirror } from '../server/registry-mirror.ts';
import { collectMirror, parseIP, parseNodeName, parseUrl, proxyModeOption } from './options.ts';
import type { ProxyMode } from '../../proxy/backend.ts';

export type { AgentConfig };

/** The agent's default data dir (apart from the server's, so both may share a host). */
export const AGENT_DATA_DIR = '/var/lib/skiff-agent';

/** Adds `agent` to `program`; `nodeName` is the default node name. */
export function registerAgentCommand(program: Command, run: (cfg: AgentConfig) => Promise<void>, nodeName: string): void {
  program.command('agent')
    .description('join a cluster as a worker node (kubelet and containerd), authenticated by the server\'s agent token')
    .addOption(new Option('--server <url>', 'https://<server>:6443 to join').makeOptionMandatory().argParser(parseUrl))
    .option('--token <token>', 'the agent token (K10…) from the server\'s <data-dir>/agent-token (its server token, <data-dir>/token, works too)')
    .option('--token-file <path>', 'read the token from this file')
    .option('--data-dir <dir>', 'where the agent keeps its state and credentials', AGENT_DATA_DIR)
    .addOption(new Option('--node-name <name>', 'name of this node').default(nodeName, 'this host\'s name').argParser(parseNodeName))
    .addOption(new Option('--node-ip <ip>', 'address the node reports (default: picked by the kubelet)').argParser(parseIP))
    .option('--containerd-socket <path>', 'use this running containerd instead of starting one')
    .addOption(new Option('--registry-mirror <host=url>', 'pull images of registry HOST from URL (repeatable)').default([] as RegistryMirror[], 'none').argParser(collectMirror))
    .addOption(proxyModeOption())
    .option('--split-processes', 'run the kubelet and the proxy each in its own child process instead of both in this one')
    .action(async (o: {
      server: string; token?: string; tokenFile?: string; dataDir: string; nodeName: string; nodeIp?: string; containerdSocket?: string; registryMirror: RegistryMirror[];
      proxyMode: ProxyMode; splitProcesses?: boolean;
    }, cmd: Command) => {
      if ((o.token === undefined) === (o.tokenFile === undefined)) cmd.error('error: give exactly one of --token and --token-file');
      if (!o.server.startsWith('https://')) cmd.error('error: --server must be an https:// URL');
      const token = o.token ?? readFileSync(o.tokenFile ?? '', 'utf8').trim();
      await run({
        server: o.server, token, dataDir: resolve(o.dataDir), nodeName: o.nodeName, nodeIP: o.nodeIp,
        containerdSocket: o.containerdSocket === undefined ? undefined : resolve(o.containerdSocket), registryMirrors: o.registryMirror,
        ...(o.proxyMode !== 'iptables' ? { proxyMode: o.proxyMode } : {}),
        ...(o.splitProcesses === true ? { splitProcesses: true } : {}),
      });
    });
}
