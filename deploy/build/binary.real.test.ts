import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, readSync, closeSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { pollUntil } from '../server/wait.ts';
import { SKIFF_VERSION } from '../cli/version.ts';
import { headCommit } from './assets.ts';
import { buildBinary } from './binary.ts';
import { repoRoot } from './build.ts';

const run = promisify(execFile);
const kubectl = '/usr/lib/google-cloud-sdk/bin/kubectl.1.33';
const qemu = '/usr/bin/qemu-aarch64-static';
/** Debian's libc6-arm64-cross (+ libstdc++6-arm64-cross, libgcc-s1-arm64-cross): the arm64 loader and libraries Node links against. */
const arm64Sysroot = '/usr/aarch64-linux-gnu';
/** The environment the binary gets: no loader smuggled in through NODE_OPTIONS. */
const childEnv = (): NodeJS.ProcessEnv => {
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  return env;
};
const versionRe = (arch: string): RegExp => {
  const commit = headCommit(repoRoot);
  return new RegExp(`^skiff ${SKIFF_VERSION.replaceAll('.', '\\.')} \\(commit ${commit === '' ? 'unknown' : commit.slice(0, 12)}, kubernetes v1\\.33\\.0, linux/${arch}, node ${process.version}\\)$`, 'm');
};
/** The ELF header's e_machine of `file`: 62 is x86-64, 183 is AArch64. */
function elfMachine(file: string): number {
  const fd = openSync(file, 'r');
  const b = Buffer.alloc(20);
  readSync(fd, b, 0, 20, 0);
  closeSync(fd);
  assert.equal(b.subarray(0, 4).toString('latin1'), '\x7fELF');
  return b.readUInt16LE(18);
}

let dir = '';
/** The amd64 binary, copied alone into a directory with no node_modules anywhere up the tree. */
let bare = '';

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'skiff-binary-'));
  const built = await buildBinary({ outDir: join(dir, 'dist'), arches: ['amd64'] });
  mkdirSync(join(dir, 'bare'));
  bare = join(dir, 'bare', 'skiff');
  copyFileSync(built.binaries[0].path, bare);
  await run('chmod', ['0755', bare]);
});

after(() => { if (dir !== '') rmSync(dir, { recursive: true, force: true }); });

test('the amd64 binary, alone in a directory with no node_modules, runs --version, --help and check', async () => {
  for (let d = dirname(bare); d !== '/'; d = dirname(d)) assert.equal(existsSync(join(d, 'node_modules')), false, `${d}/node_modules`);
  assert.equal(elfMachine(bare), 62);
  const opts = { cwd: dirname(bare), env: childEnv() };
  const version = await run(bare, ['--version'], opts);
  assert.match(version.stdout, versionRe('amd64'));
  assert.equal(version.stderr, '', 'no experimental-SEA warning');
  const help = await run(bare, ['--help'], opts);
  for (const c of ['server', 'agent', 'apiserver', 'kubelet', 'check']) assert.match(help.stdout, new RegExp(`^  ${c}\\b`, 'm'), c);
  // check exits 1 when this host has a problem to fix; either way it ran every check and summed them up.
  const check = await run(bare, ['check', '--data-dir', join(dir, 'no-data')], opts).catch((e: { stdout: string; code: number }) => e);
  assert.match(check.stdout, /^[✓!✗-] operating system: .*, x64$/m);
  assert.match(check.stdout, /^[✓!✗-] iptables: /m);
  assert.match(check.stdout, /^(All checks passed|\d+ problems? to fix, \d+ warnings?\.)/m);
});

test('install-service.sh installs the binary (SKIFF_BINARY): <bin>/skiff runs from anywhere and the unit starts it', async (t) => {
  const at = join(dir, 'installed');
  const env = { ...childEnv(), SKIFF_URL: '', SKIFF_TOKEN: '', SKIFF_BINARY: bare, SKIFF_INSTALL_DIR: join(at, 'opt'), SKIFF_CONFIG_DIR: join(at, 'etc'), SKIFF_BIN_DIR: join(at, 'bin'), SKIFF_SYSTEMD_DIR: join(at, 'systemd') };
  t.after(() => rmSync(at, { recursive: true, force: true }));
  const r = await run('bash', [join(repoRoot, 'deploy', 'install-service.sh'), 'server', '--data-dir', join(dir, 'srv')], { cwd: dirname(bare), env });
  assert.match(r.stdout, /installing the single binary/);
  assert.equal(existsSync(join(at, 'opt')), false, 'no copy of the checkout');
  const version = await run(join(at, 'bin', 'skiff'), ['--version'], { cwd: '/', env: childEnv() });
  assert.match(version.stdout, versionRe('amd64'));
  assert.match(readFileSync(join(at, 'systemd', 'skiff.service'), 'utf8'), new RegExp(`^ExecStart=${join(at, 'bin', 'skiff')} server --config ${join(at, 'etc', 'config.yaml')}$`, 'm'));
});

