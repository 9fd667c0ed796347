import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Exec } from './exec.ts';
import { cleanupRules, ensureJumps, IptablesBackend, JUMP_RULES } from './iptables.ts';
import { ep, slice, svc } from './fixtures.test-util.ts';
import { quietLogger } from '../testutil/log.ts';

/** A tiny in-memory iptables: enough for -C/-I/-D/-S on built-in chains, iptables-save and iptables-restore. */
class FakeIptables {
  readonly calls: Array<{ file: string; args: string[]; input?: string }> = [];
  rules = new Map<string, string[]>(); // 'table/CHAIN' → rule specs
  natChains = new Set<string>();
  failRestore = 0;
  exec: Exec = async (file, args, input) => {
    this.calls.push({ file, args, input });
    if (file === 'iptables-restore') {
      if (this.failRestore > 0) { this.failRestore--; return { exitCode: 1, stdout: '', stderr: 'iptables-restore: line 3 failed' }; }
      let table = '';
      for (const line of (input ?? '').split('\n')) {
        if (line.startsWith('*')) table = line.slice(1);
        else if (table === 'nat' && line.startsWith(':')) this.natChains.add(line.slice(1).split(' ')[0] ?? '');
        else if (table === 'nat' && line.startsWith('-X ')) this.natChains.delete(line.slice(3));
      }
      return { exitCode: 0, stdout: '', stderr: '' };
    }
    if (file === 'iptables-save') {
      return { exitCode: 0, stdout: ['*nat', ':PREROUTING ACCEPT [0:0]', ...[...this.natChains].map((c) => `:${c} - [0:0]`), 'COMMIT'].join('\n'), stderr: '' };
    }
    const a = args.filter((x, i) => !(x === '-w' || args[i - 1] === '-w'));
    const table = a[1] ?? '';
    const op = a[2] ?? '';
    const chain = a[3] ?? '';
    const key = `${table}/${chain}`;
    const list = this.rules.get(key) ?? [];
    if (op === '-S') return { exitCode: 0, stdout: [`-P ${chain} ACCEPT`, ...list.map((r) => `-A ${chain} ${r}`)].join('\n'), stderr: '' };
    if (op === '-I') { list.splice(Number(a[4]) - 1, 0, a.slice(5).join(' ')); this.rules.set(key, list); return { exitCode: 0, stdout: '', stderr: '' }; }
    const spec = a.slice(4).join(' ');
    const idx = list.indexOf(spec);
    if (op === '-C') return { exitCode: idx >= 0 ? 0 : 1, stdout: '', stderr: '' };
    if (op === '-D' && idx >= 0) { list.splice(idx, 1); return { exitCode: 0, stdout: '', stderr: '' }; }
    return { exitCode: 1, stdout: '', stderr: `unsupported ${args.join(' ')}` };
  };
}

const quiet = quietLogger('t');
const cfg = { serviceCIDR: '10.96.0.0/12', clusterCIDR: '10.244.0.0/16', nodeName: 'n1' };
const state = (ips: string[]) => ({
  services: [svc('ns', 'a', '10.96.0.1', [{ port: 80 }])],
  endpointSlices: [slice('ns', 'a', 'a-1', [{ port: 80 }], ips.map((ip) => ep(ip)))],
});

test('ensureJumps inserts each hook once, and moves the POSTROUTING jump back to the top', async () => {
  const ipt = new FakeIptables();
  ipt.rules.set('nat/POSTROUTING', ['-s 10.244.0.0/16 -j CNI-xyz']);
  await ensureJumps(ipt.exec);
  await ensureJumps(ipt.exec);
  for (const j of JUMP_RULES) {
    assert.equal((ipt.rules.get(`${j.table}/${j.chain}`) ?? []).filter((r) => r === j.rule.join(' ')).length, 1, `${j.table}/${j.chain}`);
  }
  assert.match(ipt.rules.get('nat/POSTROUTING')?.[0] ?? '', /-j KUBE-POSTROUTING$/);
  ipt.rules.get('nat/POSTROUTING')?.unshift('-j CNI-new');
  await ensureJumps(ipt.exec);
  assert.deepEqual(ipt.rules.get('nat/POSTROUTING')?.map((r) => r.split(' ').pop()), ['KUBE-POSTROUTING', 'CNI-new', 'CNI-xyz']);
});

