/**
 * The node side of ServiceLB, the acting half: read the node's IPv4
 * addresses and add or delete the LoadBalancer /32s (`metric 250`, see
 * decide.ts) with `ip`, through the proxy's injected Exec (so tests run it
 * inside a network namespace).
 */
import { mustExec, type Exec } from '../exec.ts';
import { ADDRESS_METRIC, isOwned, type AddressPlan, type IfAddress } from './decide.ts';

/** One interface of `ip -j addr show` (the fields we read). */
interface IpJsonLink {
  ifname?: string;
  addr_info?: Array<{ family?: string; local?: string; prefixlen?: number; metric?: number }>;
}

/** Parses `ip -4 -j addr show` into addresses. Pure; throws on non-JSON input. */
export function parseAddresses(json: string): IfAddress[] {
  const links = JSON.parse(json === '' ? '[]' : json) as IpJsonLink[];
  const out: IfAddress[] = [];
  for (const l of links) {
    for (const a of l.addr_info ?? []) {
      if (a.family !== 'inet' || !a.local || !l.ifname) continue;
      out.push({ dev: l.ifname, ip: a.local, prefixlen: a.prefixlen ?? 32, ...(a.metric !== undefined ? { metric: a.metric } : {}) });
    }
  }
  return out;
}

/** Lists the node's IPv4 addresses. Throws if `ip` fails. */
export async function listAddresses(exec: Exec): Promise<IfAddress[]> {
  const r = await mustExec(exec, 'ip', ['-4', '-j', 'addr', 'show']);
  return parseAddresses(r.stdout.trim());
}

/** The `ip` argument lists that carry out a plan, removals first. Pure. */
export function addressCommands(plan: AddressPlan): string[][] {
  return [
    ...plan.remove.map((a) => ['addr', 'del', `${a.ip}/32`, 'dev', a.dev]),
    ...plan.add.map((a) => ['addr', 'add', `${a.ip}/32`, 'dev', a.dev, 'metric', String(ADDRESS_METRIC)]),
  ];
}

/**
 * Runs every command of the plan, continuing past failures, and returns
 * them as values. An `add` of an address already there (File exists) and a
 * `del` of one already gone (Cannot assign requested address) count as done.
 */
export async function applyAddressPlan(exec: Exec, plan: AddressPlan): Promise<string[]> {
  const errors: string[] = [];
  for (const args of addressCommands(plan)) {
    const r = await exec('ip', args);
    if (r.exitCode === 0) continue;
    if (args[1] === 'add' && /File exists/.test(r.stderr)) continue;
    if (args[1] === 'del' && /Cannot assign requested address/.test(r.stderr)) continue;
    errors.push(`ip ${args.join(' ')}: ${r.stderr.trim()}`);
  }
  return errors;
}

/** Deletes every address we own (a /32 with metric 250) on every interface (`skiff proxy --cleanup`). Idempotent. Throws if listing or a delete fails. */
export async function removeOwnedAddresses(exec: Exec): Promise<void> {
  const owned = (await listAddresses(exec)).filter(isOwned);
  const errors = await applyAddressPlan(exec, { add: [], remove: owned.map((a) => ({ ip: a.ip, dev: a.dev })), skipped: [] });
  if (errors.length > 0) throw new Error(`removing LoadBalancer addresses: ${errors.join('; ')}`);
}
