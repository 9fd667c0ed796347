import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, get, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Node, Pod } from 'kubernetes-types/core/v1';
import { containerLogsURL, kubeletAuthError, kubeletEndpoint, pickContainer, registerPodLog } from './podlog.ts';

const pod = (name: string, containers: string[], nodeName?: string, inits: string[] = []): Pod => ({
  metadata: { name, namespace: 'default' },
  spec: { containers: containers.map((c) => ({ name: c, image: 'i' })), initContainers: inits.map((c) => ({ name: c, image: 'i' })), ...(nodeName ? { nodeName } : {}) },
});

test('container choice follows Kubernetes', () => {
  assert.deepEqual(pickContainer(pod('p', ['a']), undefined), { container: 'a' });
  assert.deepEqual(pickContainer(pod('p', ['a', 'b']), 'b'), { container: 'b' });
  assert.deepEqual(pickContainer(pod('p', ['a'], undefined, ['init']), 'init'), { container: 'init' });
  const many = pickContainer(pod('web', ['a', 'b']), undefined);
  assert.ok('error' in many);
  assert.equal(many.error.code, 400);
  assert.equal(many.error.status.message, 'a container name must be specified for pod web, choose one of: [a b]');
  const withInit = pickContainer(pod('web', ['a', 'b'], undefined, ['i']), undefined);
  assert.ok('error' in withInit && withInit.error.status.message!.endsWith('or one of the init containers: [i]'));
  const wrong = pickContainer(pod('web', ['a']), 'zz');
  assert.ok('error' in wrong && wrong.error.status.message === 'container zz is not valid for pod web');
});

test('kubelet endpoint and URL', () => {
  const n: Node = { status: { addresses: [{ type: 'Hostname', address: 'n1' }, { type: 'InternalIP', address: '10.0.0.2' }] } };
  assert.deepEqual(kubeletEndpoint(n), { host: '10.0.0.2', port: 10250 });
  n.status!.daemonEndpoints = { kubeletEndpoint: { Port: 11250 } };
  assert.deepEqual(kubeletEndpoint(n), { host: '10.0.0.2', port: 11250 });
  assert.equal(kubeletEndpoint({ status: { addresses: [{ type: 'Hostname', address: 'n1' }] } }), undefined);
  assert.equal(containerLogsURL('10.0.0.2', 10250, 'default', 'web', 'c', { follow: 'true', tailLines: '5', timestamps: 'false' }), 'http://10.0.0.2:10250/containerLogs/default/web/c?follow=true&tailLines=5');
  assert.equal(containerLogsURL('10.0.0.2', 10250, 'ns', 'p', 'c', {}), 'http://10.0.0.2:10250/containerLogs/ns/p/c');
  assert.equal(containerLogsURL('10.0.0.2', 10250, 'ns', 'p', 'c', {}, 'https'), 'https://10.0.0.2:10250/containerLogs/ns/p/c');
});

test('a kubelet 401 / 403 becomes the Status Kubernetes\' apiserver answers', () => {
  const forbidden = kubeletAuthError(403, 'Forbidden (user=u, verb=get, resource=nodes, subresource(s)=[proxy])', 'web');
  assert.deepEqual([forbidden?.code, forbidden?.status.reason, forbidden?.status.message],
    [403, 'Forbidden', 'Forbidden (user=u, verb=get, resource=nodes, subresource(s)=[proxy]) ( pods/log web)']);
  const unauthorized = kubeletAuthError(401, 'Unauthorized', 'web');
  assert.deepEqual([unauthorized?.code, unauthorized?.status.reason, unauthorized?.status.message],
    [401, 'Unauthorized', 'the server has asked for the client to provide credentials ( pods/log web)']);
  assert.equal(kubeletAuthError(404, 'x', 'web'), undefined);
  assert.equal(kubeletAuthError(500, 'x', 'web'), undefined);
});

interface Harness { app: FastifyInstance; base: string; kubelet: Server; requests: string[]; releaseSecond: () => void; close(): Promise<void> }

