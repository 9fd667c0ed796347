/**
 * Ill-formed request parts: body text that is not (quite) JSON, query strings
 * with hostile parameter values, hostile names and paths, odd Content-Types.
 */
import fc from 'fast-check';
import { hostileString } from './hostile.ts';
import { encodeSegment } from './seeds.ts';

/** Body text that is not valid JSON, or is valid JSON the decoder may mishandle. */
export function garbageBody(validText: string): fc.Arbitrary<string | Buffer> {
  return fc.oneof(
    fc.constantFrom(
      '', ' ', 'null', '42', '"x"', '[]', 'true', '{', '}', '{"a":}', '{"a":1,}', '[1,]', "{'a':1}", 'NaN', '{"a":NaN}', '{"a":Infinity}',
      '{"a":1}{"b":2}', '{"a":1} trailing', '\ufeff{}', '/* c */{}', '{"a":"\\ud800"}', '{"a":"\\u0000"}', '{"__proto__":{"polluted":"yes"}}',
      '{"metadata":{"name":"a","name":"b"}}', '{"kind":"Pod","kind":"Secret"}', '{"a":1e400}', '{"a":-0}', '{"a":0x10}', '{"a":01}',
      '['.repeat(100_000), '{"a":'.repeat(20_000), `${'['.repeat(10_001)}${']'.repeat(10_001)}`, `${'{"a":'.repeat(10_001)}1${'}'.repeat(10_001)}`,
    ),
    fc.nat(validText.length).map((n) => validText.slice(0, n)),
    fc.uint8Array({ maxLength: 200 }).map((a) => Buffer.from(a)),
    fc.string({ unit: 'binary', maxLength: 200 }),
    fc.constantFrom('k8s\u0000', 'k8s\u0000\n\u0002\u0012\u0000', 'k8s\u0000\n\u0007\n\u0002v1\u0012\u0001x').map((s) => Buffer.from(s, 'latin1')),
  );
}

/** Values for boolean query parameters, in Kubernetes' spellings and not. */
const bools = ['true', 'True', 'TRUE', 't', '1', 'false', 'False', '0', 'f', 'maybe', '', 'yes', 'on', '2', 'true,false'];

/** Values for integer query parameters. */
const ints = ['0', '1', '-1', '5', '30', 'abc', '', '1.5', '2147483648', '3000000', '9223372036854775808', '1e3', '0x10', ' 1', '99999999999999999999'];

/** Continue tokens: garbage, base64 of garbage, base64 of JSON with odd fields. */
const continues = [
  'abc', '', '%%%', Buffer.from('{}').toString('base64'), Buffer.from('{"rv":"","start":"a"}').toString('base64'),
  Buffer.from('{"v":"meta.k8s.io/v1","rv":0,"start":""}').toString('base64'), Buffer.from('{"v":"meta.k8s.io/v1","rv":-1,"start":"\\u0000"}').toString('base64'),
  Buffer.from('{"v":"meta.k8s.io/v1","rv":99999999,"start":"zzz"}').toString('base64'), Buffer.from('{"rv":"x","start":"../../"}').toString('base64'),
  Buffer.from('{"__proto__":{"polluted":"yes"}}').toString('base64'),
];

/** Selector strings: valid, invalid, and expensive. */
const selectors = [
  'app=seed', 'app!=seed', 'app in (a,b)', 'app notin (a)', '!app', 'app', 'fuzz=true', '', '=', '==', 'a=b=c', 'app in (', 'a,,b', '(', ' ',
  'metadata.name=seed', 'metadata.namespace=fuzz', 'spec.nodeName=', 'status.phase!=Running', 'x'.repeat(10_000), 'a=' + 'b'.repeat(64),
  'a in (' + Array.from({ length: 2000 }, (_, i) => `v${i}`).join(',') + ')', '__proto__=x', 'constructor', 'a=\u0000',
];

type Param = [string, fc.Arbitrary<string>];

/** The query parameters a read may carry (never `watch`: a watch stream would not end). */
export const readParams: Param[] = [
  ['labelSelector', fc.constantFrom(...selectors)],
  ['fieldSelector', fc.constantFrom(...selectors)],
  ['limit', fc.constantFrom(...ints)],
  ['continue', fc.constantFrom(...continues)],
  ['resourceVersion', fc.constantFrom('0', '', '1', 'abc', '-1', '99999999999', '18446744073709551616', '1.5')],
  ['resourceVersionMatch', fc.constantFrom('Exact', 'NotOlderThan', 'x', '')],
  ['includeObject', fc.constantFrom('Object', 'None', 'Metadata', 'x')],
  ['pretty', fc.constantFrom(...bools)],
  ['timeoutSeconds', fc.constantFrom(...ints)],
  ['allowWatchBookmarks', fc.constantFrom(...bools)],
  ['sendInitialEvents', fc.constantFrom(...bools)],
];

