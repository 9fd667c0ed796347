/**
 * Every distinct failure the fuzz suite found, as one deterministic request
 * each (the shrunk counterexample), checked by the same oracles as the
 * property tests (harness.check: no 5xx, errors are Status, rejected and
 * dry-run requests write nothing, prototypes untouched, stored objects well
 * formed), plus an expected HTTP code where the oracles alone cannot judge.
 * Each names the cause found on the pre-fix code (20dff51); cases the server
 * still fails are `todo`. When a fix merges its cases pass: drop the todo.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { etcdSkipReason } from '../../testutil/real-api.ts';
import { describeViolation, startHarness, type Harness, type Transport } from './harness.test-helper.ts';
import type { FuzzRequest } from './arbitraries/requests.ts';
import { obj, toText, type Json } from './arbitraries/json-ast.ts';
import { deep } from './arbitraries/hostile.ts';

/** One regression case: optional set-up requests (not checked), then the request under test. */
interface KnownCase {
  name: string;
  /** The cause the fuzz found behind it (fixed ones are regression guards now). */
  cause?: string;
  /** Why it still fails (node:test todo); absent once it passes. */
  todo?: string;
  setup?: FuzzRequest[];
  request: FuzzRequest;
  via?: Transport;
  /** Extra expectation on the HTTP code of the checked request, beyond the oracles. */
  code?: number[];
}

const NS = '/api/v1/namespaces/fuzz';
const JSON_CT = 'application/json';
const MERGE = 'application/merge-patch+json';
const STRATEGIC = 'application/strategic-merge-patch+json';
const APPLY = 'application/apply-patch+yaml';

/** 24,000 valid labels (about 1.8 MB): each fits the rules, the object does not fit etcd's request limit. */
function bigLabels(): Json {
  return obj(...Array.from({ length: 24_000 }, (_, i): [string, Json] => [`k${i}`, 'v'.repeat(63)]));
}

const r = (family: string, method: string, url: string, body?: string | Json, contentType = JSON_CT): FuzzRequest => ({
  family, method, url, contentType: body === undefined ? undefined : contentType, body: body === undefined || typeof body === 'string' ? body : toText(body),
});

const configMap = (name: string, extra: Array<[string, Json]> = [], meta: Array<[string, Json]> = []): Json =>
  obj(['apiVersion', 'v1'], ['kind', 'ConfigMap'], ['metadata', obj(['name', name], ...meta)], ...extra);
const createCm = (name: string): FuzzRequest => r('setup', 'POST', `${NS}/configmaps`, configMap(name, [['data', obj(['a', 'b'])]]));
const pod = (name: string, spec: Json): Json => obj(['apiVersion', 'v1'], ['kind', 'Pod'], ['metadata', obj(['name', name])], ['spec', spec]);
const container = obj(['name', 'app'], ['image', 'nginx']);

const TYPES = 'schema type checking: a wrongly typed field crashes defaulting/validation into 500 instead of 400/422';
const DEPTH = 'no JSON nesting cap: 10,001-deep JSON overflows the stack (500) instead of 400';
const DECODE = 'routes/resources.ts decodes path segments a second time (fastify already did): a "%25" segment throws URIError → 500';
const ROUTER = "fastify's own errors (bad %-escape, param over maxParamLength, oversized headers) leave as fastify JSON, not a Status";
const PROTO = 'patch __proto__: strategic/apply merge writes through __proto__ keys into Object.prototype';
const META = 'schema type checking: wrongly typed metadata (labels/annotations not string maps, name not a string) is stored';
const DRYRUN = 'dryRun: ignored by collection DELETE, and a dryRun=All beside another dryRun value is dropped (last value wins) and the write happens';
const ROUTES = 'routes: the legacy /watch/ prefix accepts writes and the all-namespaces collection accepts DELETE (Kubernetes: 405 MethodNotAllowed)';
const DELOPTS = 'delete semantics: malformed delete options are ignored (the object is deleted) and system namespaces can be deleted';
const FUTURE = "storage: etcd's 'required revision is a future revision' leaves as 500 (Kubernetes: 504 Timeout, \"Too large resource version\")";

