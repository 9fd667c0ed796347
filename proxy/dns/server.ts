/**
 * The DNS server's sockets: one UDP socket and one TCP listener on the same
 * address and port, each message handed to `handle` (handler.ts). TCP
 * carries length-prefixed messages (RFC 1035 4.2.2), several per connection
 * (RFC 7766), answered in order; an idle connection is closed after
 * `tcpIdleMs`. Nothing here knows DNS semantics.
 */
import dgram from 'node:dgram';
import net from 'node:net';
import type { Logger } from '../../apiserver/api/log.ts';
import type { ClientInfo } from './handler.ts';

/** Options of serveDNS. */
export interface DNSServerOptions {
  /** Address to bind (e.g. the node's InternalIP; '127.0.0.1' in tests). */
  host: string;
  /** Port (0 = any free port, the same for UDP and TCP). */
  port: number;
  /** Returns the reply bytes, or undefined to stay silent; must not reject. */
  handle: (msg: Buffer, client: ClientInfo) => Promise<Buffer | undefined>;
  log: Logger;
  /** Close idle TCP connections after this many ms (default 10 000). */
  tcpIdleMs?: number;
  /** Most TCP connections at once (default 200); more are closed at accept. */
  maxTcpConnections?: number;
}

/** A running server. */
export interface DNSServer {
  /** The bound port (UDP and TCP). */
  port: number;
  /** Closes both sockets and every connection; resolves when done. Idempotent. */
  close(): Promise<void>;
}

function serveTcpConnection(sock: net.Socket, o: DNSServerOptions): void {
  let buf = Buffer.alloc(0);
  let chain = Promise.resolve();
  sock.setTimeout(o.tcpIdleMs ?? 10_000, () => sock.destroy());
  sock.on('error', () => sock.destroy());
  sock.on('data', (chunk) => {
    buf = Buffer.concat([buf, chunk]);
    while (buf.length >= 2) {
      const len = buf.readUInt16BE(0);
      if (buf.length < 2 + len) break;
      const msg = buf.subarray(2, 2 + len);
      buf = buf.subarray(2 + len);
      const client: ClientInfo = { address: sock.remoteAddress ?? '', tcp: true };
      chain = chain.then(async () => {
        const out = await o.handle(msg, client);
        if (!out || sock.destroyed) return;
        const framed = Buffer.alloc(2 + out.length);
        framed.writeUInt16BE(out.length, 0);
        out.copy(framed, 2);
        sock.write(framed);
      });
    }
    if (buf.length > 65537) sock.destroy();
  });
}

/**
 * Binds UDP first (port 0 picks one), then TCP on the same port. Rejects
 * when either cannot be bound (EADDRINUSE, EADDRNOTAVAIL, EACCES), closing
 * what was opened.
 */
export async function serveDNS(o: DNSServerOptions): Promise<DNSServer> {
  const udp = dgram.createSocket({ type: net.isIPv6(o.host) ? 'udp6' : 'udp4' });
  await new Promise<void>((resolve, reject) => {
    udp.once('error', reject);
    udp.bind(o.port, o.host, () => {
      udp.off('error', reject);
      resolve();
    });
  });
  const port = udp.address().port;
  udp.on('error', (err) => o.log.warn('dns udp socket error', { err }));
  udp.on('message', (msg, rinfo) => {
    void o.handle(msg, { address: rinfo.address, tcp: false }).then((out) => {
      if (out) udp.send(out, rinfo.port, rinfo.address);
    });
  });

  const conns = new Set<net.Socket>();
  const tcp = net.createServer((sock) => {
    if (conns.size >= (o.maxTcpConnections ?? 200)) {
      sock.destroy();
      return;
    }
    conns.add(sock);
    sock.on('close', () => conns.delete(sock));
    serveTcpConnection(sock, o);
  });
  try {
    await new Promise<void>((resolve, reject) => {
      tcp.once('error', reject);
      tcp.listen(port, o.host, () => {
        tcp.off('error', reject);
        resolve();
      });
    });
  } catch (e) {
    udp.close();
    throw e;
  }
  let closed: Promise<void> | undefined;
  return {
    port,
    close: () => {
      closed ??= new Promise<void>((resolve) => {
        for (const c of conns) c.destroy();
        udp.close();
        tcp.close(() => resolve());
      });
      return closed;
    },
  };
}
