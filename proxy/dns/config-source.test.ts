/** DNSConfigSource: follows the ConfigMap's events, keeps a bad key's previous value, logs each warning once. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ConfigMap } from 'kubernetes-types/core/v1';
import type { Logger } from '../../apiserver/api/log.ts';
import type { Informer, InformerHandlers } from '../../apiserver/client/informer-types.ts';
import { DNSConfigSource } from './config-source.ts';

/** An informer holding at most the one ConfigMap; `set` changes it and fires the handlers as the shared informer does. */
class OneConfigMap implements Pick<Informer<ConfigMap>, 'addHandlers' | 'get'> {
  private obj: ConfigMap | undefined;
  private readonly handlers: Array<InformerHandlers<ConfigMap>> = [];
  private rv = 0;
  addHandlers(h: InformerHandlers<ConfigMap>): void { this.handlers.push(h); }
  get(key: string): ConfigMap | undefined { return key === 'kube-system/kube-dns' ? this.obj : undefined; }
  set(data: Record<string, string> | undefined, sameVersion = false): void {
    const old = this.obj;
    if (!sameVersion) this.rv++;
    this.obj = data === undefined ? undefined : { metadata: { namespace: 'kube-system', name: 'kube-dns', resourceVersion: String(this.rv) }, data };
    for (const h of this.handlers) {
      if (this.obj === undefined) { if (old) h.onDelete?.(old); } else if (old) h.onUpdate?.(old, this.obj); else h.onAdd?.(this.obj);
    }
  }
}

function recordingLogger(warnings: string[]): Logger {
  const log = { debug: () => {}, info: () => {}, warn: (msg: string) => { warnings.push(msg); }, error: () => {}, child: () => log };
  return log as unknown as Logger;
}

test('DNSConfigSource: defaults, a change, a bad key kept at its previous value (warned once), a delete back to defaults', () => {
  const warnings: string[] = [];
  const inf = new OneConfigMap();
  const src = new DNSConfigSource(inf, 'cluster.local', recordingLogger(warnings));
  assert.deepEqual(src.config(), { stubDomains: [] });

  inf.set({ stubDomains: '{"home.lan": ["192.168.1.1"]}', upstreamNameservers: '["8.8.8.8"]' });
  const good = { stubDomains: [{ domain: 'home.lan', servers: [{ host: '192.168.1.1', port: 53 }] }], upstreams: [{ host: '8.8.8.8', port: 53 }] };
  assert.deepEqual(src.config(), good);

  inf.set({ stubDomains: '{"home.lan": [', upstreamNameservers: '["8.8.8.8"]' });
  assert.equal(warnings.length, 1, 'warned at the event, before any query');
  assert.match(warnings[0] ?? '', /stubDomains: invalid JSON/);
  for (let i = 0; i < 3; i++) assert.deepEqual(src.config(), good);
  inf.set({ stubDomains: '{"home.lan": [', upstreamNameservers: '["8.8.8.8"]' }, true); // a relist: same resourceVersion
  assert.equal(warnings.length, 1, 'not warned again');

  inf.set(undefined);
  assert.deepEqual(src.config(), { stubDomains: [] });
  assert.deepEqual(new DNSConfigSource(undefined, 'cluster.local', recordingLogger(warnings)).config(), { stubDomains: [] });
});
