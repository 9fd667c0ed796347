import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { SKIFF_VERSION, versionLine } from './version.ts';

test('SKIFF_VERSION is package.json\'s version', () => {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  assert.equal(SKIFF_VERSION, pkg.version);
});

test('versionLine names the version, the served Kubernetes version and this platform in Go\'s names', () => {
  const arch = ({ x64: 'amd64', arm64: 'arm64' } as Record<string, string>)[process.arch] ?? process.arch;
  assert.match(versionLine(), new RegExp(`^skiff ${SKIFF_VERSION.replaceAll('.', '\\.')} \\(commit ([0-9a-f]{12}|unknown), kubernetes v1\\.33\\.0, ${process.platform}/${arch}, node ${process.version.replaceAll('.', '\\.')}\\)$`));
});
