import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { configFileArgs } from './cli/config-file.ts';
import { NODE_MEMORY_FLAGS, runtimeMemoryFlags } from './server/node-flags.ts';

const repo = fileURLToPath(new URL('..', import.meta.url));
const scripts = ['deploy/install.sh', 'deploy/install-service.sh', 'deploy/os-check.sh', 'deploy/skiff-killall.sh', 'deploy/skiff-uninstall.sh', 'deploy/quickstart.sh', '.ci/run'];

for (const s of scripts) {
  test(`${s}: valid bash, executable, strict mode`, () => {
    const r = spawnSync('bash', ['-n', s], { cwd: repo, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.ok((statSync(`${repo}/${s}`).mode & 0o111) !== 0, 'executable bit');
    assert.match(readFileSync(`${repo}/${s}`, 'utf8'), /^set -euo pipefail$/m);
  });
}

test('install.sh is idempotent on a prepared host (installs nothing the second time)', (t) => {
  if (process.getuid?.() !== 0) { t.skip('needs root'); return; }
  const r = spawnSync('bash', ['deploy/install.sh'], { cwd: repo, encoding: 'utf8', timeout: 600_000 });
  assert.equal(r.status, 0, r.stderr);
  const again = spawnSync('bash', ['deploy/install.sh'], { cwd: repo, encoding: 'utf8', timeout: 60_000 });
  assert.equal(again.status, 0, again.stderr);
  assert.match(again.stdout, /all prerequisites already installed/);
  assert.doesNotMatch(again.stdout, /installing:/);
});

test('systemd unit runs skiff server and keeps containers across restarts', () => {
  const unit = readFileSync(`${repo}/deploy/systemd/skiff-server.service`, 'utf8');
  assert.match(unit, new RegExp(`^ExecStart=/usr/bin/env node ${NODE_MEMORY_FLAGS.join(' ')} \\S+/deploy/bin/skiff\\.mjs server$`, 'm'));
  assert.match(unit, /^KillMode=process$/m);
  assert.match(unit, /^WantedBy=multi-user\.target$/m);
});

for (const [unit, mode] of [['skiff.service', 'server'], ['skiff-agent.service', 'agent']] as const) {
  test(`systemd unit ${unit} runs skiff ${mode} with the config file, restarts always, keeps containers`, () => {
    const text = readFileSync(`${repo}/deploy/systemd/${unit}`, 'utf8');
    assert.match(text, new RegExp(`^ExecStart=/usr/bin/env node ${NODE_MEMORY_FLAGS.join(' ')} /opt/skiff/deploy/bin/skiff\\.mjs ${mode} --config /etc/skiff/config\\.yaml$`, 'm'));
    assert.match(text, /^KillMode=process$/m);
    assert.match(text, /^Restart=always$/m);
    assert.match(text, /^WantedBy=multi-user\.target$/m);
  });
}

const osCases: { name: string; release: string; arch: string; warns: RegExp | undefined }[] = [
  { name: 'Debian 12 amd64', release: 'ID=debian\nVERSION_ID="12"\n', arch: 'x86_64', warns: undefined },
  { name: 'Debian 13 arm64 (64-bit Raspberry Pi OS says debian)', release: 'ID=debian\nVERSION_ID="13"\n', arch: 'aarch64', warns: undefined },
  { name: 'Ubuntu 22.04', release: 'ID=ubuntu\nVERSION_ID="22.04"\nID_LIKE=debian\n', arch: 'x86_64', warns: undefined },
  { name: 'Ubuntu 24.04 arm64', release: 'ID=ubuntu\nVERSION_ID="24.04"\n', arch: 'arm64', warns: undefined },
  { name: 'Raspberry Pi OS arm64', release: 'ID=raspbian\nVERSION_ID="12"\n', arch: 'aarch64', warns: undefined },
  { name: 'Raspberry Pi OS 32-bit', release: 'ID=raspbian\nVERSION_ID="12"\n', arch: 'armv7l', warns: /architecture armv7l is not supported/ },
  { name: 'Ubuntu 20.04', release: 'ID=ubuntu\nVERSION_ID="20.04"\nID_LIKE=debian\n', arch: 'x86_64', warns: /ubuntu 20\.04 \(like debian\) is not supported/ },
  { name: 'Debian 11', release: 'ID=debian\nVERSION_ID="11"\n', arch: 'x86_64', warns: /debian 11 is not supported/ },
  { name: 'Fedora', release: 'ID=fedora\nVERSION_ID=40\n', arch: 'x86_64', warns: /fedora 40 is not supported/ },
  { name: 'no os-release', release: '', arch: 'x86_64', warns: /an unknown distribution/ },
];
for (const c of osCases) {
  test(`os-check: ${c.name}`, () => {
    const dir = mkdtempSync(join(tmpdir(), 'skiff-os-'));
    const file = join(dir, 'os-release');
    if (c.release !== '') writeFileSync(file, c.release);
    const r = spawnSync('bash', ['deploy/os-check.sh', file, c.arch], { cwd: repo, encoding: 'utf8' });
    rmSync(dir, { recursive: true, force: true });
    assert.equal(r.status, 0, r.stderr);
    if (c.warns === undefined) assert.equal(r.stdout, '');
    else assert.match(r.stdout, c.warns);
  });
}

/** Runs deploy/install-service.sh with every path under a temp dir; the app stays in place (this checkout). */
function installService(args: string[], env: Record<string, string> = {}): { status: number | null; stdout: string; stderr: string; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-install-'));
  const r = spawnSync('bash', ['deploy/install-service.sh', ...args], {
    cwd: repo, encoding: 'utf8',
    env: { ...process.env, SKIFF_URL: '', SKIFF_TOKEN: '', SKIFF_AGENT_TOKEN: '', ...env, SKIFF_INSTALL_DIR: repo, SKIFF_CONFIG_DIR: join(dir, 'etc'), SKIFF_BIN_DIR: join(dir, 'bin'), SKIFF_SYSTEMD_DIR: join(dir, 'systemd') },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, dir };
}

test('install-service.sh agent: server and token from SKIFF_URL/SKIFF_TOKEN, config.yaml 0600, agent unit, no admin kubeconfig link, token never printed', (t) => {
  const token = 'K10-secret-join-token-abcdefghijklmnop';
  const r = installService(['agent', '--node-ip', '10.0.0.7', '--node-name=it\'s'], { SKIFF_URL: 'https://10.0.0.1:6443', SKIFF_TOKEN: token });
  t.after(() => rmSync(r.dir, { recursive: true, force: true }));
  assert.equal(r.status, 0, r.stderr);
  const cfg = join(r.dir, 'etc', 'config.yaml');
  assert.equal(statSync(cfg).mode & 0o777, 0o600);
  const text = readFileSync(cfg, 'utf8');
  const flags = ['node-ip', 'node-name', 'server', 'token'].map((name) => ({ name, takesValue: true }));
  assert.deepEqual(configFileArgs(text, flags, []), { args: ['--node-ip', '10.0.0.7', '--node-name', "it's", '--server', 'https://10.0.0.1:6443', '--token', token] });
  assert.ok(existsSync(join(r.dir, 'systemd', 'skiff-agent.service')));
  assert.ok(!existsSync(join(r.dir, 'systemd', 'skiff.service')));
  assert.ok(!existsSync(join(r.dir, 'etc', 'skiff.yaml')));
  assert.ok(!(r.stdout + r.stderr).includes(token));
  assert.match(readFileSync(join(r.dir, 'etc', 'install.env'), 'utf8'), /SKIFF_APP_COPIED:=0/);
});

test('install-service.sh server: SKIFF_AGENT_TOKEN becomes `agent-token:` in config.yaml (as K3S_AGENT_TOKEN), never printed; a flag wins', (t) => {
  const agentToken = 'abcdef.0123456789abcdef';
  const r = installService(['server'], { SKIFF_AGENT_TOKEN: agentToken });
  t.after(() => rmSync(r.dir, { recursive: true, force: true }));
  assert.equal(r.status, 0, r.stderr);
  const flags = [{ name: 'agent-token', takesValue: true }];
  assert.deepEqual(configFileArgs(readFileSync(join(r.dir, 'etc', 'config.yaml'), 'utf8'), flags, []), { args: ['--agent-token', agentToken] });
  assert.ok(!(r.stdout + r.stderr).includes(agentToken));
  const both = installService(['server', '--agent-token', 'zzzzzz.0123456789abcdef'], { SKIFF_AGENT_TOKEN: agentToken });
  t.after(() => rmSync(both.dir, { recursive: true, force: true }));
  assert.deepEqual(configFileArgs(readFileSync(join(both.dir, 'etc', 'config.yaml'), 'utf8'), flags, []), { args: ['--agent-token', 'zzzzzz.0123456789abcdef'] });
});

test('install-service.sh: repeated flags become a list, switches true; agent without a token and stray arguments are refused', (t) => {
  const ok = installService(['server', '--registry-mirror', 'a=http://h:1', '--registry-mirror=b=http://h:2', '--etcd-disable-snapshots', '--data-dir', '/srv/skiff']);
  t.after(() => rmSync(ok.dir, { recursive: true, force: true }));
  assert.equal(ok.status, 0, ok.stderr);
  const text = readFileSync(join(ok.dir, 'etc', 'config.yaml'), 'utf8');
  assert.match(text, /^registry-mirror:\n  - 'a=http:\/\/h:1'\n  - 'b=http:\/\/h:2'$/m);
  assert.match(text, /^etcd-disable-snapshots: true$/m);
  assert.match(readFileSync(join(ok.dir, 'etc', 'install.env'), 'utf8'), /SKIFF_DATA_DIR:=\/srv\/skiff\}/);

  const noToken = installService(['agent', '--server', 'https://10.0.0.1:6443']);
  t.after(() => rmSync(noToken.dir, { recursive: true, force: true }));
  assert.equal(noToken.status, 2);
  assert.match(noToken.stderr, /agent mode needs --server URL and --token TOKEN/);
  const spaced = installService(['server', '--data-dir', '/srv/my skiff']);
  t.after(() => rmSync(spaced.dir, { recursive: true, force: true }));
  assert.equal(spaced.status, 2);
  assert.match(spaced.stderr, /path '\/srv\/my skiff' must be absolute and use only/);
  const stray = installService(['server', 'extra']);
  t.after(() => rmSync(stray.dir, { recursive: true, force: true }));
  assert.equal(stray.status, 2);
  assert.match(stray.stderr, /unexpected argument 'extra'/);
});

test('install-service.sh with SKIFF_BINARY: installs that file as <bin>/skiff, the unit runs it, nothing of the checkout is copied; one that does not run is refused', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-binary-stand-in-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  // A stand-in: the script only runs `--version` and copies the file (deploy/build/binary.real.test.ts installs the real binary).
  const bin = join(dir, 'skiff-linux-amd64');
  writeFileSync(bin, '#!/bin/sh\necho "skiff 0.1.0 (stand-in)"\n', { mode: 0o755 });
  const ok = installService(['server', '--data-dir', '/srv/skiff'], { SKIFF_BINARY: bin });
  t.after(() => rmSync(ok.dir, { recursive: true, force: true }));
  assert.equal(ok.status, 0, ok.stderr);
  assert.equal(readFileSync(join(ok.dir, 'bin', 'skiff'), 'utf8'), readFileSync(bin, 'utf8'));
  assert.ok((statSync(join(ok.dir, 'bin', 'skiff')).mode & 0o111) !== 0);
  const unit = readFileSync(join(ok.dir, 'systemd', 'skiff.service'), 'utf8');
  assert.match(unit, new RegExp(`^ExecStart=${join(ok.dir, 'bin', 'skiff')} server --config ${join(ok.dir, 'etc', 'config.yaml')}$`, 'm'));
  assert.match(unit, /^WorkingDirectory=\/$/m);
  assert.match(unit, /^Environment=NODE_OPTIONS=--max-semi-space-size=2\nExecStart=/m, 'the binary gets the young-generation flag through NODE_OPTIONS');
  assert.doesNotMatch(unit, /skiff\.mjs|env node/);
  assert.match(ok.stdout, /installing the single binary .*skiff 0\.1\.0 \(stand-in\)/);
  assert.match(readFileSync(join(ok.dir, 'etc', 'install.env'), 'utf8'), /SKIFF_APP_COPIED:=0/);

  const broken = join(dir, 'skiff-linux-arm64');
  writeFileSync(broken, '#!/bin/sh\necho "cannot execute binary file: Exec format error" >&2; exit 126\n', { mode: 0o755 });
  const refused = installService(['server'], { SKIFF_BINARY: broken });
  t.after(() => rmSync(refused.dir, { recursive: true, force: true }));
  assert.equal(refused.status, 1);
  assert.match(refused.stderr, /does not run on this machine \(cannot execute binary file: Exec format error\)/);
  assert.equal(existsSync(join(refused.dir, 'bin', 'skiff')), false);
  assert.equal(existsSync(join(refused.dir, 'etc', 'config.yaml')), false);
});

test('every launcher starts Node with the heap flags of node-flags.ts; a binary gets the growth flag at run time', (t) => {
  const flags = NODE_MEMORY_FLAGS.join(' ');
  const r = installService(['server']);
  t.after(() => rmSync(r.dir, { recursive: true, force: true }));
  assert.equal(r.status, 0, r.stderr);
  assert.match(readFileSync(join(r.dir, 'bin', 'skiff'), 'utf8'), new RegExp(`^exec node ${flags} \\S+/deploy/bin/skiff\\.mjs "\\$@"$`, 'm'));
  assert.match(readFileSync(join(r.dir, 'systemd', 'skiff.service'), 'utf8'), new RegExp(`^ExecStart=/usr/bin/env node ${flags} \\S+/deploy/bin/skiff\\.mjs server `, 'm'));
  assert.match(readFileSync(`${repo}/deploy/quickstart.sh`, 'utf8'), new RegExp(`^SKIFF_RUN=bundle exec node ${flags} deploy/bin/skiff\\.mjs server "\\$@"$`, 'm'));
  assert.deepEqual(runtimeMemoryFlags([]), ['--heap-growing-percent=20']);
  assert.deepEqual(runtimeMemoryFlags([...NODE_MEMORY_FLAGS]), []);
});
