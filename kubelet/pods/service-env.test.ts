import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Service } from 'kubernetes-types/core/v1';
import { serviceEnvVars } from './service-env.ts';

const svc = (ns: string, name: string, ip: string, ports: { port: number; name?: string; protocol?: string }[]): Service => ({ metadata: { namespace: ns, name }, spec: { clusterIP: ip, ports } });
const services = [
  svc('default', 'kubernetes', '10.96.0.1', [{ port: 443, name: 'https' }]),
  svc('app', 'web-api', '10.96.0.20', [{ port: 8080, name: 'http' }, { port: 53, protocol: 'UDP' }]),
  svc('app', 'headless', 'None', [{ port: 80 }]),
  svc('other', 'db', '10.96.0.30', [{ port: 5432 }]),
];

test('service env vars', () => {
  const env = new Map(serviceEnvVars({ metadata: { namespace: 'app' } }, services));
  assert.equal(env.get('KUBERNETES_SERVICE_HOST'), '10.96.0.1');
  assert.equal(env.get('KUBERNETES_SERVICE_PORT'), '443');
  assert.equal(env.get('KUBERNETES_SERVICE_PORT_HTTPS'), '443');
  assert.equal(env.get('KUBERNETES_PORT'), 'tcp://10.96.0.1:443');
  assert.equal(env.get('WEB_API_SERVICE_HOST'), '10.96.0.20');
  assert.equal(env.get('WEB_API_SERVICE_PORT_HTTP'), '8080');
  assert.equal(env.get('WEB_API_PORT_53_UDP'), 'udp://10.96.0.20:53');
  assert.equal(env.get('WEB_API_PORT_53_UDP_PROTO'), 'udp');
  assert.equal(env.get('WEB_API_PORT_8080_TCP_ADDR'), '10.96.0.20');
  assert.equal([...env.keys()].some((k) => k.startsWith('HEADLESS') || k.startsWith('DB_')), false);
  const noLinks = new Map(serviceEnvVars({ metadata: { namespace: 'app' }, spec: { enableServiceLinks: false, containers: [] } }, services));
  assert.equal(noLinks.has('WEB_API_SERVICE_HOST'), false);
  assert.equal(noLinks.get('KUBERNETES_SERVICE_HOST'), '10.96.0.1');
});
