/**
 * Forwarding of names outside the cluster zone to the upstream resolvers
 * the caller picked for the name (config.ts pickUpstreams: a stub domain's
 * servers, the ConfigMap's upstreamNameservers, or resolv.conf's from
 * upstreams.ts), through the response cache (cache.ts), keyed by question
 * AND server list: when the configuration sends a name elsewhere, answers
 * from the old servers are not served for it. Each
 * query goes out from a fresh UDP socket (random source port) with a random
 * id, and a reply is accepted only from the upstream asked, with that id and
 * question; a truncated reply is retried over TCP to the same upstream.
 * Upstreams are tried in order, each for `timeoutMs`. Identical questions in
 * flight share one upstream query.
 */
import { randomInt } from 'node:crypto';
import dgram from 'node:dgram';
import net from 'node:net';
import dnsPacket, { type DecodedPacket, type Packet, type Question } from 'dns-packet';
import type { Logger } from '../../apiserver/api/log.ts';
import { cacheKey, type CachedAnswer, type ResponseCache } from './cache.ts';
import { EDNS_UDP_SIZE } from './handler.ts';
import type { Route } from './config.ts';
import type { Upstream } from './upstreams.ts';

/** Options of Forwarder. */
export interface ForwarderOptions {
  cache: ResponseCache;
  /** Per upstream and transport, ms (default 2000). */
  timeoutMs?: number;
  log: Logger;
}

function queryPacket(q: Question): { id: number; bytes: Packet } {
  const id = randomInt(0, 65536);
  return {
    id,
    bytes: {
      type: 'query', id, flags: dnsPacket.RECURSION_DESIRED,
      questions: [{ name: q.name, type: q.type, class: q.class ?? 'IN' }],
      additionals: [{ name: '.', type: 'OPT', udpPayloadSize: EDNS_UDP_SIZE, extendedRcode: 0, ednsVersion: 0, flags: 0, flag_do: false, options: [] }],
    },
  };
}

/** Whether `r` answers query `id` for `q`. */
function matches(r: DecodedPacket, id: number, q: Question): boolean {
  const rq = r.questions?.[0];
  return r.type === 'response' && r.id === id && rq !== undefined && rq.name.toLowerCase() === q.name.toLowerCase() && rq.type === q.type;
}

/** One UDP exchange; resolves the decoded reply or undefined on timeout/error. */
function viaUdp(u: Upstream, q: Question, timeoutMs: number): Promise<DecodedPacket | undefined> {
  const { id, bytes } = queryPacket(q);
  const host = u.host.split('%')[0] ?? u.host;
  const sock = dgram.createSocket(net.isIPv6(host) ? 'udp6' : 'udp4');
  return new Promise((resolve) => {
    const done = (r: DecodedPacket | undefined): void => {
      clearTimeout(timer);
      sock.close();
      resolve(r);
    };
    const timer = setTimeout(() => done(undefined), timeoutMs);
    sock.on('error', () => done(undefined));
    sock.on('message', (msg, rinfo) => {
      if (rinfo.port !== u.port) return;
      try {
        const r = dnsPacket.decode(msg);
        if (matches(r, id, q)) done(r);
      } catch {
        // not a DNS reply: keep waiting
      }
    });
    sock.send(dnsPacket.encode(bytes), u.port, u.host, (err) => {
      if (err) done(undefined);
    });
  });
}

/** One TCP exchange (2-byte length prefix, RFC 1035 4.2.2). */
function viaTcp(u: Upstream, q: Question, timeoutMs: number): Promise<DecodedPacket | undefined> {
  const { id, bytes } = queryPacket(q);
  return new Promise((resolve) => {
    let buf = Buffer.alloc(0);
    const sock = net.connect({ host: u.host, port: u.port });
    const done = (r: DecodedPacket | undefined): void => {
      clearTimeout(timer);
      sock.destroy();
      resolve(r);
    };
    const timer = setTimeout(() => done(undefined), timeoutMs);
    sock.on('error', () => done(undefined));
    sock.on('connect', () => sock.write(dnsPacket.streamEncode(bytes)));
    sock.on('data', (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      if (buf.length < 2) return;
      const len = buf.readUInt16BE(0);
      if (buf.length < 2 + len) return;
      try {
        const r = dnsPacket.decode(buf.subarray(2, 2 + len));
        done(matches(r, id, q) ? r : undefined);
      } catch {
        done(undefined);
      }
    });
    sock.on('end', () => done(undefined));
  });
}

/** The parts of an upstream reply we relay (no OPT: the handler adds its own). */
function relayed(r: DecodedPacket): CachedAnswer {
  const rcode = (r as DecodedPacket & { rcode?: string }).rcode ?? 'SERVFAIL';
  return {
    rcode,
    answers: r.answers ?? [],
    authorities: r.authorities ?? [],
    additionals: (r.additionals ?? []).filter((a) => a.type !== 'OPT'),
  };
}

/** See the file doc. */
export class Forwarder {
  private readonly inflight = new Map<string, Promise<CachedAnswer | undefined>>();
  private readonly timeoutMs: number;

  constructor(private readonly opts: ForwarderOptions) {
    this.timeoutMs = opts.timeoutMs ?? 2000;
  }

  /**
   * The answer to `q` from `route.upstreams`: from the cache (entries of
   * the same question and the same servers only), else from the first
   * upstream that replies (NOERROR/NXDOMAIN are cached; SERVFAIL or REFUSED
   * from one upstream moves on to the next). Resolves undefined when none
   * answers or the route has no servers. Never rejects.
   */
  resolve(q: Question, route: Route): Promise<CachedAnswer | undefined> {
    const servers = route.upstreams.map((u) => `${u.host}#${u.port}`).join(',');
    const key = `${servers}>${cacheKey(q.name, q.type, q.class ?? 'IN')}`;
    const hit = this.opts.cache.get(key);
    if (hit) return Promise.resolve(hit);
    const running = this.inflight.get(key);
    if (running) return running;
    const p = this.ask(q, route.upstreams).then((r) => {
      this.inflight.delete(key);
      if (r) this.opts.cache.put(key, r);
      return r;
    });
    this.inflight.set(key, p);
    return p;
  }

  private async ask(q: Question, upstreams: Upstream[]): Promise<CachedAnswer | undefined> {
    let last: CachedAnswer | undefined;
    for (const u of upstreams) {
      let r = await viaUdp(u, q, this.timeoutMs);
      if (r?.flag_tc) r = await viaTcp(u, q, this.timeoutMs);
      if (!r) {
        this.opts.log.debug('upstream did not answer', { upstream: u.host, name: q.name, type: q.type });
        continue;
      }
      const a = relayed(r);
      if (a.rcode === 'NOERROR' || a.rcode === 'NXDOMAIN') return a;
      last = a;
    }
    return last;
  }
}
