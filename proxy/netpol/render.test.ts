import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ipSetName, policyChainName, renderNetpol, renderNetpolCleanup } from './render.ts';
import type { NetpolModel, PeerMatch } from './model.ts';

test('golden: no policies → the table with empty isolation sets and pass-through base chains', () => {
  assert.equal(renderNetpol({ ingress: [], egress: [] }), [
    'add table inet skiff-netpol',
    'delete table inet skiff-netpol',
    'table inet skiff-netpol {',
    '  set ingress-isolated { type ipv4_addr; }',
    '  set egress-isolated { type ipv4_addr; }',
    '  chain ingress {',
    '    type filter hook forward priority 0; policy accept;',
    '    ct state established,related accept',
    '    ip daddr @ingress-isolated drop comment "ingress not allowed by any policy"',
    '  }',
    '  chain egress {',
    '    type filter hook forward priority 0; policy accept;',
    '    ct state established,related accept',
    '    ip saddr @egress-isolated drop comment "egress not allowed by any policy"',
    '  }',
    '}',
    '',
  ].join('\n'));
});

const model: NetpolModel = {
  ingress: [
    { policy: 'shop/deny', direction: 'ingress', targets: ['10.244.1.5', '10.244.1.10'], rules: [] },
    { policy: 'shop/web', direction: 'ingress', targets: ['10.244.1.5'], rules: [
      { rule: 0, peer: { kind: 'pods', ips: ['10.244.2.9'] }, port: { kind: 'any' } },
      { rule: 1, peer: { kind: 'pods', ips: ['10.244.2.9', '10.244.2.10'] }, port: { kind: 'port', protocol: 'tcp', port: 80, endPort: 90 } },
      { rule: 1, peer: { kind: 'block', cidr: '192.168.0.0/16', except: ['192.168.1.0/24', '192.168.2.0/24'] }, port: { kind: 'port', protocol: 'tcp', port: 8080, to: ['10.244.1.5'] } },
      { rule: 2, peer: { kind: 'block', cidr: '2001:db8::/32', except: [] }, port: { kind: 'port', protocol: 'sctp' } },
    ] },
  ],
  egress: [
    { policy: 'shop/client', direction: 'egress', targets: ['10.244.1.7'], rules: [
      { rule: 0, peer: { kind: 'pods', ips: ['10.244.1.5'] }, port: { kind: 'port', protocol: 'udp', port: 53 } },
    ] },
  ],
};

test('golden: default deny, pod peers, port range, ipBlock with except and a named port, IPv6 block, egress', () => {
  assert.equal(renderNetpol(model), [
    'add table inet skiff-netpol',
    'delete table inet skiff-netpol',
    'table inet skiff-netpol {',
    '  set ingress-isolated { type ipv4_addr; elements = { 10.244.1.5, 10.244.1.10 }; }',
    '  set ing-f8deabf03541e544-pods { type ipv4_addr; elements = { 10.244.1.5, 10.244.1.10 }; }',
    '  set ing-7797490f2d4bbc43-pods { type ipv4_addr; elements = { 10.244.1.5 }; }',
    '  set egress-isolated { type ipv4_addr; elements = { 10.244.1.7 }; }',
    '  set egr-df7a19791bb1aebd-pods { type ipv4_addr; elements = { 10.244.1.7 }; }',
    '  set ips-8f42775e5c580944 { type ipv4_addr; elements = { 10.244.2.9, 10.244.2.10 }; }',
    '  chain ingress {',
    '    type filter hook forward priority 0; policy accept;',
    '    ct state established,related accept',
    '    ip daddr @ing-f8deabf03541e544-pods jump ing-f8deabf03541e544 comment "shop/deny"',
    '    ip daddr @ing-7797490f2d4bbc43-pods jump ing-7797490f2d4bbc43 comment "shop/web"',
    '    ip daddr @ingress-isolated drop comment "ingress not allowed by any policy"',
    '  }',
    '  chain egress {',
    '    type filter hook forward priority 0; policy accept;',
    '    ct state established,related accept',
    '    ip saddr @egr-df7a19791bb1aebd-pods jump egr-df7a19791bb1aebd comment "shop/client"',
    '    ip saddr @egress-isolated drop comment "egress not allowed by any policy"',
    '  }',
    '  chain ing-f8deabf03541e544 {',
    '  }',
    '  chain ing-7797490f2d4bbc43 {',
    '    ip saddr 10.244.2.9 accept comment "shop/web ingress[0]"',
    '    ip saddr @ips-8f42775e5c580944 meta l4proto tcp th dport 80-90 accept comment "shop/web ingress[1]"',
    '    ip saddr 192.168.0.0/16 ip saddr != { 192.168.1.0/24, 192.168.2.0/24 } ip daddr 10.244.1.5 meta l4proto tcp th dport 8080 accept comment "shop/web ingress[1]"',
    '    ip6 saddr 2001:db8::/32 meta l4proto sctp accept comment "shop/web ingress[2]"',
    '  }',
    '  chain egr-df7a19791bb1aebd {',
    '    ip daddr 10.244.1.5 meta l4proto udp th dport 53 accept comment "shop/client egress[0]"',
    '  }',
    '}',
    '',
  ].join('\n'));
});

test('chain names: deterministic, per direction and policy, valid nft identifiers', () => {
  assert.equal(policyChainName('ingress', 'shop/web'), policyChainName('ingress', 'shop/web'));
  assert.notEqual(policyChainName('ingress', 'shop/web'), policyChainName('egress', 'shop/web'));
  assert.notEqual(policyChainName('ingress', 'shop/web'), policyChainName('ingress', 'shop/web2'));
  assert.match(policyChainName('egress', `ns/${'x'.repeat(253)}`), /^egr-[0-9a-f]{16}$/);
});

test('comments drop quotes and stay within nft\'s 128 bytes', () => {
  const long = `ns/${'p'.repeat(250)}`;
  const text = renderNetpol({ ingress: [{ policy: long, direction: 'ingress', targets: ['10.0.0.1'], rules: [] }], egress: [] });
  const jump = text.split('\n').find((l) => l.includes(' jump '));
  assert.ok(jump);
  assert.equal(/comment "([^"]*)"/.exec(jump)?.[1]?.length, 120);
});

test('pod-IP lists shared by rules of several policies become one named set', () => {
  const peers: PeerMatch & { kind: 'pods' } = { kind: 'pods', ips: ['10.0.0.1', '10.0.0.2'] };
  const text = renderNetpol({
    ingress: ['a', 'b'].map((n) => ({ policy: `ns/${n}`, direction: 'ingress' as const, targets: ['10.0.0.9'], rules: [{ rule: 0, peer: peers, port: { kind: 'any' as const } }] })),
    egress: [{ policy: 'ns/c', direction: 'egress', targets: ['10.0.0.9'], rules: [{ rule: 0, peer: { kind: 'any' }, port: { kind: 'port', protocol: 'tcp', port: 80, to: [...peers.ips] } }] }],
  });
  const name = ipSetName(peers.ips);
  assert.equal(text.split('\n').filter((l) => l.startsWith(`  set ${name} `)).length, 1);
  assert.equal(text.split(`ip saddr @${name} accept`).length - 1, 2);
  assert.match(text, new RegExp(`ip daddr @${name} meta l4proto tcp th dport 80 accept`));
});

test('cleanup payload removes the table and tolerates its absence', () => {
  assert.equal(renderNetpolCleanup(), 'add table inet skiff-netpol\ndelete table inet skiff-netpol\n');
});