async function harness(): Promise<Harness> {
  const requests: string[] = [];
  let releaseSecond: () => void = () => {};
  const second = new Promise<void>((r) => { releaseSecond = r; });
  const kubelet = createServer((req, res) => {
    requests.push(req.url ?? '');
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/containerLogs/default/web/nginx') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('line 1\n');
      if (url.searchParams.get('follow') === 'true') {
        void second.then(() => res.end('line 2\n'));
      } else res.end('line 2\n');
      return;
    }
    res.writeHead(404);
    res.end('container "ghost" in pod "web" is not available');
  });
  await new Promise<void>((r) => kubelet.listen(0, '127.0.0.1', r));
  const port = (kubelet.address() as AddressInfo).port;
  const pods = new Map<string, Pod>([
    ['web', pod('web', ['nginx', 'ghost'], 'node-1')],
    ['solo', pod('solo', ['nginx'], 'node-1')],
    ['unbound', pod('unbound', ['nginx'])],
  ]);
  const node: Node = { metadata: { name: 'node-1' }, status: { addresses: [{ type: 'InternalIP', address: '127.0.0.1' }], daemonEndpoints: { kubeletEndpoint: { Port: port } } } };
  const app = Fastify();
  registerPodLog(app, { getPod: async (_ns, name) => pods.get(name), getNode: async (name) => (name === 'node-1' ? node : undefined) });
  const base = await app.listen({ port: 0, host: '127.0.0.1' });
  return {
    app, base, kubelet, requests, releaseSecond,
    async close() {
      releaseSecond();
      await app.close();
      kubelet.closeAllConnections();
      await new Promise<void>((r) => kubelet.close(() => r()));
    },
  };
}

function open(url: string): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => get(url, { agent: false }, resolve).on('error', reject));
}

test('log route against a kubelet stand-in on 127.0.0.1: errors and plain fetch', async () => {
  const h = await harness();
  try {
    const ok = await h.app.inject({ method: 'GET', url: '/api/v1/namespaces/default/pods/web/log?container=nginx&tailLines=10&timestamps=true' });
    assert.equal(ok.statusCode, 200);
    assert.match(String(ok.headers['content-type']), /^text\/plain/);
    assert.equal(ok.body, 'line 1\nline 2\n');
    assert.equal(h.requests.at(-1), '/containerLogs/default/web/nginx?tailLines=10&timestamps=true');
    const many = await h.app.inject({ method: 'GET', url: '/api/v1/namespaces/default/pods/web/log' });
    assert.equal(many.statusCode, 400);
    assert.equal((many.json() as { message: string }).message, 'a container name must be specified for pod web, choose one of: [nginx ghost]');
    const missing = await h.app.inject({ method: 'GET', url: '/api/v1/namespaces/default/pods/nope/log' });
    assert.equal(missing.statusCode, 404);
    assert.deepEqual([(missing.json() as { kind: string }).kind, (missing.json() as { message: string }).message], ['Status', 'pods "nope" not found']);
    const unbound = await h.app.inject({ method: 'GET', url: '/api/v1/namespaces/default/pods/unbound/log' });
    assert.equal(unbound.statusCode, 400);
    assert.equal((unbound.json() as { message: string }).message, 'pod unbound does not have a host assigned');
    const ghost = await h.app.inject({ method: 'GET', url: '/api/v1/namespaces/default/pods/web/log?container=ghost' });
    assert.equal(ghost.statusCode, 404);
    assert.match((ghost.json() as { message: string }).message, /not available/);
  } finally {
    await h.close();
  }
});

test('follow streams each chunk as the kubelet writes it', async () => {
  const h = await harness();
  try {
    const res = await open(`${h.base}/api/v1/namespaces/default/pods/solo/log?follow=true`);
    assert.equal(res.statusCode, 404, 'the kubelet stand-in only serves web/nginx; its 404 passes through');
    res.resume();
    const follow = await open(`${h.base}/api/v1/namespaces/default/pods/web/log?container=nginx&follow=true`);
    assert.equal(follow.statusCode, 200);
    follow.setEncoding('utf8');
    const chunks: string[] = [];
    const first = await new Promise<string>((r) => follow.once('data', (c: string) => r(c)));
    chunks.push(first);
    assert.equal(first, 'line 1\n', 'first line arrives before the kubelet finishes');
    h.releaseSecond();
    await new Promise<void>((r) => {
      follow.on('data', (c: string) => chunks.push(c));
      follow.on('end', () => r());
    });
    assert.equal(chunks.join(''), 'line 1\nline 2\n');
    assert.equal(h.requests.at(-1), '/containerLogs/default/web/nginx?follow=true');
  } finally {
    await h.close();
  }
});
