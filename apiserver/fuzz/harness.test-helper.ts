/**
 * The fuzz suite's test bench: a real etcd (testutil/etcd.ts), the real
 * server stack (buildServer + bootstrap) on an etcd3 client built as main.ts
 * builds it (createEtcdClient), a second etcd3 client that only observes, and
 * `check(request)`, which sends one request (app.inject, or a real loopback
 * socket) and returns every broken invariant.
 */
import { existsSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Etcd3 } from 'etcd3';
import { bootstrap } from '../bootstrap.ts';
import { createEtcdClient } from '../storage/etcd-client.ts';
import { buildServer } from '../server.ts';
import { allResources } from '../registry/resources/index.ts';
import type { ResourceDef } from '../registry/types.ts';
import type { CoreApp } from '../routes/core.ts';
import { startEtcd, type TestEtcd } from '../../testutil/etcd.ts';
import { quietLogger } from '../../testutil/log.ts';
import { describeRequest, type FuzzRequest } from './arbitraries/requests.ts';
import { collectionPath, encodeSegment, FUZZ_NAMESPACE, SEED_NAME, storedDefs, validObject } from './arbitraries/seeds.ts';
import { asksDryRun, finalizerIdle, stuckNamespaces, prototypeChanges, responseViolation, restorePrototypes, snapshotPrototypes, storedValueViolation, type ProtoSnapshot, type Seen } from './invariants.ts';

/** One broken invariant. */
export interface Violation {
  /** '5xx' | 'not-status' | 'wrote-on-reject' | 'wrote-on-dry-run' | 'prototype' | 'stored-invalid' | 'canary' | 'hang' */
  kind: string;
  detail: string;
  request?: FuzzRequest;
  response?: Seen;
}

/** Shows a violation on one line (request and response bodies cut short). */
export function describeViolation(v: Violation): string {
  const res = v.response ? ` → ${v.response.code} ${v.response.body.slice(0, 400)}` : '';
  return `${v.kind}: ${v.detail}${v.request ? ` | ${describeRequest(v.request)}` : ''}${res}`;
}

/** How requests travel: fastify's inject (fast) or an HTTP request over a loopback socket. */
export type Transport = 'inject' | 'socket';

/** Options of startHarness. */
export interface HarnessOptions {
  /** Take full key/value snapshots of /registry around every `snapshotEvery`-th rejected request (default 25). */
  snapshotEvery?: number;
  /** A request that takes longer than this fails as 'hang' (ms, default 20 000). */
  requestTimeoutMs?: number;
}

/** A running bench. */
export interface Harness {
  defs: ResourceDef[];
  /** Sends `r` and returns every invariant it broke (prototype changes are undone so the run can go on). */
  check(r: FuzzRequest, via?: Transport): Promise<Violation[]>;
  /** The response to the last request `check` sent (undefined before the first, or if it got none). */
  lastResponse(): Seen | undefined;
  /** Sends `r` and returns the response, checking nothing. */
  send(r: FuzzRequest, via?: Transport): Promise<Seen>;
  /** Creates a valid Pod and ConfigMap under fresh names; returns a violation per create that did not answer 201. */
  canary(): Promise<Violation[]>;
  /** Recreates the fuzz namespace and the seed object of every kind where missing. */
  reseed(): Promise<void>;
  /** Requests checked so far, by transport. */
  counts: Record<Transport, number>;
  /** Time spent per request family, checks and clean-up included (ms). */
  timing: Map<string, { n: number; ms: number }>;
  /** Requests slower than 2 s (ms, with the request), for reports. */
  slow: Array<{ ms: number; request: FuzzRequest }>;
  stop(): Promise<void>;
}

const SERVICE_CIDR = '10.96.0.0/12';

