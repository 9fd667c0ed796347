/**
 * Telling the segment that an address moved, without raw sockets (Node has
 * no AF_PACKET and `arping` is not installed on a minimal Debian): after
 * claiming `ip`, the node forgets its neighbour entry for a peer (another
 * node's InternalIP) and sends that peer one UDP datagram (discard port 9)
 * FROM `ip`. The kernel must resolve the peer first and broadcasts an ARP
 * request whose sender is `ip` with this node's MAC (arp_announce 0, the
 * default, takes the sender from the packet's source). Every Linux host
 * that already caches `ip` updates its entry from any ARP packet's sender
 * fields (net/ipv4/arp.c arp_process, the path gratuitous ARP relies on)
 * when the entry is older than `locktime` (1 s). Measured in a namespace
 * test: a laptop following a moved address took 32 s without this (its
 * stale entry had to expire: reachable time, DELAY, failed unicast probes)
 * and under 1 s with it. Best effort: failures are returned, never thrown.
 */
import type { Exec } from '../exec.ts';

/** The datagram sender, run as `node -e` through Exec (so it runs in the node's network namespace). */
const SEND_SCRIPT = 'const [src, dst] = process.argv.slice(1); const s = require("dgram").createSocket("udp4");'
  + ' s.bind({ address: src }, () => s.send("skiff-servicelb", 9, dst, (e) => { s.close(); process.exitCode = e ? 1 : 0; }));';

/** The commands announceAddress runs (pure; for tests). */
export function announceCommands(ip: string, dev: string, peer: string, node = process.execPath): Array<[string, string[]]> {
  return [
    ['ip', ['neigh', 'del', peer, 'dev', dev]],
    [node, ['-e', SEND_SCRIPT, ip, peer]],
  ];
}

/**
 * Makes this node send an ARP request with sender `ip` on `dev` (see file
 * doc) by talking to `peer` from `ip`. Returns an error text, or undefined
 * when the datagram left. A missing neighbour entry is fine.
 */
export async function announceAddress(exec: Exec, ip: string, dev: string, peer: string): Promise<string | undefined> {
  const [del, send] = announceCommands(ip, dev, peer);
  await exec(del[0], del[1]);
  const r = await exec(send[0], send[1]);
  return r.exitCode === 0 ? undefined : `announcing ${ip} via ${peer}: ${r.stderr.trim() || `exit ${r.exitCode}`}`;
}
