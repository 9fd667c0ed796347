import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { applyRewrites, binaryRewrites, bundleRewrites, type Rewrite } from './rewrites.ts';

const rule: Rewrite = { module: 'a/b.ts', find: 'read()', replace: '"$x"', why: 'embed' };

test('applyRewrites', async (t) => {
  const cases: Array<{ name: string; path: string; code: string; want: ReturnType<typeof applyRewrites> }> = [
    { name: 'a matching module gets every occurrence replaced', path: '/r/a/b.ts', code: 'x = read(); y = read();', want: { code: 'x = "$x"; y = "$x";', applied: ['a/b.ts'] } },
    { name: 'windows separators match too', path: 'C:\\r\\a\\b.ts', code: 'read()', want: { code: '"$x"', applied: ['a/b.ts'] } },
    { name: 'another module is left alone', path: '/r/a/bb.ts', code: 'read()', want: { code: 'read()', applied: [] } },
    { name: 'a suffix must start at a path segment', path: '/r/xa/b.ts', code: 'read()', want: { code: 'read()', applied: [] } },
    { name: 'the expected text missing is an error naming the rule', path: '/r/a/b.ts', code: 'readAll()', want: { error: 'a/b.ts: expected "read()" (embed); update deploy/build/rewrites.ts' } },
  ];
  for (const c of cases) await t.test(c.name, () => assert.deepEqual(applyRewrites(c.path, c.code, [rule]), c.want));
});

test('every bundle rewrite finds its text in the module as it is today', () => {
  const rules = bundleRewrites({ criProto: {}, etcdProto: {}, schemaDefinitions: '{}', gitCommit: '' });
  const root = join(import.meta.dirname, '..', '..');
  for (const r of rules) {
    const file = r.module.startsWith('etcd3/') ? join(root, 'node_modules', r.module) : join(root, r.module);
    const res = applyRewrites(file, readFileSync(file, 'utf8'), rules);
    assert.ok('code' in res, 'error' in res ? res.error : '');
    assert.deepEqual(res.applied, [r.module]);
    assert.equal(res.code.includes(r.find), r.replace.includes(r.find));
  }
});

test('every binary rewrite finds its text; the binary spawns itself and reads no import.meta.url', () => {
  const rules = binaryRewrites({ criProto: {}, etcdProto: {}, schemaDefinitions: '{}', gitCommit: '' });
  const root = join(import.meta.dirname, '..', '..');
  for (const m of new Set(rules.map((r) => r.module))) {
    const file = m.startsWith('etcd3/') ? join(root, 'node_modules', m) : join(root, m);
    const res = applyRewrites(file, readFileSync(file, 'utf8'), rules);
    assert.ok('code' in res, 'error' in res ? res.error : '');
    assert.ok(res.applied.length > 0 && res.applied.every((a) => a === m));
    if (m !== 'etcd3/lib/connection-pool.js') assert.equal(/new URL\([^)]*import\.meta\.url\)/.test(res.code), false, `${m} still resolves a URL against import.meta.url`);
    if (m === 'deploy/server/components.ts') assert.match(res.code, /return \{ command: process\.execPath, args: \[\] \};/);
  }
});
