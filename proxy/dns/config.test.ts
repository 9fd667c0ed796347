/** The kube-dns ConfigMap → stub domains and upstreams, and which servers a name goes to. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ConfigMap } from 'kubernetes-types/core/v1';
import { applyDNSConfig, DEFAULT_DNS_CONFIG, parseDNSConfig, parseNameserver, pickUpstreams, type DNSConfig } from './config.ts';
import type { Upstream } from './upstreams.ts';

const zone = 'cluster.local';
const cm = (data: Record<string, string>): ConfigMap => ({ metadata: { namespace: 'kube-system', name: 'kube-dns' }, data });
const u = (host: string, port = 53): Upstream => ({ host, port });

test('parseNameserver: ip, ip:port, [v6]:port; nothing else', () => {
  const cases: Array<[string, Upstream | undefined]> = [
    ['192.168.1.1', u('192.168.1.1')], [' 1.2.3.4:5353 ', u('1.2.3.4', 5353)], ['fd00::1', u('fd00::1')], ['[fd00::1]:54', u('fd00::1', 54)],
    ['1.2.3.4:0', undefined], ['1.2.3.4:65536', undefined], ['1.2.3.4:', undefined], ['ns.home.lan', undefined], ['ns.home.lan:53', undefined],
    ['fd00::1:53', u('fd00::1:53')], ['', undefined], ['300.1.1.1', undefined],
  ];
  for (const [text, want] of cases) assert.deepEqual(parseNameserver(text), want, text);
});

test('parseDNSConfig: the docs example, trailing dots and case folded, longest domain first, duplicates merged', () => {
  const p = parseDNSConfig(cm({
    stubDomains: '{"acme.local": ["1.2.3.4:5353"], "Home.LAN.": ["192.168.1.1"], "nas.home.lan": ["192.168.1.2", "192.168.1.2:53"], "home.lan": ["192.168.1.3"]}',
    upstreamNameservers: '["8.8.8.8", "8.8.4.4:53"]',
  }), zone);
  assert.deepEqual(p.warnings, []);
  assert.deepEqual(p.stubDomains, [
    { domain: 'nas.home.lan', servers: [u('192.168.1.2')] },
    { domain: 'acme.local', servers: [u('1.2.3.4', 5353)] },
    { domain: 'home.lan', servers: [u('192.168.1.1'), u('192.168.1.3')] },
  ]);
  assert.deepEqual(p.upstreams, [u('8.8.8.8'), u('8.8.4.4')]);
});

test('parseDNSConfig: each bad key is invalid on its own, with a warning', () => {
  const cases: Array<{ data: Record<string, string>; stub?: 'invalid' | 'ok' | 'absent'; up?: 'invalid' | 'ok' | 'absent'; warning?: RegExp }> = [
    { data: { stubDomains: '{not json' }, stub: 'invalid', up: 'absent', warning: /stubDomains: invalid JSON/ },
    { data: { stubDomains: '["1.2.3.4"]' }, stub: 'invalid', warning: /JSON object/ },
    { data: { stubDomains: '{"home.lan": "1.2.3.4"}' }, stub: 'invalid', warning: /non-empty list/ },
    { data: { stubDomains: '{"home.lan": []}' }, stub: 'invalid', warning: /non-empty list/ },
    { data: { stubDomains: '{"home.lan": ["ns.example"]}' }, stub: 'invalid', warning: /not an IP/ },
    { data: { stubDomains: '{"home.lan": [53]}' }, stub: 'invalid', warning: /not an IP/ },
    { data: { stubDomains: '{"bad_domain": ["1.2.3.4"]}' }, stub: 'invalid', warning: /not a domain name/ },
    { data: { stubDomains: '{"": ["1.2.3.4"]}' }, stub: 'invalid', warning: /not a domain name/ },
    { data: { upstreamNameservers: '"8.8.8.8"' }, up: 'invalid', stub: 'absent', warning: /upstreamNameservers: want a non-empty list/ },
    { data: { upstreamNameservers: '["1.1.1.1","2.2.2.2","3.3.3.3","4.4.4.4"]' }, up: 'invalid', warning: /at most 3/ },
    { data: { upstreamNameservers: '[' }, up: 'invalid', warning: /upstreamNameservers: invalid JSON/ },
    { data: { stubDomains: '{bad', upstreamNameservers: '["8.8.8.8"]' }, stub: 'invalid', up: 'ok' },
    { data: { stubDomains: '{"home.lan":["1.2.3.4"]}', upstreamNameservers: '["x"]' }, stub: 'ok', up: 'invalid' },
    { data: { stubDomains: '  ', upstreamNameservers: '' }, stub: 'absent', up: 'absent' },
  ];
  const kind = (v: unknown): string => (v === undefined ? 'absent' : v === 'invalid' ? 'invalid' : 'ok');
  for (const c of cases) {
    const p = parseDNSConfig(cm(c.data), zone);
    const label = JSON.stringify(c.data);
    if (c.stub) assert.equal(kind(p.stubDomains), c.stub, `stub ${label}`);
    if (c.up) assert.equal(kind(p.upstreams), c.up, `up ${label}`);
    if (c.warning) assert.ok(p.warnings.some((w) => c.warning?.test(w)), `${label}: ${p.warnings.join(' | ')}`);
    if (kind(p.stubDomains) !== 'invalid' && kind(p.upstreams) !== 'invalid') assert.deepEqual(p.warnings, [], label);
  }
  assert.deepEqual(parseDNSConfig(undefined, zone), { warnings: [] });
  assert.deepEqual(parseDNSConfig({ metadata: { name: 'kube-dns' } }, zone), { warnings: [] });
});

test('parseDNSConfig: a stub domain in the cluster domain is dropped, the rest kept', () => {
  const p = parseDNSConfig(cm({ stubDomains: '{"cluster.local": ["1.2.3.4"], "svc.Cluster.Local.": ["1.2.3.4"], "home.lan": ["192.168.1.1"], "local": ["10.0.0.1"]}' }), zone);
  assert.deepEqual(p.stubDomains, [{ domain: 'home.lan', servers: [u('192.168.1.1')] }, { domain: 'local', servers: [u('10.0.0.1')] }]);
  assert.equal(p.warnings.length, 2);
  assert.ok(p.warnings.every((w) => /never forwarded/.test(w)));
});

test('applyDNSConfig: valid replaces, absent resets, invalid keeps the previous value', () => {
  const prev: DNSConfig = { stubDomains: [{ domain: 'home.lan', servers: [u('192.168.1.1')] }], upstreams: [u('8.8.8.8')] };
  const stub2 = [{ domain: 'acme.local', servers: [u('1.2.3.4')] }];
  assert.deepEqual(applyDNSConfig(prev, { stubDomains: stub2, upstreams: [u('9.9.9.9')], warnings: [] }), { stubDomains: stub2, upstreams: [u('9.9.9.9')] });
  assert.deepEqual(applyDNSConfig(prev, { warnings: [] }), DEFAULT_DNS_CONFIG);
  assert.deepEqual(applyDNSConfig(prev, { stubDomains: 'invalid', upstreams: 'invalid', warnings: ['x'] }), prev);
  assert.deepEqual(applyDNSConfig(prev, { stubDomains: 'invalid', warnings: ['x'] }), { stubDomains: prev.stubDomains });
  assert.deepEqual(applyDNSConfig(DEFAULT_DNS_CONFIG, { stubDomains: 'invalid', upstreams: 'invalid', warnings: [] }), DEFAULT_DNS_CONFIG);
});

test('pickUpstreams: longest suffix, case and trailing dots, label boundaries, cluster names, self removed', () => {
  const p = parseDNSConfig(cm({
    stubDomains: '{"home.lan": ["192.168.1.1"], "nas.home.lan": ["192.168.1.2:5353"], "in-addr.arpa": ["192.168.1.1"], "local": ["10.0.0.1", "10.96.0.10"]}',
    upstreamNameservers: '["8.8.8.8"]',
  }), zone);
  const config = applyDNSConfig(DEFAULT_DNS_CONFIG, p);
  const resolv = [u('192.168.0.254')];
  const self = { ips: ['10.96.0.10'], listen: [u('192.168.1.10', 10053)] };
  const cases: Array<[string, string, string[]]> = [
    ['home.lan', 'stub:home.lan', ['192.168.1.1:53']],
    ['printer.HOME.lan.', 'stub:home.lan', ['192.168.1.1:53']],
    ['nas.home.lan', 'stub:nas.home.lan', ['192.168.1.2:5353']],
    ['disk.NAS.home.lan.', 'stub:nas.home.lan', ['192.168.1.2:5353']],
    ['xhome.lan', 'upstreamNameservers', ['8.8.8.8:53']],
    ['lan', 'upstreamNameservers', ['8.8.8.8:53']],
    ['example.com', 'upstreamNameservers', ['8.8.8.8:53']],
    ['printer.local', 'stub:local', ['10.0.0.1:53']],
    ['web.shop.svc.cluster.local', 'upstreamNameservers', ['8.8.8.8:53']],
    ['cluster.local.', 'upstreamNameservers', ['8.8.8.8:53']],
    ['4.3.2.1.in-addr.arpa', 'stub:in-addr.arpa', ['192.168.1.1:53']],
  ];
  for (const [name, via, servers] of cases) {
    const r = pickUpstreams(name, config, resolv, zone, self);
    assert.deepEqual([r.via, r.upstreams.map((x) => `${x.host}:${x.port}`)], [via, servers], name);
  }
  assert.deepEqual(pickUpstreams('example.com', DEFAULT_DNS_CONFIG, resolv, zone, self), { via: 'resolv.conf', upstreams: resolv });
  // Upstreams that are this server itself are dropped: an empty route is SERVFAIL, never a loop.
  const loop = applyDNSConfig(DEFAULT_DNS_CONFIG, parseDNSConfig(cm({ stubDomains: '{"home.lan": ["192.168.1.10:10053"], "acme.lan": ["10.96.0.10:5353"]}', upstreamNameservers: '["10.96.0.10"]' }), zone));
  assert.deepEqual(pickUpstreams('nas.home.lan', loop, resolv, zone, self).upstreams, []);
  assert.deepEqual(pickUpstreams('www.acme.lan', loop, resolv, zone, self).upstreams, []);
  assert.deepEqual(pickUpstreams('example.com', loop, resolv, zone, self).upstreams, []);
  // The listen address at another port (a host resolver on :53) is another server.
  const host53 = applyDNSConfig(DEFAULT_DNS_CONFIG, parseDNSConfig(cm({ stubDomains: '{"home.lan": ["192.168.1.10"]}' }), zone));
  assert.deepEqual(pickUpstreams('nas.home.lan', host53, resolv, zone, self).upstreams, [u('192.168.1.10')]);
});
