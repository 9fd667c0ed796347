/**
 * Whole HTTP requests for one served kind: creates, updates, the four patch
 * kinds, subresource writes, deletes with options, collection deletes and
 * reads, each with hostile bodies and query strings, and objects just over
 * etcd's 1.5 MiB request limit or the 3 MiB body limit (one in four of the
 * 'big' family; the rest 60 KiB); plus requests to
 * hostile paths. Watches are never generated (a stream would not end).
 */
import fc from 'fast-check';
import type { ResourceDef } from '../../registry/types.ts';
import { deleteParams, garbageBody, hostilePath, objectName, oddContentTypes, queryString, readParams, writeParams } from './garbage.ts';
import { hostileNumber, hostileString, hostileValue } from './hostile.ts';
import { fromJs, obj, toText, type Json } from './json-ast.ts';
import { applyMutations, mutations } from './mutate.ts';
import { patchBody, PATCH_TYPES } from './patches.ts';
import { collectionPath, encodeSegment, FUZZ_NAMESPACE, SEED_NAME, validObject } from './seeds.ts';

/** One generated request. `family` names the generator that made it (for grouping failures). */
export interface FuzzRequest {
  family: string;
  method: string;
  /** Path and query, already encoded. */
  url: string;
  contentType?: string;
  accept?: string;
  body?: string | Buffer;
}

/** Shows a request compactly in a counterexample (long bodies are cut at 600 characters). */
export function describeRequest(r: FuzzRequest): string {
  const body = r.body === undefined ? '' : Buffer.isBuffer(r.body) ? `<${r.body.length} bytes: ${r.body.toString('hex').slice(0, 120)}>` : r.body;
  const cut = body.length > 600 ? `${body.slice(0, 600)}…(${body.length} chars)` : body;
  const url = r.url.length > 300 ? `${r.url.slice(0, 300)}…(${r.url.length} chars)` : r.url;
  return `[${r.family}] ${r.method} ${url}${r.contentType !== undefined ? ` (${r.contentType})` : ''}${r.accept ? ` accept=${r.accept}` : ''}${cut ? ` ${cut}` : ''}`;
}

function req(r: FuzzRequest): FuzzRequest {
  Object.defineProperty(r, fc.toStringMethod, { value: () => describeRequest(r), enumerable: false });
  return r;
}

const namespaceArb = fc.oneof(
  { weight: 12, arbitrary: fc.constant(FUZZ_NAMESPACE) },
  { weight: 1, arbitrary: fc.constantFrom('default', 'nope', '__proto__') },
  { weight: 1, arbitrary: hostileString() },
);

const acceptArb = fc.oneof(
  { weight: 8, arbitrary: fc.constant(undefined) },
  { weight: 1, arbitrary: fc.constantFrom('application/json', 'application/json;as=Table;v=v1;g=meta.k8s.io', 'application/vnd.kubernetes.protobuf', 'application/yaml', 'text/html', '*/*', 'x') },
);

/** The body Content-Type of a create or update: mostly JSON, sometimes YAML, nothing, or something odd. */
const bodyTypeArb = fc.oneof(
  { weight: 12, arbitrary: fc.constant('application/json') },
  { weight: 2, arbitrary: fc.constant('application/yaml') },
  { weight: 1, arbitrary: fc.constant(undefined) },
  { weight: 1, arbitrary: fc.constantFrom(...oddContentTypes) },
);

function itemPath(def: ResourceDef, ns: string, name: string, sub?: string): string {
  return `${collectionPath(def, ns)}/${encodeSegment(name)}${sub ? `/${sub}` : ''}`;
}

/** A mutated valid object named `name`, as JSON text. */
function mutatedBody(def: ResourceDef, name: string): fc.Arbitrary<string> {
  const base = fromJs(validObject(def, name));
  return fc.oneof(
    { weight: 9, arbitrary: mutations().map((ms) => toText(applyMutations(base, ms))) },
    { weight: 1, arbitrary: fc.constant(toText(base)) },
  );
}

