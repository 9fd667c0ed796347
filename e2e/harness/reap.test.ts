import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { killProcessesRootedUnder, releaseCniState, rootMountUnder } from './reap.ts';

const CONTAINER = `87 55 0:42 / / ro,relatime - overlay overlay rw,lowerdir=/tmp/skiff-e2e-abc/data/containerd/root/io.containerd.snapshotter.v1.overlayfs/snapshots/1/fs,upperdir=/tmp/skiff-e2e-abc/data/containerd/root/snapshots/44/fs
88 87 0:45 / /proc rw,nosuid - proc proc rw`;
const HOST = `25 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw
90 25 0:50 / /tmp/skiff-e2e-abc/data/containerd/state rw - tmpfs tmpfs rw`;

describe('rootMountUnder', () => {
  const cases: Array<[string, string, string, boolean]> = [
    ['container rooted in our data dir', CONTAINER, '/tmp/skiff-e2e-abc/data', true],
    ['another cluster', CONTAINER, '/tmp/skiff-e2e-xyz/data', false],
    ['a prefix of another dir name does not match', CONTAINER, '/tmp/skiff-e2e-ab', false],
    ['host process with a mount under the dir elsewhere', HOST, '/tmp/skiff-e2e-abc/data', false],
    ['empty', '', '/tmp/x', false],
  ];
  for (const [name, info, dir, want] of cases) it(name, () => assert.equal(rootMountUnder(info, dir), want));
});

describe('releaseCniState', () => {
  it('removes only reservations and cached results of the given sandboxes', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cni-state-'));
    try {
      await mkdir(join(dir, 'networks/skiff'), { recursive: true });
      await mkdir(join(dir, 'results'), { recursive: true });
      await writeFile(join(dir, 'networks/skiff/10.244.0.5'), 'aaa\r\neth0');
      await writeFile(join(dir, 'networks/skiff/10.244.0.6'), 'bbb\r\neth0');
      await writeFile(join(dir, 'networks/skiff/last_reserved_ip.0'), '10.244.0.6');
      await writeFile(join(dir, 'networks/skiff/lock'), '');
      await writeFile(join(dir, 'results/skiff-aaa-eth0'), '{}');
      await writeFile(join(dir, 'results/skiff-bbb-eth0'), '{}');
      assert.equal(await releaseCniState(['aaa'], dir), 2);
      assert.deepEqual((await readdir(join(dir, 'networks/skiff'))).sort(), ['10.244.0.6', 'last_reserved_ip.0', 'lock']);
      assert.deepEqual(await readdir(join(dir, 'results')), ['skiff-bbb-eth0']);
      assert.equal(await releaseCniState([], dir), 0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('killProcessesRootedUnder (real)', () => {
  it('kills a process whose root is a mount under the dir and nothing else', async (t) => {
    if (process.getuid?.() !== 0) return t.skip('needs root (mount namespaces, reading other processes\' mountinfo)');
    const dir = await mkdtemp(join(tmpdir(), 'reap-'));
    const root = join(dir, 'rootfs');
    await mkdir(root);
    // A private mount namespace where an overlay with layers under `dir` becomes "/" (pivot_root), like a container.
    const script = [
      'set -e',
      `mkdir ${dir}/lower ${dir}/upper ${dir}/work`,
      `cp /bin/busybox ${dir}/lower/busybox`,
      `mkdir ${dir}/lower/old`,
      `mount -t overlay overlay -o lowerdir=${dir}/lower,upperdir=${dir}/upper,workdir=${dir}/work ${root}`,
      `cd ${root}`,
      'pivot_root . old',
      'exec /busybox sleep 300',
    ].join('; ');
    const child = spawn('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', script], { stdio: 'ignore' });
    const exited = new Promise<string | null>((r) => child.once('exit', (_c, sig) => r(sig)));
    try {
      let killed: number[] = [];
      for (let i = 0; i < 40 && killed.length === 0; i++) {
        await new Promise((r) => setTimeout(r, 100));
        killed = await killProcessesRootedUnder(dir);
      }
      assert.deepEqual(killed, [child.pid], 'exactly the pivoted process is killed');
      assert.equal(await exited, 'SIGKILL');
      assert.deepEqual(await killProcessesRootedUnder(join(tmpdir(), 'no-such-dir-for-reap')), []);
    } finally {
      child.kill('SIGKILL');
      await rm(dir, { recursive: true, force: true });
    }
  });
});
