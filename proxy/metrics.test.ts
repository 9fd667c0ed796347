// The proxy's /metrics: a sync observed into kubeproxy_sync_proxy_rules_duration_seconds is served
// in Prometheus text by the proxy's healthz server (loopback), with the process metrics beside it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { newComponentRegistry } from '../apiserver/client/metrics.ts';
import { silentLogger } from '../apiserver/api/log.ts';
import { serveProxyHealthz } from './healthz.ts';
import { proxyMetrics } from './metrics.ts';

test('a sync duration shows on /metrics of the healthz server', async () => {
  const m = proxyMetrics(newComponentRegistry());
  m.syncDuration.observe(0.003);
  m.syncDuration.observe(0.2);
  const ac = new AbortController();
  const port = await serveProxyHealthz(0, '127.0.0.1', { lastSuccessMs: () => 1, now: () => 2, staleAfterMs: 1000 }, silentLogger(), ac.signal, m.registry);
  try {
    const res = await fetch(`http://127.0.0.1:${port}/metrics`);
    assert.equal(res.status, 200);
    assert.match(String(res.headers.get('content-type')), /^text\/plain/);
    const text = await res.text();
    assert.match(text, /^kubeproxy_sync_proxy_rules_duration_seconds_count 2$/m);
    assert.match(text, /^kubeproxy_sync_proxy_rules_duration_seconds_bucket\{le="0.004"\} 1$/m);
    assert.match(text, /^process_resident_memory_bytes \d+/m);
    assert.equal((await fetch(`http://127.0.0.1:${port}/healthz`)).status, 200, 'health still answers');
  } finally {
    ac.abort();
  }
});

test('without a registry /metrics is 404', async () => {
  const ac = new AbortController();
  const port = await serveProxyHealthz(0, '127.0.0.1', { lastSuccessMs: () => 1, now: () => 2, staleAfterMs: 1000 }, silentLogger(), ac.signal);
  try {
    assert.equal((await fetch(`http://127.0.0.1:${port}/metrics`)).status, 404);
  } finally {
    ac.abort();
  }
});
