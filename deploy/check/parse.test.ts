import { test } from 'node:test';
import assert from 'node:assert/strict';
import { minAbsSkewMs, skewBounds } from './clock.ts';
import {
  cgroupLayout, cmdlineParams, iptablesBackend, iptablesNftTables, moduleNamesFromPaths, parseFilesystems, parseMounts, parseNftTables, parseOsRelease,
  parseProcCgroups, parseProcModules, parseSwaps, parseTableNames,
} from './parse.ts';

test('parseOsRelease: quotes, escapes, comments', () => {
  assert.deepEqual(parseOsRelease('# c\nID=debian\nVERSION_ID="12"\nNAME=\'Deb ian\'\nX="a \\"b\\" \\$c"\n\nbad\n'),
    { ID: 'debian', VERSION_ID: '12', NAME: 'Deb ian', X: 'a "b" $c' });
});

test('parseProcCgroups: rows by name, the header skipped', () => {
  const m = parseProcCgroups('#subsys_name\thierarchy\tnum_cgroups\tenabled\ncpu\t1\t66\t1\nmemory\t0\t1\t0\n');
  assert.deepEqual([...m], [['cpu', { hierarchy: 1, enabled: true }], ['memory', { hierarchy: 0, enabled: false }]]);
});

test('parseMounts and cgroupLayout: v2, hybrid, v1, none', () => {
  assert.deepEqual(parseMounts('a /x\\040y ext4 rw,relatime 0 0\n')[0], { source: 'a', target: '/x y', fstype: 'ext4', options: ['rw', 'relatime'] });
  const v2 = 'cgroup2 /sys/fs/cgroup cgroup2 rw,nsdelegate 0 0\n';
  const v1 = 'cgroup /sys/fs/cgroup/memory cgroup rw,relatime,memory 0 0\ncgroup /sys/fs/cgroup/cpu,cpuacct cgroup rw,cpu,cpuacct 0 0\n'
    + 'cgroup /sys/fs/cgroup/systemd cgroup rw,xattr,name=systemd 0 0\n';
  assert.deepEqual(cgroupLayout(parseMounts(v2)), { mode: 'v2', v2Root: '/sys/fs/cgroup', v1Controllers: [] });
  assert.deepEqual(cgroupLayout(parseMounts(`${v1}cgroup2 /sys/fs/cgroup/unified cgroup2 rw 0 0\n`)),
    { mode: 'hybrid', v2Root: '/sys/fs/cgroup/unified', v1Controllers: ['memory', 'cpu', 'cpuacct'] });
  assert.equal(cgroupLayout(parseMounts(v1)).mode, 'v1');
  assert.deepEqual(cgroupLayout([]), { mode: 'none', v2Root: null, v1Controllers: [] });
});

test('parseSwaps: one area per line after the header, sizes in KiB', () => {
  assert.deepEqual(parseSwaps('Filename\tType\tSize\tUsed\tPriority\n'), []);
  assert.deepEqual(parseSwaps('Filename\tType\tSize\tUsed\tPriority\n/swap\\040file file 1024 12 -2\n/dev/zram0 partition 2048 0 100\n'), [
    { file: '/swap file', type: 'file', sizeKiB: 1024, usedKiB: 12 }, { file: '/dev/zram0', type: 'partition', sizeKiB: 2048, usedKiB: 0 },
  ]);
});

test('module lists: /proc/modules, modules.builtin/dep paths (compressed too), dashes as underscores', () => {
  assert.deepEqual(parseProcModules('br_netfilter 32768 0 - Live 0x0\nnf-nat 1 0 - Live 0x0\n'), ['br_netfilter', 'nf_nat']);
  assert.deepEqual(moduleNamesFromPaths('kernel/fs/overlayfs/overlay.ko\nkernel/net/bridge/br_netfilter.ko.xz: kernel/net/bridge/bridge.ko.xz\nnot a module\n'),
    ['overlay', 'br_netfilter']);
  assert.deepEqual(parseFilesystems('nodev\tsysfs\n\text4\nnodev\toverlay\n'), ['sysfs', 'ext4', 'overlay']);
});

test('iptables: backend from --version, legacy table names, the iptables-nft tables among nft tables', () => {
  assert.equal(iptablesBackend('iptables v1.8.9 (nf_tables)\n'), 'nft');
  assert.equal(iptablesBackend('iptables v1.8.7 (legacy)\n'), 'legacy');
  assert.equal(iptablesBackend('iptables v1.6.1\n'), 'legacy');
  assert.equal(iptablesBackend('something else'), null);
  assert.deepEqual(parseTableNames('filter\n\nnat\n'), ['filter', 'nat']);
  const tables = parseNftTables('table ip filter\ntable ip6 nat\ntable inet firewalld\ntable ip skiff\n');
  assert.deepEqual(iptablesNftTables(tables), ['ip filter', 'ip6 nat']);
});

test('cmdlineParams: words up to --', () => {
  assert.deepEqual(cmdlineParams(' a=1  b -- c d\n'), ['a=1', 'b']);
});

test('skewBounds: the Date second and the round trip bound the skew', () => {
  const d = Date.parse('Wed, 02 Dec 2026 00:30:00 GMT');
  const b = skewBounds({ sentAtMs: d - 3000, receivedAtMs: d - 2900, dateHeader: 'Wed, 02 Dec 2026 00:30:00 GMT' });
  assert.deepEqual(b, { lowMs: 2900, highMs: 4000 });
  assert.equal(minAbsSkewMs({ lowMs: 2900, highMs: 4000 }), 2900);
  assert.equal(minAbsSkewMs({ lowMs: -4000, highMs: -2900 }), 2900);
  assert.equal(minAbsSkewMs({ lowMs: -400, highMs: 600 }), 0);
  assert.equal(skewBounds({ sentAtMs: 0, receivedAtMs: 1, dateHeader: 'not a date' }), null);
  assert.equal(skewBounds({ sentAtMs: 0, receivedAtMs: 1, dateHeader: null }), null);
});
