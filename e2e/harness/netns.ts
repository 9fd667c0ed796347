/**
 * Network namespaces for cluster tests: an isolated `skiff-e2e-<random>`
 * namespace with loopback up and a node address on a veth pair whose two ends
 * both live inside it. No default route is ever added, so nothing a test does
 * can reach beyond the namespace.
 */
import { randomBytes, randomInt } from 'node:crypto';
import { existsSync } from 'node:fs';
import { nsWrap, run, runAllowFail, type RunOptions, type RunResult } from '../../deploy/images/exec.ts';

/** A test network namespace. */
export interface Netns {
  /** Namespace name, under /run/netns. */
  name: string;
  /** Node address (no prefix), e.g. 10.250.17.1. */
  nodeIP: string;
  /** Node address with prefix, e.g. 10.250.17.1/24. */
  nodeCIDR: string;
  /** Name of the veth end holding nodeIP. */
  device: string;
  /** Runs `cmd args` inside the namespace; resolves stdout, throws CommandError on non-zero exit. */
  run(cmd: string, args: readonly string[], opts?: RunOptions): Promise<string>;
  /** Same as run but resolves the full result whatever the exit code. */
  runAllowFail(cmd: string, args: readonly string[], opts?: RunOptions): Promise<RunResult>;
  /** Process ids currently in the namespace (`ip netns pids`). */
  pids(): Promise<number[]>;
  /** Kills every process in the namespace (SIGKILL) and deletes it. Idempotent. */
  destroy(): Promise<void>;
}

/** Options for {@link createNetns}. */
export interface NetnsOptions {
  /** Third octet of the 10.250.X.1/24 node address; random (1..254) by default. */
  subnet?: number;
  /** Name suffix; random hex by default. */
  suffix?: string;
}

/** nodeAddress returns the node address for subnet octet `n` (1..254): `10.250.n.1/24`. Throws RangeError outside 1..254. */
export function nodeAddress(n: number): { ip: string; cidr: string } {
  if (!Number.isInteger(n) || n < 1 || n > 254) throw new RangeError(`subnet octet ${n} is not in 1..254`);
  return { ip: `10.250.${n}.1`, cidr: `10.250.${n}.1/24` };
}

/** A handle on an existing namespace /run/netns/<name>: run, runAllowFail, pids, destroy (the Netns members minus addresses). */
export type NetnsHandle = Pick<Netns, 'name' | 'run' | 'runAllowFail' | 'pids' | 'destroy'>;

/**
 * openNetns wraps the namespace `name` (which need not exist yet): commands
 * enter it with nsenter, and destroy() SIGKILLs every process in it (up to
 * five rounds) and deletes it. Idempotent destroy; never creates anything.
 */
export function openNetns(name: string): NetnsHandle {
  let destroyed = false;
  const ns: NetnsHandle = {
    name,
    run: (cmd, args, o) => {
      const [c, a] = nsWrap(name, cmd, args);
      return run(c, a, o);
    },
    runAllowFail: (cmd, args, o) => {
      const [c, a] = nsWrap(name, cmd, args);
      return runAllowFail(c, a, o);
    },
    pids: async () => {
      const r = await runAllowFail('ip', ['netns', 'pids', name]);
      return r.stdout
        .split('\n')
        .map((l) => Number(l.trim()))
        .filter((p) => Number.isInteger(p) && p > 0);
    },
    destroy: async () => {
      if (destroyed) return;
      destroyed = true;
      for (let round = 0; round < 5; round++) {
        const pids = await ns.pids();
        if (pids.length === 0) break;
        for (const pid of pids) {
          try {
            process.kill(pid, 'SIGKILL');
          } catch {
            // already gone
          }
        }
        await new Promise((r) => setTimeout(r, 200));
      }
      if (existsSync(`/run/netns/${name}`)) await run('ip', ['netns', 'del', name]);
    },
  };
  return ns;
}

/**
 * createNetns creates `skiff-e2e-<suffix>` with `ip netns add`, brings up lo,
 * creates veth `skiff-node`/`skiff-peer` inside it, puts the node address on
 * `skiff-node` and brings both ends up. Verifies there is no default route.
 * Cleans up and rethrows on any failure. Needs root and iproute2.
 */
export async function createNetns(opts: NetnsOptions = {}): Promise<Netns> {
  const name = `skiff-e2e-${opts.suffix ?? randomBytes(4).toString('hex')}`;
  const addr = nodeAddress(opts.subnet ?? randomInt(1, 255));
  const device = 'skiff-node';
  const ns: Netns = { ...openNetns(name), nodeIP: addr.ip, nodeCIDR: addr.cidr, device };
  await run('ip', ['netns', 'add', name]);
  try {
    await run('ip', ['-n', name, 'link', 'set', 'lo', 'up']);
    await run('ip', ['-n', name, 'link', 'add', device, 'type', 'veth', 'peer', 'name', 'skiff-peer']);
    await run('ip', ['-n', name, 'addr', 'add', addr.cidr, 'dev', device]);
    await run('ip', ['-n', name, 'link', 'set', device, 'up']);
    await run('ip', ['-n', name, 'link', 'set', 'skiff-peer', 'up']);
    const routes = await run('ip', ['-n', name, 'route', 'show', 'default']);
    if (routes.trim() !== '') throw new Error(`namespace ${name} unexpectedly has a default route: ${routes.trim()}`);
  } catch (e) {
    await ns.destroy();
    throw e;
  }
  return ns;
}
