import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger } from '../../apiserver/api/log.ts';
import type { Exec } from '../exec.ts';
import { ep, slice, svc } from '../fixtures.test-util.ts';
import { buildServicePorts } from '../model.ts';
import { RulesetBuilder } from './incremental.ts';
import { cleanupNftables, NftablesBackend } from './nftables.ts';
import { renderDelta } from './render.ts';
import { buildRuleset, emptyRuleset } from './ruleset.ts';

const cfg = { serviceCIDR: '10.96.0.0/12', clusterCIDR: '10.244.0.0/16', nodeName: 'n1' };
const quiet = createLogger('nft-test', { write: () => true } as unknown as NodeJS.WritableStream);

/** A fake nft: records every call; `fail` makes the next apply exit 1. */
function fakeNft(listing = '') {
  const calls: Array<{ args: string[]; input?: string }> = [];
  let fail = false;
  const exec: Exec = async (_file, args, input) => {
    calls.push({ args, input });
    if (args.includes('tables')) return { exitCode: 0, stdout: listing === '' ? '' : 'table ip other\ntable ip skiff\n', stderr: '' };
    if (args.includes('list')) return { exitCode: 0, stdout: listing, stderr: '' };
    if (fail) { fail = false; return { exitCode: 1, stdout: '', stderr: 'Error: boom' }; }
    return { exitCode: 0, stdout: '', stderr: '' };
  };
  return { exec, calls, failNext: () => { fail = true; } };
}

const services = [svc('default', 'web', '10.96.0.10', [{ port: 80 }]), svc('default', 'db', '10.96.0.11', [{ port: 5432 }])];
const webSlice = (ip: string) => slice('default', 'web', 'w', [{ port: 8080 }], [ep(ip)]);
const dbSlice = slice('default', 'db', 'd', [{ port: 5432 }], [ep('10.244.0.9')]);

test('first sync lists the table and applies a full transaction; an unchanged partial sync runs nothing; a change sends only the delta', async () => {
  const nft = fakeNft('table ip skiff {\n\tchain services {\n\t}\n\tchain service-XXXXXXXX-old/svc/tcp/ {\n\t}\n}\ntable ip other {\n\tchain service-YYYYYYYY-x/y/tcp/ {\n\t}\n}\n');
  const b = new NftablesBackend(cfg, quiet, nft.exec);
  const db = dbSlice;
  await b.sync({ services, endpointSlices: [webSlice('10.244.0.5'), db] }, false);
  assert.deepEqual(nft.calls.map((c) => c.args.join(' ')), ['list tables ip', '-t list chains ip', '-t list sets ip', '-f -']);
  const fullText = nft.calls[3]?.input ?? '';
  assert.match(fullText, /^delete chain ip skiff service-XXXXXXXX-old\/svc\/tcp\/$/m, 'a stale chain of ours is deleted');
  assert.ok(!fullText.includes('YYYYYYYY'), 'chains of other tables are not ours');

  nft.calls.length = 0;
  await b.sync({ services, endpointSlices: [webSlice('10.244.0.5'), db] }, false);
  assert.equal(nft.calls.length, 0, 'no change, no command');

  await b.sync({ services, endpointSlices: [webSlice('10.244.0.6'), db] }, false);
  assert.equal(nft.calls.length, 1);
  const delta = nft.calls[0]?.input ?? '';
  assert.match(delta, /^add element ip skiff cluster-tcp-endpoints \{ 10\.96\.0\.10 \. 80 \. 0 : 10\.244\.0\.6 \. 8080 \}$/m);
  assert.ok(!delta.includes('10.244.0.9'), 'the unchanged service is not in the delta');
  assert.ok(!delta.includes('add table'), 'no fixed part in a delta');
});

test('after a failed apply the next sync is a full one that re-reads the table; periodic full syncs use what was applied', async () => {
  const nft = fakeNft();
  const b = new NftablesBackend(cfg, quiet, nft.exec);
  const np = [...services, svc('default', 'np', '10.96.0.12', [{ port: 80, nodePort: 30080 }], { type: 'NodePort' })];
  const npSlice = slice('default', 'np', 'n', [{ port: 8080 }], [ep('10.244.0.7')]);
  await b.sync({ services: np, endpointSlices: [webSlice('10.244.0.5'), npSlice] }, true);
  nft.failNext();
  await assert.rejects(b.sync({ services: np, endpointSlices: [webSlice('10.244.0.6'), npSlice] }, false), /boom/);
  nft.calls.length = 0;
  await b.sync({ services: np, endpointSlices: [webSlice('10.244.0.6'), npSlice] }, true);
  assert.deepEqual(nft.calls.map((c) => c.args.join(' ')), ['list tables ip', '-f -'], 'no table yet: nothing more to read');
  assert.match(nft.calls[1]?.input ?? '', /^add chain ip skiff external-[A-Z0-9]{8}-default\/np\/tcp\/$/m);
  nft.calls.length = 0;
  await b.sync({ services: np, endpointSlices: [webSlice('10.244.0.6'), npSlice] }, true);
  assert.deepEqual(nft.calls.map((c) => c.args.join(' ')), ['-f -'], 'state known: no listing');
  assert.match(nft.calls[0]?.input ?? '', /^flush chain ip skiff external-[A-Z0-9]{8}-default\/np\/tcp\/$/m, 'chains it wrote are flushed, not re-added');
});

