/**
 * The cluster DNS server for real on a loopback port: Services and
 * EndpointSlices go in through a FakeClient's informers, queries go out as
 * dns-packet datagrams and TCP messages, and an upstream (a second server
 * on loopback) answers the names outside the zone, once (then the cache).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import net from 'node:net';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import dnsPacket, { type Answer, type DecodedPacket, type Packet } from 'dns-packet';
import type { Service } from 'kubernetes-types/core/v1';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1';
import { FakeClient } from '../../apiserver/testing/fake-client.ts';
import { createInformerFactory } from '../../apiserver/client/informer.ts';
import { EndpointSlices, Namespaces, Services } from '../../apiserver/client/resources.ts';
import { quietLogger } from '../../testutil/real-api.ts';
import { waitFor } from '../../testutil/wait.ts';
import { runClusterDNS } from './run.ts';
import { serveDNS } from './server.ts';

type Reply = DecodedPacket & { rcode: string };

function udpQuery(port: number, name: string, type: string, opts: { edns?: boolean; host?: string } = {}): Promise<Reply> {
  const sock = dgram.createSocket('udp4');
  const q: Packet = {
    type: 'query', id: 4242, flags: dnsPacket.RECURSION_DESIRED, questions: [{ name, type: type as 'A', class: 'IN' }],
    additionals: opts.edns ? [{ name: '.', type: 'OPT', udpPayloadSize: 4096, extendedRcode: 0, ednsVersion: 0, flags: 0, flag_do: false, options: [] }] : [],
  };
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => { sock.close(); reject(new Error(`no UDP reply for ${name}`)); }, 5000);
    sock.on('message', (msg) => { clearTimeout(t); sock.close(); resolve(dnsPacket.decode(msg) as Reply); });
    sock.send(dnsPacket.encode(q), port, opts.host ?? '127.0.0.3');
  });
}

function tcpQuery(port: number, names: string[]): Promise<Reply[]> {
  return new Promise((resolve, reject) => {
    const out: Reply[] = [];
    let buf = Buffer.alloc(0);
    const sock = net.connect({ host: '127.0.0.3', port }, () => {
      names.forEach((name, i) => sock.write(dnsPacket.streamEncode({ type: 'query', id: i + 1, questions: [{ name, type: 'A', class: 'IN' }] })));
    });
    const t = setTimeout(() => { sock.destroy(); reject(new Error('no TCP reply')); }, 5000);
    sock.on('data', (c) => {
      buf = Buffer.concat([buf, c]);
      while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        const len = buf.readUInt16BE(0);
        out.push(dnsPacket.decode(buf.subarray(2, 2 + len)) as Reply);
        buf = buf.subarray(2 + len);
      }
      if (out.length === names.length) { clearTimeout(t); sock.destroy(); resolve(out); }
    });
    sock.on('error', reject);
  });
}

const data = (answers: Answer[] | undefined, type = 'A'): unknown[] => (answers ?? []).filter((a) => a.type === type).map((a) => ('data' in a ? a.data : undefined));

test('cluster DNS on a loopback port: cluster names, headless, truncation to TCP, NXDOMAIN with SOA, forwarding with a cache', async (t) => {
  const log = quietLogger('dns');
  const dir = await mkdtemp(join(tmpdir(), 'skiff-dns-'));
  const ac = new AbortController();
  t.after(async () => { ac.abort(); await rm(dir, { recursive: true, force: true }); });

  // An upstream on loopback: answers example.test, NXDOMAIN for the rest; counts queries.
  let upstreamQueries = 0;
  const upstream = await serveDNS({
    host: '127.0.0.1', port: 0, log,
    handle: async (msg) => {
      upstreamQueries++;
      const q = dnsPacket.decode(msg);
      const name = q.questions?.[0]?.name ?? '';
      const found = name === 'example.test';
      return dnsPacket.encode({
        type: 'response', id: q.id, flags: found ? 0 : 3, questions: q.questions,
        answers: found ? [{ name, type: 'A', class: 'IN', ttl: 60, data: '192.0.2.80' }] : [],
        authorities: found ? [] : [{ name: 'test', type: 'SOA', class: 'IN', ttl: 60, data: { mname: 'ns.test', rname: 'h.test', serial: 1, refresh: 1, retry: 1, expire: 1, minimum: 60 } }],
      });
    },
  });
  t.after(() => upstream.close());
  const resolvConf = join(dir, 'resolv.conf');
  // The server binds 127.0.0.3: that address and the kube-dns IP 127.0.0.2 are "this server" and must be
  // skipped (no forwarding loop); the upstream listens on 127.0.0.1.
  await writeFile(resolvConf, 'nameserver 127.0.0.3\nnameserver 127.0.0.2\nnameserver 127.0.0.1\n');

  const client = new FakeClient();
  const factory = createInformerFactory(client, log);
  const services = factory.for<Service>(Services);
  const slices = factory.for<EndpointSlice>(EndpointSlices, { labelSelector: 'kubernetes.io/service-name' });
  await client.create(Namespaces, { metadata: { name: 'shop' } });
  await client.create(Services, { metadata: { name: 'storefront', namespace: 'shop' }, spec: { clusterIP: '10.96.5.5', ports: [{ name: 'http', port: 80 }] } } as Service, 'shop');
  await client.create(Services, { metadata: { name: 'db', namespace: 'shop' }, spec: { clusterIP: 'None', ports: [{ name: 'pg', port: 5432 }] } } as Service, 'shop');
  const many = Array.from({ length: 60 }, (_, i) => ({ addresses: [`10.244.${1 + (i % 2)}.${10 + i}`], conditions: { ready: true } }));
  await client.create(EndpointSlices, {
    metadata: { name: 'db-1', namespace: 'shop', labels: { 'kubernetes.io/service-name': 'db' } }, addressType: 'IPv4', ports: [], endpoints: many,
  } as EndpointSlice, 'shop');
  factory.start(ac.signal);
  await factory.synced();

  let port = 0;
  const running = runClusterDNS({
    services, slices, nodeName: 'n1', host: '127.0.0.3', port: 0, clusterDomain: 'cluster.local', clusterDNS: '127.0.0.2',
    clientCIDRs: ['10.244.0.0/16'], resolvConfPath: resolvConf, upstreamPort: upstream.port, upstreamTimeoutMs: 1000, log, onListening: (p) => { port = p; },
  }, ac.signal);
  await waitFor(() => port !== 0, 5000, 'the DNS server to listen');

  const a = await udpQuery(port, 'storefront.shop.svc.cluster.local', 'A');
  assert.equal(a.id, 4242);
  assert.equal(a.rcode, 'NOERROR');
  assert.ok(a.flag_aa && a.flag_ra);
  assert.deepEqual(data(a.answers), ['10.96.5.5']);
  assert.equal(a.answers?.[0]?.type === 'A' && a.answers[0].ttl, 5);

  const srv = await udpQuery(port, '_http._tcp.storefront.shop.svc.cluster.local', 'SRV');
  assert.deepEqual(data(srv.answers, 'SRV'), [{ priority: 0, weight: 100, port: 80, target: 'storefront.shop.svc.cluster.local' }]);

  const nx = await udpQuery(port, 'nosuch.shop.svc.cluster.local', 'A');
  assert.equal(nx.rcode, 'NXDOMAIN');
  assert.equal(nx.authorities?.[0]?.type, 'SOA');
  assert.equal(nx.authorities?.[0]?.name, 'cluster.local');

  // 60 A records do not fit in 512 bytes: TC over UDP, the whole answer over TCP.
  const big = await udpQuery(port, 'db.shop.svc.cluster.local', 'A');
  assert.ok(big.flag_tc, 'truncated over UDP');
  assert.equal(big.answers?.length ?? 0, 0);
  const [full] = await tcpQuery(port, ['db.shop.svc.cluster.local']);
  assert.equal(data(full?.answers).length, 60);
  // Several messages on one TCP connection are answered in order.
  const pipelined = await tcpQuery(port, ['storefront.shop.svc.cluster.local', 'nosuch.shop.svc.cluster.local']);
  assert.deepEqual(pipelined.map((r) => [r.id, r.rcode]), [[1, 'NOERROR'], [2, 'NXDOMAIN']]);

  // A change in the cache shows in the next answer.
  await client.create(Services, { metadata: { name: 'late', namespace: 'shop' }, spec: { clusterIP: '10.96.6.6', ports: [{ port: 80 }] } } as Service, 'shop');
  await waitFor(async () => data((await udpQuery(port, 'late.shop.svc.cluster.local', 'A')).answers)[0] === '10.96.6.6', 5000, 'the new Service to resolve');

  // Outside the zone: forwarded to the upstream once, then served from the cache.
  const fwd = await udpQuery(port, 'example.test', 'A', { edns: true });
  assert.deepEqual(data(fwd.answers), ['192.0.2.80']);
  assert.equal(fwd.flag_aa, false);
  const before = upstreamQueries;
  const again = await udpQuery(port, 'example.test', 'A');
  assert.deepEqual(data(again.answers), ['192.0.2.80']);
  assert.equal(upstreamQueries, before, 'the second answer came from the cache');
  const upNx = await udpQuery(port, 'nosuch.test', 'A');
  assert.equal(upNx.rcode, 'NXDOMAIN');

  ac.abort();
  await running;
});
