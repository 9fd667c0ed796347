/**
 * What every e2e suite starts with: a stamped progress line, the shape of a
 * `kubectl get -o json` list, and the skip reason when this machine cannot
 * run a cluster (not root, a tool or the CNI plugins missing, no kubectl).
 */
import { existsSync } from 'node:fs';
import { which } from '../../deploy/images/exec.ts';
import { kubectlMissing } from './cluster.ts';

/** The part of a `kubectl get -o json` list the tests read. */
export interface List<T> {
  items: T[];
}

/** Progress line with a wall-clock stamp (UTC HH:MM:SS), so a CI log shows where the run is. */
export function log(msg: string): void {
  process.stderr.write(`[e2e ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
}

/** Why the suite cannot run here, or undefined: needs root, every tool in `tools` on PATH, optionally the CNI plugins, and kubectl. */
export async function prerequisites(tools: readonly string[], opts: { cni?: boolean } = {}): Promise<string | undefined> {
  if (process.getuid?.() !== 0) return 'needs root (network namespaces, containerd, iptables)';
  for (const tool of tools) if (!(await which(tool))) return `missing tool: ${tool}`;
  if ((opts.cni ?? true) && !existsSync('/usr/lib/cni/bridge')) return 'missing CNI plugins in /usr/lib/cni';
  return kubectlMissing();
}