test('RulesetBuilder: current() equals buildRuleset over the state; the change renders the same delta as the whole rulesets', () => {
  const b = new RulesetBuilder(cfg);
  // web and db share the endpoint 10.244.0.9: its hairpin pair stays while either uses it.
  const shared = (ip: string) => slice('default', 'web', 'w', [{ port: 8080 }], [ep(ip), ep('10.244.0.9')]);
  const states = [
    { services, endpointSlices: [shared('10.244.0.5'), dbSlice] },
    { services, endpointSlices: [webSlice('10.244.0.5'), dbSlice] }, // web drops 10.244.0.9; db still uses it
    { services, endpointSlices: [shared('10.244.0.6'), dbSlice] },
    { services: [services[0]!], endpointSlices: [shared('10.244.0.6'), dbSlice] },
    { services, endpointSlices: [webSlice('10.244.0.6'), dbSlice] },
    { services, endpointSlices: [] },
  ];
  let prev = emptyRuleset();
  const whole = (st: typeof states[number]) => buildRuleset(buildServicePorts(st.services, st.endpointSlices, { nodeName: cfg.nodeName, iptablesChainNames: false }));
  for (const st of states) {
    const change = b.update(st);
    assert.deepEqual(b.current(), whole(st));
    // Same lines; only the order between Services differs (state order here, sorted names there).
    const lines = (t: string) => t.split('\n').sort();
    assert.deepEqual(lines(renderDelta(change.before, change.after)), lines(renderDelta(prev, whole(st))));
    prev = whole(st);
  }
  assert.equal(b.update(states[states.length - 1]!).services, 0, 'same objects: nothing rebuilt');
});

test('cleanupNftables: one add+delete transaction; a host without nft has nothing to clean; an nft error is thrown', async () => {
  const nft = fakeNft();
  await cleanupNftables(nft.exec);
  assert.deepEqual(nft.calls, [{ args: ['-f', '-'], input: 'add table ip skiff\ndelete table ip skiff\n' }]);
  await cleanupNftables(async () => { throw new Error('nft: could not run: ENOENT'); });
  nft.failNext();
  await assert.rejects(cleanupNftables(nft.exec), /boom/);
});

test('UDP conntrack cleanup after an apply: flows DNATed to a removed endpoint are deleted; none after the first apply or a no-op', async () => {
  const nft = fakeNft();
  const b = new NftablesBackend(cfg, quiet, nft.exec);
  const dns = [svc('kube-system', 'dns', '10.96.0.53', [{ port: 53, protocol: 'UDP' }])];
  const dnsSlice = (ip: string) => slice('kube-system', 'dns', 'd', [{ port: 53, protocol: 'UDP' }], [ep(ip)]);
  await b.sync({ services: dns, endpointSlices: [dnsSlice('10.244.0.5')] }, true);
  assert.ok(!nft.calls.some((c) => c.args[0] === '-D'), 'nothing to compare with on the first apply');
  nft.calls.length = 0;
  await b.sync({ services: dns, endpointSlices: [dnsSlice('10.244.0.5')] }, false);
  assert.equal(nft.calls.length, 0);
  await b.sync({ services: dns, endpointSlices: [dnsSlice('10.244.0.7')] }, false);
  assert.deepEqual(nft.calls.map((c) => c.args.join(' ')), ['-f -', '-D -p udp --orig-dst 10.96.0.53 --dst-nat 10.244.0.5']);
});

test('RulesetBuilder: a node IP change rebuilds only the Services with a load-balancer firewall', () => {
  const b = new RulesetBuilder(cfg);
  const lb = {
    ...svc('default', 'lb', '10.96.0.20', [{ port: 80 }], { type: 'LoadBalancer', loadBalancerSourceRanges: ['10.0.0.0/8'] }),
    status: { loadBalancer: { ingress: [{ ip: '192.0.2.20' }] } },
  };
  const lbSlice = slice('default', 'lb', 'l', [{ port: 8080 }], [ep('10.244.0.8')]);
  const web = webSlice('10.244.0.5');
  const state = (nodeIPs: string[]) => ({ services: [...services, lb], endpointSlices: [web, dbSlice, lbSlice], nodeIPs });
  const whole = (nodeIPs: string[]) => buildRuleset(buildServicePorts(state(nodeIPs).services, state(nodeIPs).endpointSlices, { nodeName: cfg.nodeName, nodeIPs, iptablesChainNames: false }));
  b.update(state(['172.16.0.1']));
  assert.equal(b.update(state(['172.16.0.1'])).services, 0, 'same node IPs: nothing rebuilt');
  const change = b.update(state(['10.0.0.5']));
  assert.equal(change.services, 1, 'only the firewalled Service');
  assert.deepEqual(b.current(), whole(['10.0.0.5']));
  assert.match(renderDelta(change.before, change.after), /^add rule ip skiff firewall-[A-Z0-9]{8}-default\/lb\/tcp\/ ip saddr != \{ 10\.0\.0\.0\/8, 192\.0\.2\.20\/32 \} drop$/m);
  assert.equal(b.update(state([])).services, 1, 'the node IPs gone: rebuilt again');
  assert.deepEqual(b.current(), whole([]));
});
