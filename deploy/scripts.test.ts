import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('..', import.meta.url));
const scripts = ['deploy/install.sh', 'deploy/quickstart.sh', '.ci/run'];

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
  assert.match(unit, /^ExecStart=\/usr\/bin\/env node \S+\/deploy\/bin\/skiff\.mjs server$/m);
  assert.match(unit, /^KillMode=process$/m);
  assert.match(unit, /^WantedBy=multi-user\.target$/m);
});
