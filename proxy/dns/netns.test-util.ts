/**
 * Helper process for netns.real.test.ts, run inside a test namespace with
 * `nsenter --net=... node --import tsx netns.test-util.ts <mode> ...`:
 * - `serve <host> <port>`: the DNS handler over a fixed snapshot (the
 *   Service shop/storefront at 10.96.5.5), prints `ready`;
 * - `query <server> <port> <name> <udp|tcp>`: one A query, prints the
 *   reply as JSON `{ rcode, answers }` (or `{ error }`).
 */
import dgram from 'node:dgram';
import net from 'node:net';
import dnsPacket, { type DecodedPacket } from 'dns-packet';
import type { Logger } from '../../apiserver/api/log.ts';
import { handleMessage } from './handler.ts';
import { serveDNS } from './server.ts';
import { buildDNSIndex } from './snapshot.ts';

const [mode = '', a = '', b = '', c = '', d = ''] = process.argv.slice(2);
const silent: Logger = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {}, child: () => silent } as unknown as Logger;

async function serve(host: string, port: number): Promise<void> {
  const index = buildDNSIndex([{ metadata: { namespace: 'shop', name: 'storefront' }, spec: { clusterIP: '10.96.5.5', ports: [{ name: 'http', port: 80 }] } }], [], Date.now());
  await serveDNS({
    host, port, log: silent,
    handle: (msg, client) => handleMessage(msg, client, {
      index: () => index, config: { zone: 'cluster.local', ttl: 5, nameserverIP: '10.96.0.10' },
      forward: async () => undefined, allowed: () => true,
    }),
  });
  console.log('ready');
}

function query(server: string, port: number, name: string, transport: string): Promise<DecodedPacket> {
  const q = { type: 'query' as const, id: 77, flags: dnsPacket.RECURSION_DESIRED, questions: [{ name, type: 'A' as const, class: 'IN' as const }] };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('timeout')), 3000);
    if (transport === 'udp') {
      const s = dgram.createSocket('udp4');
      s.on('error', reject);
      s.on('message', (m) => { clearTimeout(timer); s.close(); resolve(dnsPacket.decode(m)); });
      s.send(dnsPacket.encode(q), port, server);
      return;
    }
    const s = net.connect({ host: server, port }, () => s.write(dnsPacket.streamEncode(q)));
    let buf = Buffer.alloc(0);
    s.on('error', (e) => { clearTimeout(timer); reject(e); });
    s.on('data', (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) { clearTimeout(timer); s.destroy(); resolve(dnsPacket.decode(buf.subarray(2, 2 + buf.readUInt16BE(0)))); }
    });
  });
}

if (mode === 'serve') await serve(a, Number(b));
else if (mode === 'query') {
  try {
    const r = await query(a, Number(b), c, d);
    console.log(JSON.stringify({ rcode: (r as DecodedPacket & { rcode: string }).rcode, answers: (r.answers ?? []).map((x) => ('data' in x ? x.data : null)) }));
  } catch (e) {
    console.log(JSON.stringify({ error: e instanceof Error ? e.message : String(e) }));
  }
  process.exit(0);
}
