/** handleMessage without sockets: header checks, REFUSED, SERVFAIL, EDNS, truncation, ExternalName chasing. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import dnsPacket, { type DecodedPacket, type Packet, type Question } from 'dns-packet';
import type { Service } from 'kubernetes-types/core/v1';
import type { CachedAnswer } from './cache.ts';
import { clientAllowed } from './clients.ts';
import { encodeWithin, handleMessage, udpLimit, type HandlerDeps } from './handler.ts';
import { buildDNSIndex } from './snapshot.ts';

type Reply = DecodedPacket & { rcode: string };
const services: Service[] = [
  { metadata: { namespace: 'shop', name: 'web' }, spec: { clusterIP: '10.96.1.1', ports: [{ port: 80 }] } },
  { metadata: { namespace: 'shop', name: 'ext' }, spec: { type: 'ExternalName', externalName: 'example.test' } },
];
const asked: Question[] = [];
const deps = (forward: (q: Question) => Promise<CachedAnswer | undefined>): HandlerDeps => ({
  index: () => buildDNSIndex(services, [], 0),
  config: { zone: 'cluster.local', ttl: 5, nameserverIP: '10.96.0.10' },
  forward: (q) => { asked.push(q); return forward(q); },
  allowed: (ip) => clientAllowed(ip, { cidrs: ['10.244.0.0/16'], nodeIPs: new Set() }),
});
const upstream = async (q: Question): Promise<CachedAnswer> => ({ rcode: 'NOERROR', answers: [{ name: q.name, type: 'A', class: 'IN', ttl: 30, data: '192.0.2.1' }], authorities: [], additionals: [] });
const pod = { address: '10.244.1.5', tcp: false };
const query = (name: string, extra: Partial<Packet> = {}): Buffer => dnsPacket.encode({ type: 'query', id: 7, flags: dnsPacket.RECURSION_DESIRED, questions: [{ name, type: 'A', class: 'IN' }], ...extra });
const decode = (b: Buffer | undefined): Reply => dnsPacket.decode(b ?? Buffer.alloc(0)) as Reply;

test('a client outside the cluster is REFUSED without a lookup', async () => {
  asked.length = 0;
  const r = decode(await handleMessage(query('example.test'), { address: '192.168.1.50', tcp: false }, deps(upstream)));
  assert.equal(r.rcode, 'REFUSED');
  assert.equal(asked.length, 0);
});

test('an unanswered forward is SERVFAIL; a throwing forwarder too', async () => {
  assert.equal(decode(await handleMessage(query('example.test'), pod, deps(async () => undefined))).rcode, 'SERVFAIL');
  assert.equal(decode(await handleMessage(query('example.test'), pod, deps(async () => { throw new Error('boom'); }))).rcode, 'SERVFAIL');
});

test('garbage gets FORMERR with its id, a response or a too-short message gets nothing, two questions FORMERR', async () => {
  const junk = Buffer.from([0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 0xff]);
  const r = decode(await handleMessage(junk, pod, deps(upstream)));
  assert.equal(r.id, 0x1234);
  assert.equal(r.rcode, 'FORMERR');
  assert.equal(await handleMessage(Buffer.from([1, 2, 3]), pod, deps(upstream)), undefined);
  assert.equal(await handleMessage(dnsPacket.encode({ type: 'response', id: 1, questions: [] }), pod, deps(upstream)), undefined);
  const two = dnsPacket.encode({ type: 'query', id: 9, questions: [{ name: 'a.test', type: 'A' }, { name: 'b.test', type: 'A' }] });
  assert.equal(decode(await handleMessage(two, pod, deps(upstream))).rcode, 'FORMERR');
});

test('EDNS: the reply carries our OPT only when the query had one; the UDP limit follows the client within 512..1232', async () => {
  const opt = (size: number) => ({ name: '.', type: 'OPT' as const, udpPayloadSize: size, extendedRcode: 0, ednsVersion: 0, flags: 0, flag_do: false, options: [] });
  const withOpt = decode(await handleMessage(query('web.shop.svc.cluster.local', { additionals: [opt(4096)] }), pod, deps(upstream)));
  assert.equal(withOpt.additionals?.filter((a) => a.type === 'OPT').length, 1);
  const without = decode(await handleMessage(query('web.shop.svc.cluster.local'), pod, deps(upstream)));
  assert.equal(without.additionals?.length, 0);
  assert.equal(udpLimit({ additionals: [] }), 512);
  assert.equal(udpLimit({ additionals: [opt(4096)] }), 1232);
  assert.equal(udpLimit({ additionals: [opt(100)] }), 512);
});

test('encodeWithin truncates to header + question with TC set', () => {
  const answers = Array.from({ length: 50 }, (_, i) => ({ name: 'x.test', type: 'A' as const, class: 'IN' as const, ttl: 5, data: `192.0.2.${i}` }));
  const p: Packet = { type: 'response', id: 3, questions: [{ name: 'x.test', type: 'A' }], answers };
  const small = decode(encodeWithin(p, 512));
  assert.ok(small.flag_tc);
  assert.deepEqual([small.answers?.length, small.questions?.length], [0, 1]);
  assert.equal(decode(encodeWithin(p, 65535)).answers?.length, 50);
});

test('an ExternalName answer is the CNAME plus the upstream records of its target', async () => {
  asked.length = 0;
  const r = decode(await handleMessage(query('ext.shop.svc.cluster.local'), pod, deps(upstream)));
  assert.deepEqual(r.answers?.map((a) => [a.type, 'data' in a ? a.data : '']), [['CNAME', 'example.test'], ['A', '192.0.2.1']]);
  assert.deepEqual(asked.map((q) => q.name), ['example.test']);
  assert.ok(r.flag_aa);
});
