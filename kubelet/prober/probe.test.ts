import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import type { Container } from 'kubernetes-types/core/v1';
import { FakeRuntime } from '../cri/fake.ts';
import { nextProbeState, resolvePort, runProbe } from './probe.ts';

test('nextProbeState thresholds', () => {
  let s = { result: false, successes: 0, failures: 0 };
  s = nextProbeState(s, true, 2, 3);
  assert.equal(s.result, false, 'needs 2 successes');
  s = nextProbeState(s, true, 2, 3);
  assert.equal(s.result, true);
  for (let i = 0; i < 2; i++) s = nextProbeState(s, false, 2, 3);
  assert.equal(s.result, true, 'two failures of three');
  s = nextProbeState(s, false, 2, 3);
  assert.equal(s.result, false);
  assert.deepEqual(s, { result: false, successes: 0, failures: 3 });
});

test('resolvePort', () => {
  const c: Container = { name: 'c', ports: [{ name: 'http', containerPort: 8080 }] };
  assert.equal(resolvePort(80, c), 80);
  assert.equal(resolvePort('http', c), 8080);
  assert.equal(resolvePort('81', c), 81);
  assert.equal(resolvePort('nope', c), undefined);
});

test('runProbe over loopback: tcp, http, exec', async () => {
  const srv = http.createServer((req, res) => { res.writeHead(req.url === '/ok' ? 200 : 503); res.end(); });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as AddressInfo).port;
  const closed = net.createServer();
  await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
  const deadPort = (closed.address() as AddressInfo).port;
  await new Promise<void>((r) => closed.close(() => r()));
  const rt = new FakeRuntime();
  const c: Container = { name: 'c', ports: [{ name: 'web', containerPort: port }] };
  try {
    assert.equal((await runProbe({ tcpSocket: { port } }, c, '127.0.0.1', 'x', rt)).ok, true);
    const refused = await runProbe({ tcpSocket: { port: deadPort } }, c, '127.0.0.1', 'x', rt);
    assert.equal(refused.ok, false);
    assert.match(refused.output, /ECONNREFUSED/);
    assert.equal((await runProbe({ httpGet: { port: 'web', path: '/ok' } }, c, '127.0.0.1', 'x', rt)).ok, true);
    const bad = await runProbe({ httpGet: { port, path: 'bad' } }, c, '127.0.0.1', 'x', rt);
    assert.deepEqual(bad, { ok: false, output: 'HTTP probe failed with statuscode: 503' });
    // exec goes through CRI ExecSync.
    await rt.pullImage('i');
    const sb = await rt.runPodSandbox({ metadata: { name: 'p', namespace: 'd', uid: 'u', attempt: 0 }, hostname: '', log_directory: '/tmp', port_mappings: [], labels: {}, annotations: {} });
    const id = await rt.createContainer(sb, { metadata: { name: 'c', attempt: 0 }, image: { image: 'i' }, command: [], args: [], working_dir: '', envs: [], mounts: [], labels: {}, annotations: {}, log_path: 'c/0.log' }, { metadata: { name: 'p', namespace: 'd', uid: 'u', attempt: 0 }, hostname: '', log_directory: '/tmp', port_mappings: [], labels: {}, annotations: {} });
    assert.equal((await runProbe({ exec: { command: ['true'] } }, c, '', id, rt)).ok, true);
    rt.execExitCode = () => 1;
    assert.equal((await runProbe({ exec: { command: ['false'] } }, c, '', id, rt)).ok, false);
    assert.equal((await runProbe({}, c, '', id, rt)).ok, false);
  } finally {
    srv.close();
  }
});