const cases: KnownCase[] = [
  // --- wrong types crash handlers (500)
  { name: 'create Pod with metadata: true', cause: TYPES, request: r('create', 'POST', `${NS}/pods`, obj(['apiVersion', 'v1'], ['kind', 'Pod'], ['metadata', true], ['spec', obj(['containers', [container]])])) },
  { name: 'update Deployment with metadata: "x"', cause: TYPES, request: r('update', 'PUT', '/apis/apps/v1/namespaces/fuzz/deployments/seed', obj(['apiVersion', 'apps/v1'], ['kind', 'Deployment'], ['metadata', 'x'])) },
  { name: 'create ConfigMap with kind {"toString":"x"} (fixed in routes/body.ts checkKind)', request: r('create', 'POST', `${NS}/configmaps`, obj(['apiVersion', 'v1'], ['kind', obj(['toString', 'x'])], ['metadata', obj(['name', 'kc-kind'])])), code: [400] },
  { name: 'create ConfigMap with apiVersion {"toString":"x"} (fixed in routes/body.ts checkKind)', request: r('create', 'POST', `${NS}/configmaps`, obj(['apiVersion', obj(['toString', 'x'])], ['kind', 'ConfigMap'], ['metadata', obj(['name', 'kc-apiv'])])), code: [400] },
  { name: 'create Pod with spec.containers as an object', cause: TYPES, request: r('create', 'POST', `${NS}/pods`, pod('kc-obj', obj(['containers', obj(['name', 'app'])]))) },
  { name: 'create Pod with spec.containers: [false]', cause: TYPES, request: r('create', 'POST', `${NS}/pods`, pod('kc-false', obj(['containers', [false]]))) },
  { name: 'create Service with ports: ["x"]', cause: TYPES, request: r('create', 'POST', `${NS}/services`, obj(['apiVersion', 'v1'], ['kind', 'Service'], ['metadata', obj(['name', 'kc-ports'])], ['spec', obj(['ports', ['x']])])) },
  { name: 'create EndpointSlice with endpoints: 5', cause: TYPES, request: r('create', 'POST', '/apis/discovery.k8s.io/v1/namespaces/fuzz/endpointslices', obj(['apiVersion', 'discovery.k8s.io/v1'], ['kind', 'EndpointSlice'], ['metadata', obj(['name', 'kc-eps'])], ['addressType', 'IPv4'], ['endpoints', 5])) },
  { name: 'strategic patch of a Pod with spec: 5', cause: TYPES, request: r('patch-strategic', 'PATCH', `${NS}/pods/seed`, obj(['spec', 5]), STRATEGIC) },
  { name: 'strategic patch of a Deployment with metadata: 5', cause: TYPES, request: r('patch-strategic', 'PATCH', '/apis/apps/v1/namespaces/fuzz/deployments/seed', obj(['metadata', 5]), STRATEGIC) },
  { name: 'merge patch body 42', cause: TYPES, request: r('patch-merge', 'PATCH', `${NS}/configmaps/seed`, '42', MERGE) },
  { name: 'merge patch body null', cause: TYPES, request: r('patch-merge', 'PATCH', `${NS}/configmaps/seed`, 'null', MERGE) },
  { name: 'merge patch of deployments/scale with null', cause: TYPES, request: r('scale-patch', 'PATCH', '/apis/apps/v1/namespaces/fuzz/deployments/seed/scale', 'null', MERGE) },
  { name: 'create Pod with a container image: false', cause: TYPES, request: r('create', 'POST', `${NS}/pods`, pod('kc-img', obj(['containers', [obj(['name', 'app'], ['image', false])]]))) },
  { name: 'apply patch of a Service with ports: [false]', cause: TYPES, request: r('patch-apply', 'PATCH', `${NS}/services/seed?fieldManager=fuzz`, obj(['apiVersion', 'v1'], ['kind', 'Service'], ['metadata', obj(['name', 'seed'])], ['spec', obj(['ports', [false]])]), APPLY) },

  { name: 'apply patch that creates an object with metadata: true', request: r('patch-apply', 'PATCH', '/apis/discovery.k8s.io/v1/namespaces/fuzz/endpointslices/kc-ssa?fieldManager=fuzz', obj(['apiVersion', 'discovery.k8s.io/v1'], ['kind', 'EndpointSlice'], ['metadata', true], ['addressType', 'IPv4']), APPLY) },
  { name: 'apply patch of a CertificateSigningRequest with metadata: false and a __proto__ key (the field manager wrote into it: 500)', request: r('patch-apply', 'PATCH', '/apis/certificates.k8s.io/v1/certificatesigningrequests/seed?fieldManager=fuzz', '{"apiVersion":"certificates.k8s.io/v1","kind":"CertificateSigningRequest","metadata":false,"__proto__":[]}', APPLY), code: [400, 422] },

  // --- deep nesting (500)
  { name: 'create ConfigMap with 10,001-deep data', cause: DEPTH, request: r('create', 'POST', `${NS}/configmaps`, configMap('kc-deep', [['data', deep(10_001, true)]])) },
  { name: 'merge patch with 10,001-deep value', cause: DEPTH, request: r('patch-merge', 'PATCH', `${NS}/configmaps/seed`, obj(['metadata', obj(['annotations', deep(10_001, true)])]), MERGE) },

  // --- storage errors (500)
  { name: 'LIST at a future resourceVersion with resourceVersionMatch=Exact', cause: FUTURE, request: r('read', 'GET', `${NS}/pods?resourceVersion=99999999999&resourceVersionMatch=Exact`) },

  // --- path decoding (500)
  { name: 'GET a ConfigMap named "%" (%25)', cause: DECODE, request: r('read', 'GET', `${NS}/configmaps/%25`), code: [404] },
  { name: 'create in namespace "%" (%25)', cause: DECODE, request: r('create', 'POST', '/api/v1/namespaces/%25/configmaps', configMap('kc-pct')) },

  // --- router errors that are not a Status
  { name: 'bad %-escape in the path', cause: ROUTER, request: r('path', 'GET', '/api/v1/%zz'), code: [400, 404] },
  { name: 'a URL segment longer than fastify maxParamLength (100)', cause: ROUTER, request: r('path', 'GET', `/apis/${'g'.repeat(120)}/v1/things`), code: [400, 404, 414] },
  { name: 'a 40 KB query string (over the 16 KB header limit)', cause: ROUTER, via: 'socket', request: r('read', 'GET', `${NS}/configmaps?fieldManager=${'x'.repeat(40_000)}`) },

  { name: 'HEAD with a 40 KB URL over a socket gets a well-formed response', via: 'socket', request: r('path', 'HEAD', `${NS}/configmaps?fieldManager=${'x'.repeat(40_000)}`) },

  // --- warnings
  { name: 'fieldValidation=Warn with a non-Latin-1 unknown field name', request: r('update', 'PUT', `${NS}/configmaps/seed?fieldValidation=Warn`, configMap('seed', [['data', obj(['a', 'b'])]], [['namespace', 'fuzz'], ['ᚵ𐦟', null]])) },

  // --- prototype pollution
  { name: 'apply patch {"__proto__":{"polluted":"yes"}}', cause: PROTO, request: r('patch-apply', 'PATCH', `${NS}/configmaps/seed?fieldManager=fuzz`, '{"__proto__":{"polluted":"yes"}}', APPLY) },
  { name: 'apply patch with metadata.labels.__proto__.prototype', cause: PROTO, request: r('patch-apply', 'PATCH', `${NS}/configmaps/seed?fieldManager=fuzz`, '{"metadata":{"labels":{"__proto__":{"prototype":{"polluted":"yes"}}}}}', APPLY) },
  { name: 'apply patch in YAML: __proto__ as an alias', cause: PROTO, request: r('patch-apply', 'PATCH', `${NS}/configmaps/seed?fieldManager=fuzz`, 'base: &b {polluted: yes}\n__proto__: *b\n', APPLY) },
  { name: 'strategic patch {"__proto__":{"a":1}} on a Namespace', cause: PROTO, request: r('patch-strategic', 'PATCH', '/api/v1/namespaces/seed', '{"__proto__":{"a":1}}', STRATEGIC) },
  { name: 'strategic patch of nodes/status with __proto__.prototype', cause: PROTO, request: r('status-patch', 'PATCH', '/api/v1/nodes/seed/status', '{"__proto__":{"prototype":{"polluted":"yes"}}}', STRATEGIC) },
  { name: 'apply patch rejected with 400 still pollutes (metadata.name {"__proto__":…})', cause: PROTO, request: r('patch-apply', 'PATCH', `${NS}/configmaps/seed?fieldManager=fuzz`, '{"metadata":{"name":{"__proto__":{"polluted":"yes"}}}}', APPLY) },
  { name: 'merge patch {"__proto__":{"polluted":"yes"}}', request: r('patch-merge', 'PATCH', `${NS}/configmaps/seed`, '{"__proto__":{"polluted":"yes"}}', MERGE) },
  { name: 'JSON patch add /__proto__/polluted', request: r('patch-json', 'PATCH', `${NS}/configmaps/seed`, '[{"op":"add","path":"/__proto__/polluted","value":"yes"}]', 'application/json-patch+json') },

  // --- wrongly typed metadata is stored
  { name: 'create ConfigMap with metadata.annotations: 5', cause: META, request: r('create', 'POST', `${NS}/configmaps`, configMap('kc-ann', [], [['annotations', 5]])) },
  { name: 'create ConfigMap with a label value 5', request: r('create', 'POST', `${NS}/configmaps`, configMap('kc-lbl', [], [['labels', obj(['a', 5])]])) },
  { name: 'create Lease with metadata.name: true', cause: META, request: r('create', 'POST', '/apis/coordination.k8s.io/v1/namespaces/fuzz/leases', obj(['apiVersion', 'coordination.k8s.io/v1'], ['kind', 'Lease'], ['metadata', obj(['name', true])])) },
  { name: 'merge patch metadata.labels: "x"', cause: META, setup: [createCm('kc-mlbl')], request: r('patch-merge', 'PATCH', `${NS}/configmaps/kc-mlbl`, obj(['metadata', obj(['labels', 'x'])]), MERGE) },

  // --- dry run
  { name: 'collection DELETE with ?dryRun=All', cause: DRYRUN, setup: [createCm('kc-dry1')], request: r('deletecollection', 'DELETE', `${NS}/configmaps?dryRun=All`) },
  { name: 'create with ?dryRun=All&dryRun=', cause: DRYRUN, request: r('create', 'POST', `${NS}/configmaps?dryRun=All&dryRun=`, configMap('kc-dry2')) },
  { name: 'DELETE with body {"dryRun":["All"]}', cause: DRYRUN, setup: [createCm('kc-dry3')], request: r('delete', 'DELETE', `${NS}/configmaps/kc-dry3`, '{"dryRun":["All"]}') },

  // --- routing semantics the oracles alone do not see (the fuzz sends these; Kubernetes answers 405)
  { name: 'POST to a legacy /watch/ collection path', cause: ROUTES, request: r('method', 'POST', '/api/v1/watch/namespaces/fuzz/configmaps', configMap('kc-watch')), code: [405] },
  { name: 'DELETE of the all-namespaces pods collection', cause: ROUTES, request: r('deletecollection', 'DELETE', '/api/v1/pods?dryRun=All'), code: [405] },

  // --- delete semantics the oracles alone do not see (Kubernetes: 400 for bad options, 403 for system namespaces)
  { name: 'DELETE with {"gracePeriodSeconds":"abc"}', cause: DELOPTS, setup: [createCm('kc-del1')], request: r('delete', 'DELETE', `${NS}/configmaps/kc-del1`, '{"gracePeriodSeconds":"abc"}'), code: [400] },
  { name: 'DELETE with {"preconditions":"x"}', cause: DELOPTS, setup: [createCm('kc-del2')], request: r('delete', 'DELETE', `${NS}/configmaps/kc-del2`, '{"preconditions":"x"}'), code: [400] },
  { name: 'DELETE with ?orphanDependents=maybe', cause: DELOPTS, setup: [createCm('kc-del3')], request: r('delete', 'DELETE', `${NS}/configmaps/kc-del3?orphanDependents=maybe`), code: [400] },
  { name: 'DELETE of namespace kube-public (dry run)', cause: DELOPTS, request: r('delete', 'DELETE', '/api/v1/namespaces/kube-public?dryRun=All'), code: [403] },

  // --- a rejected request that writes
  { name: 'create an existing Service (409) writes nothing', request: r('create', 'POST', `${NS}/services`, obj(['apiVersion', 'v1'], ['kind', 'Service'], ['metadata', obj(['name', 'seed'])], ['spec', obj(['ports', [obj(['port', 80])]])])), code: [409] },
  // Found by a long property run: an apply to a status subresource read its metadata before any type check;
  // a name that is an object with a non-function toString crashed the route's mismatch message.
  { name: 'apply to pods/status with metadata: true is a 400', request: r('status-patch', 'PATCH', `${NS}/pods/seed/status?fieldManager=fuzz`, obj(['apiVersion', 'v1'], ['kind', 'Pod'], ['metadata', true]), APPLY), code: [400] },
  { name: 'PUT with metadata.name an object whose toString is not a function is a 400', request: r('update', 'PUT', `${NS}/configmaps/seed`, obj(['apiVersion', 'v1'], ['kind', 'ConfigMap'], ['metadata', obj(['name', obj(['toString', true])])])), code: [400] },
  // Found by the property run (seed 1598804232): the ClusterIP was reserved, then released when etcd refused the size.
  // (Today a 1.7 MB selector value is a 422; 24,000 valid labels are still over etcd's 1.5 MiB.)
  { name: 'a selector value longer than a label value is 422', request: r('create', 'POST', `${NS}/services`, obj(['apiVersion', 'v1'], ['kind', 'Service'], ['metadata', obj(['name', 'fz-big'])], ['spec', obj(['selector', obj(['app', 'x'.repeat(1_700_000)])], ['ports', [obj(['port', 80])]])])), code: [422] },
  { name: 'create a Service over etcd\'s size limit (413) allocates nothing', request: r('create', 'POST', `${NS}/services`, obj(['apiVersion', 'v1'], ['kind', 'Service'], ['metadata', obj(['name', 'fz-big'], ['labels', bigLabels()])], ['spec', obj(['ports', [obj(['port', 80])]])])), code: [413] },
  { name: 'update a Service to NodePort over etcd\'s size limit (413) allocates nothing', request: r('update', 'PATCH', `${NS}/services/seed`, obj(['metadata', obj(['labels', bigLabels()])], ['spec', obj(['type', 'NodePort'])]), 'application/merge-patch+json'), code: [413] },
];