test('backend: full sync applies all and ensures jumps; partial syncs skip no-ops and write only changes', async () => {
  const ipt = new FakeIptables();
  const b = new IptablesBackend(cfg, quiet, ipt.exec);
  await b.sync(state(['10.244.0.1']), true);
  const restores = () => ipt.calls.filter((c) => c.file === 'iptables-restore');
  assert.equal(restores().length, 1);
  assert.deepEqual(restores()[0]?.args, ['--noflush']);
  assert.ok(ipt.calls.some((c) => c.file === 'iptables' && c.args.includes('-I')), 'jumps ensured on a full sync');
  assert.ok(ipt.calls[0]?.file === 'iptables-save', 'a full sync first reads the existing chains');

  ipt.calls.length = 0;
  await b.sync(state(['10.244.0.1']), false);
  assert.equal(ipt.calls.length, 0, 'no-op partial sync runs nothing');

  await b.sync(state(['10.244.0.1', '10.244.0.2']), false);
  const partial = restores()[0]?.input ?? '';
  assert.ok(partial.includes('--to-destination 10.244.0.2:80'));
  assert.ok(!partial.includes('--to-destination 10.244.0.1:80'), 'the unchanged endpoint chain is not rewritten');
  assert.ok(!ipt.calls.some((c) => c.file === 'iptables'), 'partial syncs do not touch the jumps');
});

test('backend: a failed restore throws and the next sync rewrites everything', async () => {
  const ipt = new FakeIptables();
  const b = new IptablesBackend(cfg, quiet, ipt.exec);
  await b.sync(state(['10.244.0.1']), true);
  ipt.failRestore = 1;
  await assert.rejects(b.sync(state(['10.244.0.1', '10.244.0.2']), false), /line 3 failed/);
  ipt.calls.length = 0;
  await b.sync(state(['10.244.0.1', '10.244.0.2']), false);
  const input = ipt.calls.find((c) => c.file === 'iptables-restore')?.input ?? '';
  assert.ok(input.includes('--to-destination 10.244.0.1:80'), 'after a failure nothing is assumed applied');
});

test('cleanupRules deletes jumps and every owned chain, leaves others', async () => {
  const ipt = new FakeIptables();
  const b = new IptablesBackend(cfg, quiet, ipt.exec);
  await b.sync(state(['10.244.0.1']), true);
  ipt.natChains.add('CNI-keepme');
  await cleanupRules(ipt.exec);
  assert.deepEqual([...ipt.natChains], ['CNI-keepme']);
  for (const j of JUMP_RULES) assert.deepEqual(ipt.rules.get(`${j.table}/${j.chain}`) ?? [], []);
});

test('backend: a partial sync deletes a removed service\'s chains and rewrites nothing else dynamic', async () => {
  const ipt = new FakeIptables();
  const b = new IptablesBackend(cfg, quiet, ipt.exec);
  const two = {
    services: [...state(['10.244.0.1']).services, svc('ns', 'b', '10.96.0.2', [{ port: 80 }])],
    endpointSlices: [...state(['10.244.0.1']).endpointSlices, slice('ns', 'b', 'b-1', [{ port: 80 }], [ep('10.244.0.9')])],
  };
  await b.sync(two, true);
  ipt.calls.length = 0;
  await b.sync({ services: [two.services[0]!], endpointSlices: [two.endpointSlices[0]!] }, false);
  const input = ipt.calls.find((c) => c.file === 'iptables-restore')?.input ?? '';
  const deleted = input.split('\n').filter((l) => l.startsWith('-X ')).map((l) => l.slice(3)).sort();
  assert.equal(deleted.length, 2, input);
  assert.ok(deleted.every((c) => /^KUBE-(SVC|SEP)-/.test(c)));
  const rewritten = input.split('\n').filter((l) => /^-A KUBE-(SVC|SEP)-/.test(l));
  assert.deepEqual(rewritten, [], 'the remaining service is not rewritten');
  assert.ok(input.includes('-A KUBE-SERVICES -d 10.96.0.1/32'), 'KUBE-SERVICES (changed) is rewritten with the remaining service');
  assert.ok(!ipt.calls.some((c) => c.file === 'iptables-save'), 'a partial sync does not read the kernel');
});

