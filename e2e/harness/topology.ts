/**
 * A multi-node test network: N node namespaces and a "laptop" namespace,
 * each with one veth (`eth0` inside) into bridge `br0`, which lives in its
 * own bridge namespace. Everything sits in one private /24 (10.77.0.0/24 by
 * default; nodes .1..N, laptop .100, the bridge itself .254, where the
 * multi-node harness runs the registry). There is NO default route in any
 * namespace, so no traffic can leave the machine; the /24 is the only
 * routable network. One node's link can be cut and restored (its bridge port
 * down/up), which isolates that node the way a pulled cable does.
 */
import { randomBytes } from 'node:crypto';
import { run } from '../../deploy/images/exec.ts';
import { openNetns, type NetnsHandle } from './netns.ts';

/** One namespace on the bridge. */
export interface Member extends NetnsHandle {
  /** Address on `eth0`, no prefix, e.g. 10.77.0.1. */
  ip: string;
  /** With prefix, e.g. 10.77.0.1/24. */
  cidr: string;
  /** This member's port on br0, in the bridge namespace (e.g. `p-n1`). */
  port: string;
}

/** The addresses of a topology (pure; see topologyAddresses). */
export interface TopologyAddresses {
  /** The bridge's own address (registry host). */
  bridge: string;
  laptop: string;
  nodes: string[];
  /** Prefix length of every address. */
  prefix: number;
}

/** A running topology. */
export interface Topology {
  /** The bridge namespace; br0 holds `addresses.bridge`. */
  bridge: NetnsHandle & { ip: string };
  nodes: Member[];
  laptop: Member;
  addresses: TopologyAddresses;
  /** Cuts node `i`'s (0-based) link: its bridge port goes down. Idempotent. */
  cut(i: number): Promise<void>;
  /** Restores node `i`'s link. Idempotent. */
  restore(i: number): Promise<void>;
  /** Kills every process in every namespace and deletes them (members first, bridge last). Idempotent. */
  destroy(): Promise<void>;
}

/** Options for {@link createTopology}. */
export interface TopologyOptions {
  /** Number of node namespaces, 1..99; default 3. */
  nodes?: number;
  /** First three octets of the /24, e.g. '10.77.0' (default). */
  network?: string;
  /** Name suffix (namespaces are `skiff-e2e-<suffix>-<member>`); random hex by default. */
  suffix?: string;
}

/**
 * topologyAddresses gives node i (0-based) `<network>.<i+1>`, the laptop
 * `.100` and the bridge `.254`, all /24. Throws RangeError unless 1 ≤ n ≤ 99,
 * and Error on a network that is not three octets.
 */
export function topologyAddresses(n: number, network = '10.77.0'): TopologyAddresses {
  if (!Number.isInteger(n) || n < 1 || n > 99) throw new RangeError(`node count ${n} is not in 1..99`);
  if (!/^(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.test(network) || network.split('.').some((o) => Number(o) > 255)) {
    throw new Error(`network ${JSON.stringify(network)} is not three octets like 10.77.0`);
  }
  return { bridge: `${network}.254`, laptop: `${network}.100`, nodes: Array.from({ length: n }, (_, i) => `${network}.${i + 1}`), prefix: 24 };
}

/**
 * createTopology builds the namespaces, the bridge and the veths, checks that
 * no namespace has a default route, and returns handles. On any failure it
 * deletes everything it created and rethrows. Needs root and iproute2.
 */
export async function createTopology(opts: TopologyOptions = {}): Promise<Topology> {
  const addrs = topologyAddresses(opts.nodes ?? 3, opts.network);
  const base = `skiff-e2e-${opts.suffix ?? randomBytes(3).toString('hex')}`;
  const bridge = { ...openNetns(`${base}-br`), ip: addrs.bridge };
  const member = (tag: string, ip: string): Member => ({ ...openNetns(`${base}-${tag}`), ip, cidr: `${ip}/${addrs.prefix}`, port: `p-${tag}` });
  const nodes = addrs.nodes.map((ip, i) => member(`n${i + 1}`, ip));
  const laptop = member('laptop', addrs.laptop);
  const all = [...nodes, laptop];
  const destroy = async (): Promise<void> => {
    for (const m of all) await m.destroy().catch(() => undefined);
    await bridge.destroy();
  };
  try {
    await run('ip', ['netns', 'add', bridge.name]);
    await bridge.run('ip', ['link', 'set', 'lo', 'up']);
    await bridge.run('ip', ['link', 'add', 'br0', 'type', 'bridge']);
    await bridge.run('ip', ['addr', 'add', `${addrs.bridge}/${addrs.prefix}`, 'dev', 'br0']);
    await bridge.run('ip', ['link', 'set', 'br0', 'up']);
    for (const m of all) {
      await run('ip', ['netns', 'add', m.name]);
      await m.run('ip', ['link', 'set', 'lo', 'up']);
      await bridge.run('ip', ['link', 'add', m.port, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', m.name]);
      await bridge.run('ip', ['link', 'set', m.port, 'master', 'br0']);
      await bridge.run('ip', ['link', 'set', m.port, 'up']);
      await m.run('ip', ['addr', 'add', m.cidr, 'dev', 'eth0']);
      await m.run('ip', ['link', 'set', 'eth0', 'up']);
    }
    for (const ns of [bridge, ...all]) {
      const def = await ns.run('ip', ['route', 'show', 'default']);
      if (def.trim() !== '') throw new Error(`namespace ${ns.name} unexpectedly has a default route: ${def.trim()}`);
    }
  } catch (e) {
    await destroy();
    throw e;
  }
  const port = (i: number): string => {
    const m = nodes[i];
    if (!m) throw new RangeError(`no node ${i} (have ${nodes.length})`);
    return m.port;
  };
  return {
    bridge,
    nodes,
    laptop,
    addresses: addrs,
    cut: async (i) => { await bridge.run('ip', ['link', 'set', port(i), 'down']); },
    restore: async (i) => { await bridge.run('ip', ['link', 'set', port(i), 'up']); },
    destroy,
  };
}
