import { test } from 'node:test';
import assert from 'node:assert/strict';
import Fastify from 'fastify';
import { goArch, registerVersion, type VersionInfo } from './version.ts';

test('GET /version reports Kubernetes 1.33 in version.Info shape', async () => {
  const app = Fastify();
  registerVersion(app);
  const res = await app.inject({ method: 'GET', url: '/version' });
  assert.equal(res.statusCode, 200);
  assert.equal(res.headers['content-type'], 'application/json');
  const v = res.json() as VersionInfo;
  assert.equal(v.major, '1');
  assert.equal(v.minor, '33');
  assert.equal(v.gitVersion, 'v1.33.0-skiff');
  assert.equal(v.compiler, 'skiff');
  assert.equal(v.platform, `linux/${goArch(process.arch)}`);
  assert.match(v.buildDate, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  assert.match(v.gitCommit, /^([0-9a-f]{40})?$/);
  assert.deepEqual(Object.keys(v).sort(), ['buildDate', 'compiler', 'gitCommit', 'gitTreeState', 'gitVersion', 'goVersion', 'major', 'minor', 'platform']);
  await app.close();
});

test('goArch maps Node arch names to Go names', () => {
  assert.equal(goArch('x64'), 'amd64');
  assert.equal(goArch('arm64'), 'arm64');
  assert.equal(goArch('mips'), 'mips');
});
