/**
 * Regression tests for issue 5's HTTP-layer defects, through app.inject()
 * (and a real socket where the HTTP parser or streaming matters) on the full
 * server (real resource definitions) over a real etcd. "Nothing written" is
 * checked on etcd itself: the revision does not move.
 */
import type { Storage } from '../storage/interface.ts';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { Etcd3 } from 'etcd3';
import type { FastifyInstance } from 'fastify';
import { startEtcd, type TestEtcd } from '../../testutil/etcd.ts';
import { etcdSkipReason, quietLogger } from '../../testutil/real-api.ts';
import { buildServer } from '../server.ts';
import type { EtcdStorage } from '../storage/etcd.ts';
import { injector, type Json } from './inject.test-helper.ts';

const skip = etcdSkipReason();
let etcd: TestEtcd;
let client: Etcd3;
let app: FastifyInstance;
let storage: Storage;
let port = 0;

before(async () => {
  if (skip) return;
  etcd = await startEtcd();
  client = new Etcd3({ hosts: etcd.endpoint });
  const server = buildServer({ etcd: client, serviceCIDR: '10.96.0.0/12', log: quietLogger('test') });
  app = server.app;
  storage = server.storage;
  await app.listen({ port: 0, host: '127.0.0.1' });
  const addr = app.server.address();
  port = typeof addr === 'object' && addr ? addr.port : 0;
  for (const ns of ['default', 'kube-system', 'kube-public', 'h']) assert.equal((await req('POST', '/api/v1/namespaces', { metadata: { name: ns } })).code, 201);
});

after(async () => {
  if (skip) return;
  await app.close();
  client.close();
  await etcd.stop();
});

const req = injector(() => app);

const rev = (): Promise<string> => storage.currentRevision();
const CM = '/api/v1/namespaces/h/configmaps';
const configMap = (name: string): Record<string, unknown> => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { k: 'v' } });
const podBody = (name: string, nodeName?: string): Record<string, unknown> => ({
  apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { ...(nodeName ? { nodeName } : {}), containers: [{ name: 'c', image: 'busybox' }] },
});
const deployment = (name: string): Record<string, unknown> => ({
  apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name },
  spec: { replicas: 1, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } } },
});

/** Asserts the response is a Kubernetes Status with `code` (and `reason` when given). */
function assertStatus(r: { code: number; body: Json; raw: string }, code: number, reason?: string, what = ''): void {
  assert.equal(r.code, code, `${what}: ${r.raw.slice(0, 300)}`);
  assert.equal(String(r.body.kind), 'Status', `${what}: ${r.raw.slice(0, 300)}`);
  assert.equal(Number(r.body.code), code, what);
  if (reason) assert.equal(String(r.body.reason), reason, what);
}