/** DeleteOptions bodies: well-formed, wrongly typed, or garbage. */
function deleteOptionsBody(): fc.Arbitrary<string | undefined> {
  const field: fc.Arbitrary<[string, Json]> = fc.oneof(
    fc.constantFrom<Json>(['All'], 'All', [5], [], ['x'], null).map((v): [string, Json] => ['dryRun', v]),
    fc.oneof(hostileNumber(), fc.constantFrom<Json>('abc', null, true)).map((v): [string, Json] => ['gracePeriodSeconds', v]),
    fc.constantFrom<Json>('x', null, 5, obj(['uid', 5]), obj(['uid', 'nope']), obj(['resourceVersion', '1']), obj(['__proto__', obj(['polluted', 'yes'])])).map((v): [string, Json] => ['preconditions', v]),
    fc.constantFrom<Json>('Background', 'Foreground', 'Orphan', 'x', 5, null).map((v): [string, Json] => ['propagationPolicy', v]),
    fc.constantFrom<Json>(true, false, 'maybe', 5).map((v): [string, Json] => ['orphanDependents', v]),
    fc.constantFrom<Json>('DeleteOptions', 'Pod', 5).map((v): [string, Json] => ['kind', v]),
    fc.constantFrom<Json>('v1', 'meta.k8s.io/v1', 'x').map((v): [string, Json] => ['apiVersion', v]),
    hostileValue().map((v): [string, Json] => ['__proto__', v]),
  );
  return fc.oneof(
    { weight: 3, arbitrary: fc.constant(undefined) },
    { weight: 6, arbitrary: fc.array(field, { minLength: 1, maxLength: 3 }).map((entries) => toText({ entries })) },
    { weight: 1, arbitrary: fc.constantFrom('x', '[]', 'null', '42', '{') },
  );
}

/** A JSON Scale body for the scale subresource. */
function scaleBody(name: string): fc.Arbitrary<string> {
  const base = fromJs({ apiVersion: 'autoscaling/v1', kind: 'Scale', metadata: { name, namespace: FUZZ_NAMESPACE }, spec: { replicas: 2 } });
  return mutations().map((ms) => toText(applyMutations(base, ms)));
}

/** A Binding body for pods/binding. */
function bindingBody(name: string): fc.Arbitrary<string> {
  const base = fromJs({ apiVersion: 'v1', kind: 'Binding', metadata: { name }, target: { apiVersion: 'v1', kind: 'Node', name: SEED_NAME } });
  return fc.oneof(mutations().map((ms) => toText(applyMutations(base, ms))), fc.constant(toText(base)));
}

