import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { pollUntil } from '../server/wait.ts';
import { SKIFF_VERSION } from '../cli/version.ts';
import { headCommit } from './assets.ts';
import { buildBundle, repoRoot, type BuildResult } from './build.ts';

const run = promisify(execFile);
const kubectl = '/usr/lib/google-cloud-sdk/bin/kubectl.1.33';
/** The environment bundled children get: no loader smuggled in through NODE_OPTIONS. */
const childEnv = (): NodeJS.ProcessEnv => {
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  return env;
};

let dir = '';
let built: BuildResult;

before(async () => {
  // Outside the repository: nothing up the tree has node_modules, so a bare import left in the bundle fails.
  dir = mkdtempSync(join(tmpdir(), 'skiff-bundle-'));
  built = await buildBundle({ outDir: join(dir, 'dist') });
});

after(() => { if (dir !== '') rmSync(dir, { recursive: true, force: true }); });

test('the bundle is ESM files only, names no path of the source tree, and runs --version, --help and check without tsx', async () => {
  assert.equal(built.bundle, join(dir, 'dist', 'skiff.mjs'));
  const code = built.files.filter((f) => f.path.endsWith('.mjs'));
  assert.ok(code.length > 1, 'the entry and its chunks');
  for (const f of built.files) assert.match(f.path, /\/dist\/(skiff|chunk-[A-Z0-9]+)\.mjs(\.map)?$/);
  for (const f of code) assert.equal(readFileSync(f.path, 'utf8').includes(repoRoot), false, `${f.path} names ${repoRoot}`);

  const opts = { cwd: dir, env: childEnv() };
  const version = await run(process.execPath, [built.bundle, '--version'], opts);
  const commit = headCommit(repoRoot);
  assert.match(version.stdout, new RegExp(`^skiff ${SKIFF_VERSION.replaceAll('.', '\\.')} \\(commit ${commit === '' ? 'unknown' : commit.slice(0, 12)}, kubernetes v1\\.33\\.0, linux/`));

  const help = await run(process.execPath, [built.bundle, '--help'], opts);
  for (const c of ['server', 'agent', 'apiserver', 'scheduler', 'controller-manager', 'kubelet', 'proxy', 'check']) assert.match(help.stdout, new RegExp(`^  ${c}\\b`, 'm'), c);

  // check exits 1 when this host has a problem to fix; either way it ran every check and summed them up.
  const check = await run(process.execPath, [built.bundle, 'check', '--data-dir', join(dir, 'no-data')], opts).catch((e: { stdout: string; code: number }) => e);
  assert.match(check.stdout, /^[✓!✗-] iptables: /m);
  assert.match(check.stdout, /^[✓!✗-] ports: /m);
  assert.match(check.stdout, /^(All checks passed|\d+ problems? to fix, \d+ warnings?\.)/m);
});

test('skiff server --split-processes from the bundle, in a private network namespace: etcd, apiserver, scheduler, controller-manager and proxy come up as `node dist/skiff.mjs <component>`, the API answers, SIGTERM stops it all', async (t) => {
  if (process.getuid?.() !== 0) { t.skip('needs root'); return; }
  for (const f of ['/usr/bin/etcd', '/usr/bin/unshare', '/usr/bin/nsenter', kubectl]) if (!existsSync(f)) { t.skip(`${f} missing`); return; }
  const data = join(dir, 'data');
  // unshare --net: its own loopback, ports and iptables, so the proxy's rules and the default ports touch nothing of the host.
  const server = spawn('unshare', ['--net', '--', 'sh', '-c', 'ip link set lo up && exec "$0" "$@"', process.execPath, built.bundle, 'server',
    '--split-processes', '--data-dir', data, '--containerd-socket', join(dir, 'no-containerd.sock'), '--node-name', 'bundled'], { cwd: dir, env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
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
      assert.deepEqual(argv.slice(0, 3), [process.execPath, built.bundle, c]);
      assert.equal(argv.some((a) => a.includes('tsx')), false, argv.join(' '));
      assert.equal(readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').some((e) => e.startsWith('NODE_OPTIONS=') && e.includes('tsx')), false);
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