describe('delete semantics', { skip }, () => {
  test('DeleteOptions {"dryRun":["All"]} in the body (kubectl delete --dry-run=server) deletes nothing', async () => {
    assert.equal((await req('POST', CM, configMap('dry-body'))).code, 201);
    const before = await rev();
    const r = await req('DELETE', `${CM}/dry-body`, { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Background', dryRun: ['All'] });
    assert.equal(r.code, 200, r.raw);
    assert.equal(await rev(), before);
    assert.ok(await storage.get('/registry/configmaps/h/dry-body'));
  });

  test('collection DELETE honours dryRun=All (query or body)', async () => {
    for (const n of ['dc-a', 'dc-b']) assert.equal((await req('POST', CM, configMap(n))).code, 201);
    const before = await rev();
    const q = await req('DELETE', `${CM}?dryRun=All`);
    assert.equal(q.code, 200, q.raw);
    assert.ok(q.body.items.map((i) => String(i.metadata.name)).includes('dc-a'), 'answers with what would go');
    const b = await req('DELETE', CM, { dryRun: ['All'] });
    assert.equal(b.code, 200, b.raw);
    assert.equal(await rev(), before);
    for (const n of ['dc-a', 'dc-b']) assert.ok(await storage.get(`/registry/configmaps/h/${n}`), n);
  });

  test('DELETE and POST on the all-namespaces path of a namespaced resource are 405; nothing deleted or created', async () => {
    assert.equal((await req('POST', CM, configMap('keep-me'))).code, 201);
    const before = await rev();
    assertStatus(await req('DELETE', '/api/v1/configmaps'), 405, 'MethodNotAllowed', 'DELETE');
    assertStatus(await req('DELETE', '/api/v1/pods', { propagationPolicy: 'Background' }), 405, 'MethodNotAllowed', 'DELETE pods');
    assertStatus(await req('POST', '/api/v1/configmaps', configMap('nowhere')), 405, 'MethodNotAllowed', 'POST');
    assertStatus(await req('DELETE', '/apis/apps/v1/deployments'), 405, 'MethodNotAllowed', 'DELETE deployments');
    assert.equal(await rev(), before);
    assert.equal((await req('GET', '/api/v1/configmaps')).code, 200, 'listing all namespaces still works');
  });

  test('garbage delete options are 400/422 Status and delete nothing', async () => {
    assert.equal((await req('POST', CM, configMap('victim'))).code, 201);
    const before = await rev();
    const cases: Array<[string, string, unknown, number]> = [
      ['body grace "abc"', `${CM}/victim`, { gracePeriodSeconds: 'abc' }, 400],
      ['body grace 1.5', `${CM}/victim`, { gracePeriodSeconds: 1.5 }, 400],
      ['body preconditions "x"', `${CM}/victim`, { preconditions: 'x' }, 400],
      ['orphanDependents=maybe', `${CM}/victim?orphanDependents=maybe`, undefined, 400],
      ['query grace abc', `${CM}/victim?gracePeriodSeconds=abc`, undefined, 400],
      ['unknown policy (body)', `${CM}/victim`, { propagationPolicy: 'Sideways' }, 422],
      ['unknown policy (query)', `${CM}/victim?propagationPolicy=Sideways`, undefined, 422],
      ['orphanDependents and policy', `${CM}/victim`, { orphanDependents: true, propagationPolicy: 'Orphan' }, 422],
      ['dryRun as a string', `${CM}/victim`, { dryRun: 'All' }, 400],
      ['unknown dryRun (body)', `${CM}/victim`, { dryRun: ['Some'] }, 422],
      ['unknown dryRun (query)', `${CM}/victim?dryRun=Some`, undefined, 422],
      ['another kind', `${CM}/victim`, { kind: 'Pod', apiVersion: 'v1' }, 400],
      ['array body', `${CM}/victim`, [1], 400],
      ['malformed JSON', `${CM}/victim`, '{"gracePeriodSeconds":', 400],
      ['collection limit=abc', `${CM}?limit=abc`, undefined, 400],
      ['collection grace abc', `${CM}`, { gracePeriodSeconds: 'abc' }, 400],
      ['collection unknown policy', `${CM}?propagationPolicy=x`, undefined, 422],
      ['collection bad selector', `${CM}?labelSelector=a%20in%20(`, undefined, 400],
    ];
    for (const [what, url, body, code] of cases) {
      const r = await req('DELETE', url, body);
      assertStatus(r, code, code === 422 ? 'Invalid' : 'BadRequest', what);
    }
    assert.equal(await rev(), before);
    assert.ok(await storage.get('/registry/configmaps/h/victim'));
  });

  test('a negative grace period counts as 1 s (as rest.BeforeDelete), not as an immediate delete', async () => {
    assert.equal((await req('POST', '/api/v1/namespaces/h/pods', podBody('graceful', 'node-1'))).code, 201);
    const r = await req('DELETE', '/api/v1/namespaces/h/pods/graceful', { gracePeriodSeconds: -1 });
    assert.equal(r.code, 200, r.raw);
    const stored = await storage.get('/registry/pods/h/graceful');
    assert.ok(stored, 'the pod stays while its grace period runs');
    assert.equal(stored.metadata?.deletionGracePeriodSeconds, 1);
  });

  test('default, kube-system and kube-public cannot be deleted (403, dry runs too); namespaces have no deletecollection (405)', async () => {
    const before = await rev();
    for (const ns of ['default', 'kube-system', 'kube-public']) {
      const r = await req('DELETE', `/api/v1/namespaces/${ns}`, { propagationPolicy: 'Background' });
      assertStatus(r, 403, 'Forbidden', ns);
      assert.equal(String(r.body.message), `namespaces "${ns}" is forbidden: this namespace may not be deleted`);
      assertStatus(await req('DELETE', `/api/v1/namespaces/${ns}?dryRun=All`), 403, 'Forbidden', `${ns} dry run`);
    }
    assertStatus(await req('DELETE', '/api/v1/namespaces'), 405, 'MethodNotAllowed', 'deletecollection');
    assert.equal(await rev(), before);
    const list = await req('GET', '/api/v1/namespaces');
    for (const ns of ['default', 'kube-system', 'kube-public']) {
      const found = list.body.items.map((i) => i).find((i) => String(i.metadata.name) === ns);
      assert.equal(String(found?.status.phase), 'Active', ns);
    }
  });
});

describe('routing', { skip }, () => {
  test('any non-GET on a /watch/ path is 405 and writes nothing', async () => {
    const before = await rev();
    assertStatus(await req('POST', '/api/v1/watch/namespaces/h/configmaps', configMap('via-watch')), 405, 'MethodNotAllowed', 'POST collection');
    assertStatus(await req('PUT', '/api/v1/watch/namespaces/h/configmaps/victim', configMap('victim')), 405, 'MethodNotAllowed', 'PUT item');
    assertStatus(await req('DELETE', '/api/v1/watch/namespaces/h/configmaps'), 405, 'MethodNotAllowed', 'DELETE collection');
    assertStatus(await req('DELETE', '/api/v1/watch/namespaces/h/configmaps/victim'), 405, 'MethodNotAllowed', 'DELETE item');
    assert.equal(await rev(), before);
  });

  test('wrong methods on discovery paths and /version are 405 Status; unknown groups 404', async () => {
    const paths = ['/api', '/apis', '/version', '/api/v1', '/apis/apps', '/apis/apps/v1'];
    for (const p of paths) {
      for (const m of ['POST', 'PUT', 'PATCH', 'DELETE']) {
        const r = await req(m, p, m === 'DELETE' ? undefined : {});
        assertStatus(r, 405, 'MethodNotAllowed', `${m} ${p}`);
        assert.equal(String(r.body.message), 'the server does not allow this method on the requested resource');
      }
    }
    for (const [m, p] of [['PATCH', '/openapi/v2'], ['POST', '/openapi/v3'], ['DELETE', '/healthz'], ['PUT', '/readyz']]) {
      assertStatus(await req(m, p, m === 'DELETE' ? undefined : {}), 405, 'MethodNotAllowed', `${m} ${p}`);
    }
    assertStatus(await req('POST', '/no/such/path', {}), 404, 'NotFound', 'POST to an unknown path');
    assertStatus(await req('POST', '/apis/nope', {}), 404, 'NotFound', 'unknown group');
    assertStatus(await req('POST', '/apis/apps/v9', {}), 404, 'NotFound', 'unknown version');
    const nf = await req('GET', '/no/such/path');
    assertStatus(nf, 404, 'NotFound', 'unknown path');
    assert.equal(String(nf.body.message), 'the server could not find the requested resource');
  });

  test('router errors are Status: bad escapes 400, double-encoded names decode once, body too large 413', async () => {
    assertStatus(await req('GET', '/api/v1/namespaces/%zz/configmaps'), 400, 'BadRequest', 'bad escape');
    assertStatus(await req('GET', '/a%zzb'), 400, 'BadRequest', 'bad escape outside the API');
    // %2525zz is "%25zz" once decoded (no such configmap); decoding twice used to throw (500).
    assertStatus(await req('GET', `${CM}/%2525zz`), 404, 'NotFound', 'double-encoded');
    const big = await req('POST', CM, JSON.stringify({ ...configMap('big'), data: { k: 'x'.repeat(4 * 1024 * 1024) } }));
    assertStatus(big, 413, 'RequestEntityTooLarge', 'too large');
    assert.equal(String(big.body.message), 'Request entity too large: limit is 3145728');
    assertStatus(await req('GET', `${CM}?watch=maybe`), 400, 'BadRequest', 'bad boolean');
  });

  test('a request line over the header limit is answered with a 431 Status on the socket', async () => {
    const raw = await new Promise<string>((resolve, reject) => {
      const s = net.connect(port, '127.0.0.1', () => s.write(`GET /api/v1/${'a'.repeat(70000)} HTTP/1.1\r\nHost: x\r\n\r\n`));
      let got = '';
      s.setEncoding('utf8');
      s.on('data', (d: string) => { got += d; });
      s.on('close', () => resolve(got));
      s.on('error', (e) => (got ? resolve(got) : reject(e)));
    });
    assert.match(raw, /^HTTP\/1.1 431 /);
    const status = JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4)) as { kind: string; code: number };
    assert.deepEqual([status.kind, status.code], ['Status', 431]);
  });
});

