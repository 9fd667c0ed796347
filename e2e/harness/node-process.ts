/**
 * The handle the multi-node harness gives for one node's Skiff processes
 * (`skiff server`, `skiff agent`, or a stand-in agent).
 */
import type { RunResult } from '../../deploy/images/exec.ts';
import type { CriContainer } from './containers.ts';
import type { Member } from './topology.ts';

/** One node's skiff process(es) in its node namespace. */
export interface NodeProcess {
  /** Kubernetes node name. */
  nodeName: string;
  member: Member;
  dataDir: string;
  logFile: string;
  pid(): number;
  /** Whether the process has exited. */
  exited(): boolean;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when it has exited. */
  stop(graceMs?: number): Promise<void>;
  /** Last `bytes` of its log. */
  logTail(bytes?: number): Promise<string>;
  /** Runs a command in this node's namespace; resolves whatever the exit code. */
  exec(cmd: string, ...args: string[]): Promise<RunResult>;
  /** Every CRI container in this node's containerd (<data-dir>/containerd/containerd.sock); [] when it is not up. */
  containers(): Promise<CriContainer[]>;
}
