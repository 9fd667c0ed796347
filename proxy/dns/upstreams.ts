/**
 * Which resolvers the cluster DNS server forwards other names to: the
 * `nameserver` lines of the node's /etc/resolv.conf, minus any address the
 * server itself answers on (its listen addresses and the kube-dns Service
 * IP), which would be a forwarding loop. A loopback stub such as
 * systemd-resolved's 127.0.0.53 is NOT a loop: the server runs in the node's
 * network namespace, so it reaches the stub, and the stub reaches the LAN
 * resolvers (CoreDNS's loop plugin would stop there; NodeLocal DNSCache
 * does the same as Skiff). Pure.
 */
import { isIP } from 'node:net';
import { canonicalIP } from './snapshot.ts';

/** One upstream resolver. */
export interface Upstream {
  host: string;
  /** 53 */
  port: number;
}

/**
 * Parses resolv.conf text into upstreams (port 53), in file order, without
 * duplicates or the addresses in `self`. A nameserver with a zone
 * (`fe80::1%eth0`) keeps it. Never throws; no nameserver → [].
 */
export function upstreamsFromResolvConf(text: string, self: Iterable<string>): Upstream[] {
  const own = new Set([...self].map(canonicalIP));
  const out: Upstream[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/[#;].*$/, '').trim();
    const [key, addr] = line.split(/\s+/);
    if (key !== 'nameserver' || !addr) continue;
    const bare = addr.split('%')[0] ?? '';
    if (isIP(bare) === 0 || own.has(canonicalIP(bare))) continue;
    if (out.some((u) => u.host === addr)) continue;
    out.push({ host: addr, port: 53 });
  }
  return out;
}
