import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

// "Every write goes through the registry's pipeline; no code writes storage
// directly" (../shared/DESIGN.md). Only storage/ itself, the generic store
// and the StrategyContext the store hands its allocators may call a storage
// write method, and only storage/ may write to etcd with the raw client
// (main.ts constructs the client; the type-only imports carry no calls).
// Shipped code only: tests, test helpers, testutil/ and bench/ (whose raw
// etcd txns are the baseline it measures) are not scanned.
const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const scanned = ['apiserver', 'controllers', 'kubelet', 'scheduler', 'proxy', 'deploy', 'e2e'];
// apiserver/testing/ is a composition root like main: the FakeClient builds the
// registry over its own MemoryStorage and compacts it for watch-expiry tests.
const writers = ['apiserver/storage/', 'apiserver/registry/store.ts', 'apiserver/registry/strategy-context.ts', 'apiserver/testing/'];
const etcdClientUsers = ['apiserver/storage/', 'apiserver/main.ts'];
const READS = ['get', 'list', 'watch', 'currentRevision', 'revisionNow', 'reserved'];

function sources(dir: string, out: string[] = []): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return out;
  }
  for (const name of names) {
    const p = join(dir, name);
    if (name === 'node_modules') continue;
    if (statSync(p).isDirectory()) sources(p, out);
    else if (/\.(ts|mjs)$/.test(name) && !/\.test\.|\.test-/.test(name)) out.push(p);
  }
  return out;
}

/** The storage-write findings in one source text: write calls on a storage, a storage handed on for more than reads, raw etcd client imports. */
function findWrites(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/\bstorage\??\.(create|update|delete|reserve|release)\s*\(/g)) out.push(`calls storage.${m[1]}`);
  for (const m of text.matchAll(/\.storage\b(\??\.(\w+)\s*\()?/g)) {
    if (!m[2] || !READS.includes(m[2])) out.push(`uses .storage${m[1] ? `.${m[2]}` : ''} beyond reads`);
  }
  for (const m of text.matchAll(/^\s*import\s+(type\s+)?[^;]*from\s+'etcd3'/gm)) if (!m[1]) out.push('imports the etcd3 client');
  return out;
}

test('nothing outside storage/ and the store writes storage', () => {
  const violations: string[] = [];
  for (const top of scanned) {
    for (const file of sources(join(repo, top))) {
      const rel = relative(repo, file);
      const text = readFileSync(file, 'utf8');
      for (const f of findWrites(text)) {
        const allowed = f === 'imports the etcd3 client' ? etcdClientUsers : writers;
        if (!allowed.some((a) => rel === a || (a.endsWith('/') && rel.startsWith(a)))) violations.push(`${rel}: ${f}`);
      }
    }
  }
  assert.deepEqual(violations, []);
});

test('the scanner sees write calls, storage handed on, and value imports of etcd3', () => {
  const cases: Array<[string, string[]]> = [
    ['await pods.storage.update(key, next, rv);', ['calls storage.update', 'uses .storage.update beyond reads']],
    ['await this.storage.delete(key, rv);', ['calls storage.delete', 'uses .storage.delete beyond reads']],
    ['storage.reserve(k, v); storage?.create(k, o)', ['calls storage.reserve', 'calls storage.create']],
    ['const s = store.storage;\nawait s.update(k)', ['uses .storage beyond reads']],
    ['await store.storage.get(key); await store.storage.watch(p, r, f, g); x.storage.list(p)', []],
    ['await store.create(ns, obj); await store.delete(ns, n); ctx.reserve(k, v)', []],
    ["import { Etcd3 } from 'etcd3';", ['imports the etcd3 client']],
    ["import type { Etcd3 } from 'etcd3';", []],
  ];
  for (const [text, want] of cases) assert.deepEqual(findWrites(text), want, text);
});