test('the arm64 binary under qemu-aarch64-static: --version and check print arm64', async (t) => {
  if (!existsSync(qemu)) { t.skip(`${qemu} missing (Debian's qemu-user-static; deploy/install.sh installs it)`); return; }
  if (!existsSync(join(arm64Sysroot, 'lib', 'ld-linux-aarch64.so.1'))) { t.skip(`${arm64Sysroot} missing (libc6-arm64-cross; deploy/install.sh installs it)`); return; }
  let bin: string;
  try {
    bin = (await buildBinary({ outDir: join(dir, 'dist'), arches: ['arm64'] })).binaries[0].path;
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    if (msg.includes('npm pack')) { t.skip(`the arm64 Node package cannot be fetched: ${msg.split('\n')[0]}`); return; }
    throw err;
  }
  assert.equal(elfMachine(bin), 183);
  const opts = { cwd: dirname(bare), env: childEnv(), timeout: 120_000 };
  const version = await run(qemu, ['-L', arm64Sysroot, bin, '--version'], opts);
  assert.match(version.stdout, versionRe('arm64'));
  const check = await run(qemu, ['-L', arm64Sysroot, bin, 'check', '--data-dir', join(dir, 'no-data')], opts).catch((e: { stdout: string; code: number }) => e);
  assert.match(check.stdout, /^[✓!✗-] operating system: .*, arm64$/m);
  assert.match(check.stdout, /^(All checks passed|\d+ problems? to fix, \d+ warnings?\.)/m);
});

test('skiff server --split-processes from the amd64 binary, in a private network namespace: the components run as `<binary> <component>`, the API answers, SIGTERM stops it all', async (t) => {
  if (process.getuid?.() !== 0) { t.skip('needs root'); return; }
  for (const f of ['/usr/bin/etcd', '/usr/bin/unshare', '/usr/bin/nsenter', kubectl]) if (!existsSync(f)) { t.skip(`${f} missing`); return; }
  const data = join(dir, 'data');
  // unshare --net: its own loopback, ports and iptables, so the proxy's rules and the default ports touch nothing of the host.
  const server = spawn('unshare', ['--net', '--', 'sh', '-c', 'ip link set lo up && exec "$0" "$@"', bare, 'server',
    '--split-processes', '--data-dir', data, '--containerd-socket', join(dir, 'no-containerd.sock'), '--node-name', 'binary'], { cwd: dirname(bare), env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  server.stdout.on('data', (c: Buffer) => { out += c.toString(); });
  server.stderr.on('data', (c: Buffer) => { out += c.toString(); });
  const exited = new Promise<number | null>((resolve) => server.on('exit', (code) => resolve(code)));
  const pids = (): Map<string, number> => {
    const runDir = join(data, 'run');
    const m = new Map<string, number>();
    if (!existsSync(runDir)) return m;
    for (const f of readdirSync(runDir).filter((x) => x.endsWith('.pid'))) m.set(f.slice(0, -4), Number.parseInt(readFileSync(join(runDir, f), 'utf8'), 10));
    return m;
  };
  try {
    for (const c of ['apiserver', 'scheduler', 'controller-manager', 'proxy']) {
      assert.ok(await pollUntil(async () => new RegExp(`^✓ ${c} ready`, 'm').test(out), { timeoutMs: 90_000 }), `${c} ready; output:\n${out}`);
    }
    const ns = `--net=/proc/${server.pid}/ns/net`;
    const version = await run('nsenter', [ns, kubectl, '--kubeconfig', join(data, 'admin.kubeconfig'), 'get', '--raw', '/version']);
    assert.equal((JSON.parse(version.stdout) as { gitCommit: string }).gitCommit, headCommit(repoRoot));
    const nsList = await run('nsenter', [ns, kubectl, '--kubeconfig', join(data, 'admin.kubeconfig'), 'get', 'namespaces', '-o', 'name']);
    assert.match(nsList.stdout, /^namespace\/kube-system$/m);
    const running = pids();
    for (const c of ['apiserver', 'scheduler', 'controller-manager', 'proxy']) {
      const pid = running.get(c);
      assert.ok(pid !== undefined, `${c}.pid`);
      const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter((a) => a !== '');
      assert.deepEqual(argv.slice(0, 2), [bare, c]);
    }
  } finally {
    const children = [...pids().values()];
    server.kill('SIGTERM');
    const code = await Promise.race([exited, new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 30_000))]);
    if (code === 'timeout') {
      server.kill('SIGKILL');
      for (const pid of children) { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } }
    }
    assert.equal(code, 0, `server exit; output:\n${out}`);
  }
  assert.match(out, /^• Skiff stopped$/m);
});
