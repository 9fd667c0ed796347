#!/usr/bin/env node
// Runs the whole test suite with Node's own test runner (through tsx).
// Unit and integration tests (`*.test.ts` beside the code) run first, then the
// cluster-level tests under e2e/ (`e2e/*.e2e.ts`), one file at a time, because
// they start real clusters. `--unit` runs only the first group.
// `--split-processes` runs every e2e cluster with each component in its own
// child process (SKIFF_E2E_SPLIT_PROCESSES=1) instead of the default one
// process; the kill -9 files (single-node, ha) use split processes always.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const skip = new Set(['node_modules', '.git', 'tmp']);

/** Collects files under `dir` whose names end with `suffix`. */
function find(dir, suffix, out = []) {
  for (const name of readdirSync(dir)) {
    if (skip.has(name) || name.startsWith('.')) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) find(p, suffix, out);
    else if (name.endsWith(suffix)) out.push(relative(root, p));
  }
  return out.sort();
}

const unitOnly = process.argv.includes('--unit');
const unit = find(root, '.test.ts');
const e2e = unitOnly ? [] : find(join(root, 'e2e'), '.e2e.ts');

// --test-force-exit: a file whose tests all finished but that left a handle
// open must not stall the suite; --test-timeout bounds any single test.
const common = ['--import', 'tsx', '--test', '--test-force-exit', '--test-reporter=spec'];
const args = [...common, '--test-concurrency=2', '--test-timeout=300000', ...unit];
let status = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit' }).status ?? 1;
if (e2e.length > 0) {
  const env = process.argv.includes('--split-processes') ? { ...process.env, SKIFF_E2E_SPLIT_PROCESSES: '1' } : process.env;
  const e = spawnSync(process.execPath, [...common, '--test-concurrency=1', '--test-timeout=1800000', ...e2e], { cwd: root, stdio: 'inherit', env });
  if ((e.status ?? 1) !== 0) status = e.status ?? 1;
}
process.exit(status);