/** Opens a watch over a real socket; `onOpen` runs once the headers arrived; resolves at the first event `until` accepts, or when the stream ends. */
function watchUntil(path: string, until: (ev: Json) => boolean, onOpen: () => Promise<unknown> = async () => undefined): Promise<{ code: number; events: Json[]; ended: boolean; body: string }> {
  return new Promise((resolve, reject) => {
    const events: Json[] = [];
    let buf = '';
    let all = '';
    const r = http.get(`http://127.0.0.1:${port}${path}`, (res) => {
      res.setEncoding('utf8');
      void onOpen().catch(reject);
      res.on('data', (chunk: string) => {
        buf += chunk;
        all += chunk;
        let i: number;
        while ((i = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, i);
          buf = buf.slice(i + 1);
          if (!line.trim()) continue;
          const ev = JSON.parse(line) as Json;
          events.push(ev);
          if (until(ev)) {
            r.destroy();
            resolve({ code: res.statusCode ?? 0, events, ended: false, body: all });
          }
        }
      });
      res.on('end', () => resolve({ code: res.statusCode ?? 0, events, ended: true, body: all }));
    });
    r.on('error', (e) => reject(e));
  });
}

describe('query parameters and watch timers', { skip }, () => {
  test('watch=True (the Python client spelling) streams events', async () => {
    assert.equal((await req('POST', CM, configMap('w-true'))).code, 201);
    const w = await watchUntil(`${CM}?watch=True&timeoutSeconds=30`, (ev) => String(ev.type) === 'ADDED');
    assert.equal(w.code, 200);
    assert.equal(w.ended, false, `got a plain response instead of a stream: ${w.body.slice(0, 200)}`);
    assert.equal(String(w.events[0].type), 'ADDED');
    const list = await req('GET', `${CM}?watch=False`);
    assert.equal(String(list.body.kind), 'ConfigMapList');
  });

  test('booleans other than strconv.ParseBool spellings are 400', async () => {
    for (const p of ['watch=yes', 'allowWatchBookmarks=maybe', 'sendInitialEvents=2', 'watch=']) {
      assertStatus(await req('GET', `${CM}?${p}`), 400, 'BadRequest', p);
    }
  });

  test('timeoutSeconds=3000000 keeps the watch open (no timer overflow); negative or garbage is 400', async () => {
    const list = await req('GET', CM);
    const w = await watchUntil(
      `${CM}?watch=true&timeoutSeconds=3000000&resourceVersion=${String(list.body.metadata.resourceVersion)}`,
      (ev) => String(ev.object.metadata.name) === 'after-open',
      () => req('POST', CM, configMap('after-open')),
    );
    assert.equal(w.ended, false, 'the watch ended before the event arrived');
    assert.equal(String(w.events.at(-1)?.type), 'ADDED');
    assertStatus(await req('GET', `${CM}?watch=true&timeoutSeconds=-1`), 400, 'BadRequest', 'negative');
    assertStatus(await req('GET', `${CM}?watch=true&timeoutSeconds=abc`), 400, 'BadRequest', 'garbage');
  });
});