/** Every request family for `def`, weighted. */
export function requestFor(def: ResourceDef): fc.Arbitrary<FuzzRequest> {
  const nameArb = objectName(SEED_NAME);
  const writeQ = queryString(writeParams);
  const families: Array<fc.WeightedArbitrary<FuzzRequest>> = [];
  const add = (weight: number, arbitrary: fc.Arbitrary<FuzzRequest>): void => { families.push({ weight, arbitrary }); };

  add(4, fc.tuple(namespaceArb, nameArb, writeQ, bodyTypeArb).chain(([ns, name, qs, ct]) => mutatedBody(def, name).map((body) =>
    req({ family: 'create', method: 'POST', url: `${collectionPath(def, ns)}${qs}`, contentType: ct, body }))));
  add(3, fc.tuple(namespaceArb, nameArb, writeQ, bodyTypeArb).chain(([ns, name, qs, ct]) => mutatedBody(def, name).map((body) =>
    req({ family: 'update', method: 'PUT', url: `${itemPath(def, ns, name)}${qs}`, contentType: ct, body }))));
  for (const kind of Object.keys(PATCH_TYPES) as Array<keyof typeof PATCH_TYPES>) {
    add(3, fc.tuple(namespaceArb, nameArb, writeQ).chain(([ns, name, qs]) => patchBody(kind, validObject(def, name)).map((p) =>
      req({ family: `patch-${kind}`, method: 'PATCH', url: `${itemPath(def, ns, name)}${qs}${kind === 'apply' && !qs.includes('fieldManager') ? `${qs ? '&' : '?'}fieldManager=fuzz` : ''}`, contentType: p.contentType, body: p.body }))));
  }
  for (const sub of def.subresources.filter((s) => s !== 'log')) {
    if (sub === 'status') {
      add(1, fc.tuple(nameArb, writeQ).chain(([name, qs]) => mutatedBody(def, name).map((body) =>
        req({ family: 'status-put', method: 'PUT', url: `${itemPath(def, FUZZ_NAMESPACE, name, 'status')}${qs}`, contentType: 'application/json', body }))));
      add(1, fc.tuple(nameArb, fc.constantFrom(...(Object.keys(PATCH_TYPES) as Array<keyof typeof PATCH_TYPES>))).chain(([name, kind]) => patchBody(kind, validObject(def, name)).map((p) =>
        req({ family: 'status-patch', method: 'PATCH', url: `${itemPath(def, FUZZ_NAMESPACE, name, 'status')}?fieldManager=fuzz`, contentType: p.contentType, body: p.body }))));
    } else if (sub === 'scale') {
      add(1, fc.tuple(nameArb, fc.constantFrom('PUT', 'PATCH')).chain(([name, method]) => scaleBody(name).map((body) =>
        req({ family: `scale-${method.toLowerCase()}`, method, url: itemPath(def, FUZZ_NAMESPACE, name, 'scale'), contentType: method === 'PUT' ? 'application/json' : PATCH_TYPES.merge, body }))));
    } else if (sub === 'binding') {
      add(1, nameArb.chain((name) => bindingBody(name).map((body) =>
        req({ family: 'binding', method: 'POST', url: itemPath(def, FUZZ_NAMESPACE, name, 'binding'), contentType: 'application/json', body }))));
    }
  }
  add(2, fc.tuple(namespaceArb, nameArb, queryString(deleteParams), deleteOptionsBody()).map(([ns, name, qs, body]) =>
    req({ family: 'delete', method: 'DELETE', url: `${itemPath(def, ns, name)}${qs}`, contentType: body === undefined ? undefined : 'application/json', body })));
  add(1, fc.tuple(fc.option(namespaceArb, { freq: 3 }), queryString(deleteParams), deleteOptionsBody()).map(([ns, qs, body]) =>
    req({ family: 'deletecollection', method: 'DELETE', url: `${collectionPath(def, ns ?? undefined)}${qs}`, contentType: body === undefined ? undefined : 'application/json', body })));
  add(2, fc.tuple(fc.option(namespaceArb, { freq: 4 }), fc.option(nameArb, { freq: 2 }), queryString(readParams), acceptArb).map(([ns, name, qs, accept]) =>
    req({ family: 'read', method: 'GET', url: `${name === null ? collectionPath(def, ns ?? undefined) : itemPath(def, ns ?? FUZZ_NAMESPACE, name)}${qs}`, accept })));
  add(2, fc.tuple(fc.constantFrom('POST', 'PUT', 'PATCH', 'DELETE'), nameArb, fc.constantFrom(...oddContentTypes)).chain(([method, name, ct]) =>
    garbageBody(toText(fromJs(validObject(def, name)))).map((body) =>
      req({ family: 'garbage-body', method, url: method === 'POST' ? collectionPath(def, FUZZ_NAMESPACE) : itemPath(def, FUZZ_NAMESPACE, name), contentType: ct, body }))));
  add(1, fc.tuple(fc.constantFrom('HEAD', 'OPTIONS', 'TRACE', 'POST', 'PUT', 'PATCH', 'DELETE'), fc.boolean(), nameArb).chain(([method, collection, name]) =>
    mutatedBody(def, name).map((body) => req({
      family: 'method', method, url: collection ? collectionPath(def, FUZZ_NAMESPACE).replace(`/namespaces/${FUZZ_NAMESPACE}`, `/watch/namespaces/${FUZZ_NAMESPACE}`) : itemPath(def, FUZZ_NAMESPACE, name),
      contentType: 'application/json', body: method === 'HEAD' || method === 'OPTIONS' || method === 'TRACE' ? undefined : body,
    }))));
  add(1, fc.tuple(fc.constantFrom(1.6, 3.1, 0.06, 0.06, 0.06, 0.06, 0.06, 0.06), fc.nat()).map(([mib, pick]) => {
    const base = fromJs(validObject(def, 'fz-big'));
    const body = toText(applyMutations(base, [{ op: 'replace', pick, value: 'x'.repeat(Math.round(mib * 1024 * 1024)) }]));
    return req({ family: 'big', method: 'POST', url: collectionPath(def, FUZZ_NAMESPACE), contentType: 'application/json', body });
  }));
  return fc.oneof(...families);
}

/** Requests to hostile or non-resource paths, with any method and sometimes a body. */
export function pathRequest(): fc.Arbitrary<FuzzRequest> {
  return fc.tuple(hostilePath(), fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'), queryString([...readParams, ...writeParams]), fc.option(fc.constantFrom('{}', '{"metadata":{"name":"fz-p"}}', 'x', '[]'), { freq: 2 }), fc.constantFrom(...oddContentTypes))
    .filter(([path, method]) => !(method === 'GET' && /\/watch(\/|$)/.test(path)))
    .map(([path, method, qs, body, ct]) => req({ family: 'path', method, url: `${path}${qs}`, contentType: body === null ? undefined : ct, body: body ?? undefined }));
}