/** Cases that trip the etcd3 client's circuit breaker: run on their own bench, last. */
const BREAKER = 'storage hardening: an oversized write fails in etcd (request too large) → 500, and the etcd3 circuit breaker then fails every request for ~5 s';
const breakerCases: KnownCase[] = [
  { name: 'create a 2.5 MiB ConfigMap: refused by validation (1 MiB data limit)', request: r('create', 'POST', `${NS}/configmaps`, configMap('kc-big', [['data', obj(['big', 'x'.repeat(2.5 * 1024 * 1024)])]])), code: [413, 422] },
  { name: 'create a 2.5 MiB Lease → 413/422, not 500, and later requests still work', cause: BREAKER, request: r('create', 'POST', '/apis/coordination.k8s.io/v1/namespaces/fuzz/leases', obj(['apiVersion', 'coordination.k8s.io/v1'], ['kind', 'Lease'], ['metadata', obj(['name', 'kc-big'])], ['spec', obj(['holderIdentity', 'x'.repeat(2.5 * 1024 * 1024)])])), code: [413, 422] },
];

const skip = etcdSkipReason();

function suite(title: string, list: KnownCase[]): void {
  describe(title, { skip }, () => {
    let h: Harness;
    before(async () => { h = await startHarness(); });
    after(async () => { await h?.stop(); });
    for (const c of list) {
      test(c.name, c.todo ? { todo: c.todo } : {}, async (t) => {
        if (c.cause) t.diagnostic(`cause found by the fuzz: ${c.cause}`);
        for (const s of c.setup ?? []) await h.send(s);
        const violations = await h.check(c.request, c.via ?? 'inject');
        assert.deepEqual(violations.map(describeViolation), []);
        if (c.code) {
          const seen = h.lastResponse();
          assert.ok(seen && c.code.includes(seen.code), `expected HTTP ${c.code.join(' or ')}, got ${seen?.code}: ${seen?.body.slice(0, 300)}`);
        }
        assert.deepEqual((await h.canary()).map(describeViolation), [], 'a valid Pod and ConfigMap can still be created');
      });
    }
  });
}

suite('fuzz known cases', cases);
suite('fuzz known cases: etcd failures do not spread', breakerCases);