/** Reads every key and value under /registry/ and the revision they were read at. */
async function snapshot(observer: Etcd3): Promise<{ revision: string; kvs: Map<string, string> }> {
  const res = await observer.getAll().prefix('/registry/').exec();
  const kvs = new Map<string, string>();
  for (const kv of res.kvs) kvs.set(kv.key.toString(), kv.value.toString('base64'));
  return { revision: res.header.revision, kvs };
}

/** The current etcd revision, read with one cheap range request. */
async function revision(observer: Etcd3): Promise<string> {
  return (await observer.get('/fuzz-revision-probe').exec()).header.revision;
}

/** Keys under / put after `rev` (deletes leave no trace here), at most 5, for diagnostics. */
async function writtenSinceOn(observer: Etcd3, rev: string): Promise<string[]> {
  const res = await observer.getAll().prefix('/').minModRevision(String(Number(rev) + 1)).keys();
  return res.slice(0, 5).map((k) => `put ${k}`);
}

/** Keys added, removed or changed between two snapshots (at most 5 named). */
function snapshotDiff(a: Map<string, string>, b: Map<string, string>): string[] {
  const out: string[] = [];
  for (const [k, v] of b) if (a.get(k) !== v) out.push(a.has(k) ? `changed ${k}` : `added ${k}`);
  for (const k of a.keys()) if (!b.has(k)) out.push(`removed ${k}`);
  return out.slice(0, 5);
}