test('backend: a UDP endpoint change flushes its conntrack entries after the apply; TCP changes do not', async () => {
  const ipt = new FakeIptables();
  const b = new IptablesBackend(cfg, quiet, ipt.exec);
  const udp = (ip: string) => ({
    services: [svc('ns', 'dns', '10.96.0.10', [{ port: 53, protocol: 'UDP' }])],
    endpointSlices: [slice('ns', 'dns', 'd-1', [{ port: 53, protocol: 'UDP' }], [ep(ip)])],
  });
  await b.sync(udp('10.244.0.1'), true);
  assert.ok(!ipt.calls.some((c) => c.file === 'conntrack'), 'nothing is flushed on the first sync');
  ipt.calls.length = 0;
  await b.sync(udp('10.244.0.2'), false);
  const files = ipt.calls.map((c) => c.file);
  assert.ok(files.indexOf('iptables-restore') < files.indexOf('conntrack'), 'flushed after the rules changed');
  assert.deepEqual(ipt.calls.filter((c) => c.file === 'conntrack').map((c) => c.args.join(' ')), ['-D -p udp --orig-dst 10.96.0.10 --dst-nat 10.244.0.1']);
  // A TCP service appears and changes next to the unchanged UDP one: nothing to flush.
  const withTcp = (ips: string[]) => ({
    services: [...udp('10.244.0.2').services, ...state(ips).services],
    endpointSlices: [...udp('10.244.0.2').endpointSlices, ...state(ips).endpointSlices],
  });
  await b.sync(withTcp(['10.244.0.1']), false);
  ipt.calls.length = 0;
  await b.sync(withTcp(['10.244.0.3']), false);
  assert.ok(ipt.calls.some((c) => c.file === 'iptables-restore'));
  assert.ok(!ipt.calls.some((c) => c.file === 'conntrack'), ipt.calls.map((c) => `${c.file} ${c.args.join(' ')}`).join('\n'));
});

test('backend: a sync crossing the large-cluster threshold rewrites every endpoint chain, both ways', async () => {
  const ipt = new FakeIptables();
  const b = new IptablesBackend(cfg, quiet, ipt.exec);
  const bigIPs = (n: number) => Array.from({ length: n }, (_, i) => `10.245.${Math.floor(i / 250)}.${(i % 250) + 1}`);
  // Service a (1 endpoint, never changes) next to service big with n endpoints.
  const withBig = (n: number) => ({
    services: [...state(['10.244.0.1']).services, svc('ns', 'big', '10.96.0.2', [{ port: 80 }])],
    endpointSlices: [...state(['10.244.0.1']).endpointSlices, slice('ns', 'big', 'big-1', [{ port: 80 }], bigIPs(n).map((ip) => ep(ip)))],
  });
  const restore = () => ipt.calls.find((c) => c.file === 'iptables-restore')?.input ?? '';
  await b.sync(withBig(999), true);
  assert.ok(restore().includes('-s 10.244.0.1/32 -m comment --comment "ns/a" -j KUBE-MARK-MASQ'), '1000 endpoints: comments kept');

  ipt.calls.length = 0;
  await b.sync(withBig(1000), false);
  let input = restore();
  assert.equal(ipt.calls[0]?.file, 'iptables-save', 'the flip makes the sync full');
  assert.ok(input.includes('-s 10.244.0.1/32 -j KUBE-MARK-MASQ'), 'the unchanged service\'s endpoint chain is rewritten');
  assert.ok(input.includes('-p tcp -m tcp -j DNAT --to-destination 10.244.0.1:80'));
  assert.ok(!/^-A KUBE-(SVC|SEP)-\S+ .*-> /m.test(input), 'no per-endpoint jump comments');
  assert.ok(input.includes('-m comment --comment "ns/a cluster IP"'), 'other rules keep comments');

  ipt.calls.length = 0;
  await b.sync(withBig(1000), false);
  assert.equal(ipt.calls.length, 0, 'staying in the mode is a no-op');

  ipt.calls.length = 0;
  await b.sync(withBig(999), false);
  input = restore();
  assert.equal(ipt.calls[0]?.file, 'iptables-save', 'flipping back is full too');
  assert.ok(input.includes('-s 10.244.0.1/32 -m comment --comment "ns/a" -j KUBE-MARK-MASQ'));
  assert.ok(input.includes('-m comment --comment "ns/a -> 10.244.0.1:80" -j KUBE-SEP-'));
});