describe('bodies', { skip }, () => {
  test('application/yaml bodies on create, update and delete; bad YAML is 400 and writes nothing', async () => {
    const y = { 'content-type': 'application/yaml' };
    const c = await req('POST', CM, 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: from-yaml\ndata:\n  k: v\n', y);
    assert.equal(c.code, 201, c.raw);
    const u = await req('PUT', `${CM}/from-yaml`, `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: from-yaml\n  resourceVersion: "${String(c.body.metadata.resourceVersion)}"\ndata:\n  k: v2\n`, y);
    assert.equal(u.code, 200, u.raw);
    assert.deepEqual(((await storage.get('/registry/configmaps/h/from-yaml')) as { data?: unknown } | undefined)?.data, { k: 'v2' });
    const before = await rev();
    const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x"]', 'b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]', 'c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]', `d: [${Array(200).fill('*c').join(',')}]`].join('\n');
    const bad: Array<[string, string]> = [
      ['two documents', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: y1}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: y2}\n'],
      ['a scalar', '"just a string"\n'], ['a list', '- a\n'], ['alias bomb', `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: bomb}\n${bomb}\n`], ['.inf', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: inf}\ndata: {k: .inf}\n'],
    ];
    for (const [what, text] of bad) assertStatus(await req('POST', CM, text, y), 400, 'BadRequest', what);
    const d = await req('DELETE', `${CM}/from-yaml`, 'dryRun: [All]\n', y);
    assert.equal(d.code, 200, d.raw);
    assert.equal(await rev(), before);
  });

  test('JSON nested deeper than 10,000 levels is 400 on create, update and patch; 10,000 is no 5xx', async () => {
    const deep = (n: number): string => `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"deep","annotations":{"a":"b"}},"x":${'['.repeat(n)}${']'.repeat(n)}}`;
    const before = await rev();
    for (const [m, url, ct] of [['POST', CM, 'application/json'], ['PUT', `${CM}/victim`, 'application/json'], ['PATCH', `${CM}/victim`, 'application/merge-patch+json'], ['PATCH', `${CM}/victim`, 'application/strategic-merge-patch+json']] as const) {
      const r = await req(m, url, deep(10001), { 'content-type': ct });
      assertStatus(r, 400, 'BadRequest', `${m} ${ct}`);
      assert.match(String(r.body.message), /exceeded max depth/);
    }
    assert.equal(await rev(), before);
    const ok = await req('POST', CM, deep(9995));
    assert.ok(ok.code < 500, ok.raw.slice(0, 300));
  });

  test('__proto__, constructor and prototype keys touch no prototype; a normal create works afterwards', async () => {
    const before = Object.getOwnPropertyNames(Object.prototype).sort();
    const json = '{"__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}},"prototype":{"polluted":"yes"},"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"proto-json","labels":{"__proto__":"x"},"annotations":{"constructor":"y"}},"data":{"__proto__":"z"}}';
    const j = await req('POST', CM, json);
    assert.ok(j.code < 500, j.raw);
    const yaml = 'apiVersion: v1\nkind: ConfigMap\n__proto__: {polluted: yes}\nconstructor: {prototype: {polluted: yes}}\nmetadata:\n  name: proto-yaml\n  labels: {__proto__: x}\ndata: {__proto__: z}\n';
    const y = await req('POST', CM, yaml, { 'content-type': 'application/yaml' });
    assert.ok(y.code < 500, y.raw);
    const d = await req('DELETE', `${CM}/victim?dryRun=All`, '{"__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}}}');
    assert.equal(d.code, 200, d.raw);
    const m = await req('PATCH', `${CM}/victim?dryRun=All`, '{"metadata":{"labels":{"__proto__":{"polluted":"yes"}}}}', { 'content-type': 'application/merge-patch+json' });
    assert.ok(m.code < 500, m.raw);
    assert.deepEqual(Object.getOwnPropertyNames(Object.prototype).sort(), before);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.equal((await req('POST', CM, configMap('after-proto'))).code, 201);
  });
});