/** Starts etcd, the server (bootstrapped, listening on a loopback port for the socket share) and seeds one object of every kind. */
export async function startHarness(opts: HarnessOptions = {}): Promise<Harness> {
  const testEtcd: TestEtcd = await startEtcd({ tmpRoot: existsSync('/dev/shm') ? '/dev/shm' : undefined });
  const etcd = createEtcdClient({ hosts: [testEtcd.endpoint] });
  const observer = new Etcd3({ hosts: [testEtcd.endpoint] });
  const log = quietLogger('fuzz');
  const core: CoreApp = buildServer({ etcd, serviceCIDR: SERVICE_CIDR, log });
  const { app, registry } = core;
  await bootstrap(registry, SERVICE_CIDR, log);
  await app.listen({ host: '127.0.0.1', port: 0 });
  const port = (app.server.address() as AddressInfo).port;
  const defs = storedDefs(allResources());
  const namespacedOf = new Map(defs.map((d) => [d.resource, d.namespaced]));
  const protoBaseline: ProtoSnapshot = snapshotPrototypes();
  const snapshotEvery = opts.snapshotEvery ?? 25;
  const timeoutMs = opts.requestTimeoutMs ?? 20_000;
  const counts: Record<Transport, number> = { inject: 0, socket: 0 };
  const slow: Harness['slow'] = [];
  const timing: Harness['timing'] = new Map();
  const writtenSince = (rev: string): Promise<string[]> => writtenSinceOn(observer, rev);
  let rejected = 0;
  let last: Seen | undefined;
  /** Terminating namespaces that unstick could not remove; settling no longer waits for them. */
  const givenUp = new Set<string>();
  let canaries = 0;

  async function viaInject(r: FuzzRequest): Promise<Seen> {
    const headers: Record<string, string> = {};
    if (r.contentType !== undefined) headers['content-type'] = r.contentType;
    if (r.accept !== undefined) headers.accept = r.accept;
    const res = await app.inject({ method: r.method as 'GET', url: r.url, headers, payload: r.body });
    return { code: res.statusCode, contentType: String(res.headers['content-type'] ?? ''), body: res.body };
  }

  function viaSocket(r: FuzzRequest): Promise<Seen> {
    return new Promise((resolve, reject) => {
      const headers: Record<string, string | number> = {};
      if (r.contentType !== undefined) headers['content-type'] = r.contentType;
      if (r.accept !== undefined) headers.accept = r.accept;
      if (r.body !== undefined) headers['content-length'] = Buffer.byteLength(r.body);
      const c = httpRequest({ host: '127.0.0.1', port, method: r.method, path: r.url, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (d: Buffer) => chunks.push(d));
        res.on('end', () => resolve({ code: res.statusCode ?? 0, contentType: String(res.headers['content-type'] ?? ''), body: Buffer.concat(chunks).toString() }));
        res.on('error', reject);
      });
      c.on('error', reject);
      c.end(r.body);
    });
  }

  async function send(r: FuzzRequest, via: Transport = 'inject'): Promise<Seen> {
    let timer: NodeJS.Timeout | undefined;
    const started = Date.now();
    try {
      return await Promise.race([
        via === 'inject' ? viaInject(r) : viaSocket(r),
        new Promise<Seen>((_, reject) => { timer = setTimeout(() => reject(new Error(`no response within ${timeoutMs} ms`)), timeoutMs); }),
      ]);
    } finally {
      clearTimeout(timer);
      const ms = Date.now() - started;
      if (ms > 2000) slow.push({ ms, request: r });
    }
  }

  async function reseed(): Promise<void> {
    const ns = defs.find((d) => d.resource === 'namespaces');
    if (ns) await viaInject({ family: 'seed', method: 'POST', url: collectionPath(ns, undefined), contentType: 'application/json', body: JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: FUZZ_NAMESPACE } }) });
    for (const d of defs) {
      await viaInject({ family: 'seed', method: 'POST', url: collectionPath(d, FUZZ_NAMESPACE), contentType: 'application/json', body: JSON.stringify(validObject(d, SEED_NAME)) });
    }
  }

  /**
   * Waits (polling etcd every 20 ms, up to 15 s) until the namespace
   * finalizer has nothing left to do (finalizerIdle) and no namespace is
   * Terminating (unstick helps once), so its writes do not land during later checks. Resolves with the last snapshot read.
   */
  async function settleNamespaces(): Promise<Map<string, string>> {
    const deadline = Date.now() + 15_000;
    let forcedAt: number | undefined;
    for (;;) {
      const s = await snapshot(observer);
      const idle = finalizerIdle(s.kvs, (res) => namespacedOf.get(res));
      const stuck = stuckNamespaces(s.kvs, (res) => namespacedOf.get(res));
      for (const ns of givenUp) stuck.delete(ns);
      if ((idle && stuck.size === 0) || Date.now() > deadline) return s.kvs;
      if (idle && forcedAt === undefined) {
        forcedAt = Date.now();
        await unstick(stuck);
      } else if (idle && forcedAt !== undefined && Date.now() - forcedAt > 3000) {
        for (const ns of stuck.keys()) givenUp.add(ns);
        return s.kvs;
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /**
   * Clean-up, not under test: a namespace stays Terminating while it holds
   * terminating pods (no kubelet finishes them here) or objects and itself
   * carry finalizers. Drops those finalizers and force-deletes the objects
   * through the API so the namespace goes and can be seeded again.
   */
  async function unstick(stuck: Map<string, string[]>): Promise<void> {
    const clear = JSON.stringify({ metadata: { finalizers: null } });
    for (const [ns, keys] of stuck) {
      for (const key of keys) {
        const [, , resource, , name] = key.split('/');
        const def = defs.find((d) => d.resource === resource);
        if (!def) continue;
        const url = `${collectionPath(def, ns)}/${encodeSegment(name)}`;
        await viaInject({ family: 'cleanup', method: 'PATCH', url, contentType: 'application/merge-patch+json', body: clear });
        await viaInject({ family: 'cleanup', method: 'DELETE', url: `${url}?gracePeriodSeconds=0` });
      }
      const nsDef = defs.find((d) => d.resource === 'namespaces');
      if (nsDef) await viaInject({ family: 'cleanup', method: 'PATCH', url: `${collectionPath(nsDef, undefined)}/${encodeSegment(ns)}`, contentType: 'application/merge-patch+json', body: clear });
    }
  }

  const reportedStored = new Set<string>();
  /** Malformed stored values not reported before (each key+value once). */
  function storedViolations(kvs: Map<string, string>): Violation[] {
    const out: Violation[] = [];
    for (const [k, v] of kvs) {
      const why = storedValueViolation(k, Buffer.from(v, 'base64').toString(), (res) => namespacedOf.get(res));
      if (!why || reportedStored.has(`${k}\n${why}`)) continue;
      reportedStored.add(`${k}\n${why}`);
      out.push({ kind: 'stored-invalid', detail: `${k}: ${why}` });
    }
    return out;
  }

  async function check(r: FuzzRequest, via: Transport = 'inject'): Promise<Violation[]> {
    const started = Date.now();
    try {
      return await checkOnce(r, via);
    } finally {
      const t = timing.get(r.family) ?? { n: 0, ms: 0 };
      t.n++;
      t.ms += Date.now() - started;
      timing.set(r.family, t);
    }
  }

  async function checkOnce(r: FuzzRequest, via: Transport): Promise<Violation[]> {
    const out: Violation[] = [];
    const full = (rejected + 1) % snapshotEvery === 0;
    const before = full ? await snapshot(observer) : { revision: await revision(observer), kvs: undefined };
    let seen: Seen;
    last = undefined;
    try {
      seen = await send(r, via);
      last = seen;
    } catch (e) {
      return [{ kind: 'hang', detail: (e as Error).message, request: r }];
    } finally {
      counts[via]++;
    }
    const why = responseViolation(r.method, seen);
    if (why) out.push({ kind: seen.code >= 500 ? '5xx' : 'not-status', detail: why, request: r, response: seen });
    const ok = seen.code >= 200 && seen.code < 300;
    if (!ok || asksDryRun(r)) {
      rejected++;
      const after = full ? await snapshot(observer) : { revision: await revision(observer), kvs: undefined };
      const kind = ok ? 'wrote-on-dry-run' : 'wrote-on-reject';
      if (after.revision !== before.revision) {
        const diff = before.kvs && after.kvs ? snapshotDiff(before.kvs, after.kvs) : await writtenSince(before.revision);
        out.push({ kind, detail: `etcd revision ${before.revision} → ${after.revision}${diff.length ? ` (${diff.join(', ')})` : ''}`, request: r, response: seen });
      } else if (before.kvs && after.kvs) {
        const diff = snapshotDiff(before.kvs, after.kvs);
        if (diff.length > 0) out.push({ kind, detail: `keys differ at an unchanged revision: ${diff.join(', ')}`, request: r, response: seen });
      }
    }
    const proto = prototypeChanges(protoBaseline);
    if (proto.length > 0) {
      out.push({ kind: 'prototype', detail: proto.join(', '), request: r, response: seen });
      restorePrototypes(protoBaseline);
    }
    if (ok && r.method !== 'GET') {
      const kvs = await settleNamespaces();
      if (r.method === 'DELETE') await reseed();
      out.push(...storedViolations(kvs).map((v) => ({ ...v, request: r, response: seen })));
    }
    return out;
  }

  async function canary(): Promise<Violation[]> {
    const out: Violation[] = [];
    const n = canaries++;
    const pods = defs.find((d) => d.resource === 'pods') as ResourceDef;
    const cms = defs.find((d) => d.resource === 'configmaps') as ResourceDef;
    for (const d of [pods, cms]) {
      const body = validObject(d, `canary-${n}`);
      const seen = await viaInject({ family: 'canary', method: 'POST', url: collectionPath(d, FUZZ_NAMESPACE), contentType: 'application/json', body: JSON.stringify(body) });
      if (seen.code !== 201) out.push({ kind: 'canary', detail: `a valid ${d.kind} create answered ${seen.code}: ${seen.body.slice(0, 300)}`, response: seen });
    }
    return out;
  }

  await reseed();
  let stopped = false;
  return {
    defs, check, send, canary, reseed, counts, slow, timing,
    lastResponse: () => last,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      await app.close().catch(() => undefined);
      etcd.close();
      observer.close();
      await testEtcd.stop();
    },
  };
}
