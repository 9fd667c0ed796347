/**
 * UDP conntrack cleanup, as kube-proxy's pkg/proxy/conntrack (CleanStaleEntries
 * with the conntrack CLI of pkg/util/conntrack). UDP has no connection end, so
 * a flow DNATed to an endpoint that is gone keeps going there, and a flow
 * that hit a VIP while it had no endpoints stays un-NATed, until its
 * conntrack entry is deleted. Decide (pure) then act (`conntrack -D`).
 */
import type { Logger } from '../apiserver/api/log.ts';
import type { Exec } from './exec.ts';
import type { ServicePortInfo } from './model.ts';

/** One `conntrack -D` filter: all flags are ANDed; protocol is always udp. */
export interface ConntrackFlush {
  /** --orig-dst: the VIP (cluster IP or external IP) the client sent to. */
  origDst?: string;
  /** --dport: the original destination port (node ports). */
  dport?: number;
  /** --dst-nat: the endpoint IP the flow was DNATed to. */
  dstNat?: string;
}

/** The VIPs of a service port that clients address: the cluster IP, external IPs and LoadBalancer ingress IPs. */
function vips(sp: ServicePortInfo): string[] {
  return [sp.clusterIP, ...sp.externalIPs, ...sp.loadBalancerIPs];
}

/** Endpoint IPs a service port's rules DNAT to (cluster and local policy). */
function reachable(sp: ServicePortInfo): Set<string> {
  const out = new Set<string>();
  for (const e of sp.clusterEndpoints) out.add(`${e.ip}:${e.port}`);
  for (const e of sp.localEndpoints) out.add(`${e.ip}:${e.port}`);
  return out;
}

const key = (sp: ServicePortInfo): string => `${sp.name}/${sp.protocol}`;

/**
 * The conntrack entries to delete after moving the rules from `prev` to
 * `next` (UDP only), as kube-proxy: for every endpoint a UDP service port no
 * longer uses, flows to each of its VIPs DNATed to that endpoint
 * (ClearEntriesForNAT) and flows to its node port DNATed there
 * (ClearEntriesForPortNAT); for every UDP service port that goes from no
 * endpoint to some, all flows to its VIPs (ClearEntriesForIP) and node port
 * (ClearEntriesForPort), which were rejected un-NATed; for a UDP service
 * port that is gone, all flows to its cluster IP. Deduplicated, sorted. Pure.
 */
export function staleConntrackFlows(prev: readonly ServicePortInfo[], next: readonly ServicePortInfo[]): ConntrackFlush[] {
  const nextByKey = new Map(next.map((sp) => [key(sp), sp]));
  const prevByKey = new Map(prev.map((sp) => [key(sp), sp]));
  const out = new Map<string, ConntrackFlush>();
  const add = (f: ConntrackFlush): void => { out.set(JSON.stringify([f.origDst, f.dport, f.dstNat]), f); };
  for (const old of prev) {
    if (old.protocol !== 'udp') continue;
    const cur = nextByKey.get(key(old));
    if (!cur) { add({ origDst: old.clusterIP }); continue; }
    const now = reachable(cur);
    const gone = new Set([...reachable(old)].filter((ep) => !now.has(ep)).map((ep) => ep.slice(0, ep.lastIndexOf(':'))));
    for (const ip of gone) {
      for (const vip of vips(old)) add({ origDst: vip, dstNat: ip });
      if (old.nodePort !== undefined) add({ dport: old.nodePort, dstNat: ip });
    }
  }
  for (const cur of next) {
    if (cur.protocol !== 'udp' || reachable(cur).size === 0) continue;
    const old = prevByKey.get(key(cur));
    if (old && reachable(old).size > 0) continue;
    for (const vip of vips(cur)) add({ origDst: vip });
    if (cur.nodePort !== undefined) add({ dport: cur.nodePort });
  }
  return [...out.values()].sort((a, b) => flushArgs(a).join(' ').localeCompare(flushArgs(b).join(' ')));
}

/** The `conntrack` arguments of one flush: `-D -p udp [--orig-dst IP] [--dport N] [--dst-nat IP]`. */
export function flushArgs(f: ConntrackFlush): string[] {
  const args = ['-D', '-p', 'udp'];
  if (f.origDst !== undefined) args.push('--orig-dst', f.origDst);
  if (f.dport !== undefined) args.push('--dport', String(f.dport));
  if (f.dstNat !== undefined) args.push('--dst-nat', f.dstNat);
  return args;
}

/**
 * Runs `conntrack -D` for each flush. "0 flow entries have been deleted"
 * (exit 1) is success, as kube-proxy treats it. Never throws: failures (and
 * a missing conntrack binary) are logged and counted, since stale UDP flows
 * are not worth failing a sync for. Returns the number of failed flushes.
 */
export async function flushConntrack(exec: Exec, flushes: readonly ConntrackFlush[], log: Logger): Promise<number> {
  let failed = 0;
  for (const f of flushes) {
    const args = flushArgs(f);
    try {
      const r = await exec('conntrack', args);
      if (r.exitCode === 0 || /0 flow entries have been deleted/.test(r.stderr)) continue;
      failed++;
      log.warn('conntrack flush failed', { args: args.join(' '), exitCode: r.exitCode, stderr: r.stderr.trim() });
    } catch (err) {
      failed++;
      log.warn('conntrack could not run', { args: args.join(' '), err });
    }
  }
  return failed;
}