describe('dryRun on every verb', { skip }, () => {
  test('dryRun=All writes nothing on create, update, patch, delete, deletecollection, status, scale and binding', async () => {
    assert.equal((await req('POST', '/apis/apps/v1/namespaces/h/deployments', deployment('web'))).code, 201);
    assert.equal((await req('POST', '/api/v1/namespaces/h/pods', podBody('unbound'))).code, 201);
    const dep = (await req('GET', '/apis/apps/v1/namespaces/h/deployments/web')).body;
    const cm = (await req('GET', `${CM}/victim`)).body;
    const D = '/apis/apps/v1/namespaces/h/deployments/web';
    const merge = { 'content-type': 'application/merge-patch+json' };
    const before = await rev();
    const calls: Array<[string, string, unknown, Record<string, string>?]> = [
      ['POST', CM, configMap('dry-create')],
      ['PUT', `${CM}/victim`, { ...cm, data: { k: 'changed' } }],
      ['PATCH', `${CM}/victim`, { data: { k: 'patched' } }, merge],
      ['DELETE', `${CM}/victim`, undefined],
      ['DELETE', CM, undefined],
      ['PUT', `${D}/status`, { ...dep, status: { replicas: 7 } }],
      ['PATCH', `${D}/status`, { status: { replicas: 7 } }, merge],
      ['PUT', `${D}/scale`, { apiVersion: 'autoscaling/v1', kind: 'Scale', metadata: { name: 'web', namespace: 'h' }, spec: { replicas: 5 } }],
      ['PATCH', `${D}/scale`, { spec: { replicas: 5 } }, merge],
      ['POST', '/api/v1/namespaces/h/pods/unbound/binding', { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'unbound' }, target: { kind: 'Node', name: 'node-1' } }],
      ['POST', '/api/v1/namespaces/h/bindings', { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'unbound' }, target: { kind: 'Node', name: 'node-1' } }],
    ];
    for (const [m, url, body, headers] of calls) {
      const sep = url.includes('?') ? '&' : '?';
      const dry = await req(m, `${url}${sep}dryRun=All`, body, headers);
      assert.ok(dry.code >= 200 && dry.code < 300, `${m} ${url} dryRun=All: ${dry.raw.slice(0, 300)}`);
      const bogus = await req(m, `${url}${sep}dryRun=Bogus`, body, headers);
      assertStatus(bogus, 422, 'Invalid', `${m} ${url} dryRun=Bogus`);
    }
    assert.equal(await rev(), before, 'etcd unchanged');
  });
});