/** The query parameters a write may carry. */
export const writeParams: Param[] = [
  ['dryRun', fc.constantFrom('All', 'all', '', 'x', 'All,All')],
  ['fieldManager', fc.oneof(fc.constantFrom('fuzz', 'kubectl-client-side-apply', '', 'x'.repeat(200)), hostileString())],
  ['fieldValidation', fc.constantFrom('Strict', 'Warn', 'Ignore', 'strict', 'x', '')],
  ['force', fc.constantFrom(...bools)],
  ['pretty', fc.constantFrom(...bools)],
];

/** The query parameters a delete may carry. */
export const deleteParams: Param[] = [
  ['dryRun', fc.constantFrom('All', 'all', '', 'x')],
  ['gracePeriodSeconds', fc.constantFrom(...ints)],
  ['propagationPolicy', fc.constantFrom('Background', 'Foreground', 'Orphan', 'x', '')],
  ['orphanDependents', fc.constantFrom(...bools)],
  ['labelSelector', fc.constantFrom(...selectors)],
  ['fieldSelector', fc.constantFrom(...selectors)],
  ['limit', fc.constantFrom(...ints)],
];

/** A query string ('' or '?a=b&…') of up to three of `params`, URI-encoded; sometimes a raw, mis-encoded tail. */
export function queryString(params: Param[]): fc.Arbitrary<string> {
  const one = fc.constantFrom(...params).chain(([k, v]) => v.map((val) => `${k}=${encodeSegment(val)}`));
  return fc.tuple(fc.array(one, { maxLength: 3 }), fc.option(fc.constantFrom('%', '%zz', '&&', '=', 'a[b]=c', '__proto__[polluted]=yes', 'constructor[prototype][polluted]=yes', 'dryRun=All&dryRun=x', 'x=%00'), { freq: 8 }))
    .map(([parts, tail]) => {
      const all = tail === null ? parts : [...parts, tail];
      return all.length === 0 ? '' : `?${all.join('&')}`;
    });
}

/** An object name: mostly a small pool (so requests collide), sometimes hostile. */
export function objectName(seed: string): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 4, arbitrary: fc.constant(seed) },
    { weight: 4, arbitrary: fc.constantFrom('fz-0', 'fz-1', 'fz-2', 'fz-3') },
    { weight: 1, arbitrary: hostileString() },
    { weight: 1, arbitrary: fc.constantFrom('a'.repeat(254), '..', '.', 'A', 'a_b', 'a.b', '-a', '__proto__', 'constructor', 'default', 'kube-system') },
  );
}

/** Paths that are not resources, or are resource paths bent out of shape. */
export function hostilePath(): fc.Arbitrary<string> {
  return fc.oneof(
    fc.constantFrom(
      '/', '/api', '/apis', '/version', '/openapi/v2', '/openapi/v3', '/healthz', '/livez', '/api/v2', '/apis/apps', '/apis/apps/v2/deployments',
      '/apis/nope/v1/things', '/api/v1/nope', '/api/v1/namespaces', '/api/v1/namespaces/fuzz/nope', '/api/v1/namespaces/fuzz/pods/seed/nope',
      '/api/v1/namespaces/fuzz/pods/seed/status/extra', '/api/v1/%', '/api/v1/%zz', '/api/v1/namespaces/%00/pods', '/api/v1/namespaces/fuzz/pods/%2F',
      '/api/v1/namespaces/fuzz/pods/..', '/api/v1/namespaces/../pods', '/api/v1//pods', '/api/v1/pods/seed', '/api/v1/namespaces/fuzz/nodes/x',
      '/api/v1/watch', '/api/v1/watch/namespaces/fuzz/pods', '/api/v1/watch/pods', '/api/v1/namespaces/fuzz/bindings', '/api/v1/componentstatuses/x',
      '/apis/apps/v1/namespaces/fuzz/deployments/seed/scale/x', '/apis/coordination.k8s.io/v1/leases', '/api/v1/namespaces/fuzz/pods/' + 'a'.repeat(8000),
      '/api/v1/namespaces/__proto__/pods', '/api/v1/namespaces/fuzz/__proto__', '/apis/__proto__/v1/x', '/api/v1/constructor',
    ),
    fc.array(fc.oneof(hostileString().map(encodeSegment), fc.constantFrom('api', 'v1', 'namespaces', 'fuzz', 'pods', 'watch', 'apis', 'apps', '%', '..')), { minLength: 1, maxLength: 7 })
      .map((segs) => `/${segs.join('/')}`),
  );
}

/** Content-Types a body may be sent with: right, wrong, odd. */
export const oddContentTypes = [
  'application/json', 'application/yaml', 'text/plain', '', 'application/json; charset=utf-16', 'application/vnd.kubernetes.protobuf',
  'application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json', 'application/apply-patch+yaml',
  'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'APPLICATION/JSON', 'application/json;;;', '*/*', 'application/*',
];
