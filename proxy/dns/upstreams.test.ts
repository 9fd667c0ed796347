/** resolv.conf → upstreams, without the server's own addresses (no forwarding loop); who may query. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clientAllowed } from './clients.ts';
import { upstreamsFromResolvConf } from './upstreams.ts';

test('upstreams: file order, no duplicates, comments, own addresses dropped, the loopback stub kept', () => {
  const text = [
    '# generated', 'search lan', 'nameserver 127.0.0.53', 'nameserver 10.96.0.10', 'nameserver 192.168.1.10 ; self',
    'nameserver 192.168.1.1', 'nameserver 192.168.1.1', 'nameserver fe80::1%eth0', 'nameserver bogus', 'options edns0',
  ].join('\n');
  assert.deepEqual(upstreamsFromResolvConf(text, ['10.96.0.10', '192.168.1.10']), [
    { host: '127.0.0.53', port: 53 }, { host: '192.168.1.1', port: 53 }, { host: 'fe80::1%eth0', port: 53 },
  ]);
  assert.deepEqual(upstreamsFromResolvConf('', []), []);
});

test('clientAllowed: pods, nodes and loopback; not the LAN', () => {
  const policy = { cidrs: ['10.244.0.0/16'], nodeIPs: new Set(['192.168.1.10', '192.168.1.11']) };
  const cases: Array<[string, boolean]> = [
    ['10.244.3.7', true], ['::ffff:10.244.3.7', true], ['127.0.0.1', true], ['::1', true],
    ['192.168.1.11', true], ['192.168.1.50', false], ['10.245.0.1', false], ['fd00::1', false], ['garbage', false],
  ];
  for (const [ip, want] of cases) assert.equal(clientAllowed(ip, policy), want, ip);
});
