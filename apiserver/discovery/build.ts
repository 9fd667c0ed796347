/**
 * Discovery documents generated from the resource registry: aggregated
 * (apidiscovery.k8s.io APIGroupDiscoveryList) and legacy (APIVersions,
 * APIGroupList, APIGroup, APIResourceList), with the shapes the Kubernetes
 * API server serves. Pure functions of the ResourceDefs.
 */
import type { ResourceDef } from '../registry/types.ts';

/** A group/version/kind triple as discovery documents carry it. */
export interface GVK {
  group: string;
  version: string;
  kind: string;
}

/** What a subresource returns and which verbs it serves. */
export interface SubresourceInfo {
  kind: GVK;
  verbs: string[];
}

/** Response kind and verbs of a subresource of `def`, as Kubernetes serves it. */
export function subresourceInfo(def: ResourceDef, sub: string): SubresourceInfo {
  const own: GVK = { group: def.group, version: def.version, kind: def.kind };
  switch (sub) {
    case 'status': return { kind: own, verbs: ['get', 'patch', 'update'] };
    case 'scale': return { kind: { group: 'autoscaling', version: 'v1', kind: 'Scale' }, verbs: ['get', 'patch', 'update'] };
    case 'binding': return { kind: { group: '', version: 'v1', kind: 'Binding' }, verbs: ['create'] };
    case 'log': return { kind: { group: '', version: 'v1', kind: 'Pod' }, verbs: ['get'] };
    case 'exec': return { kind: { group: '', version: 'v1', kind: 'PodExecOptions' }, verbs: ['create', 'get'] };
    case 'attach': return { kind: { group: '', version: 'v1', kind: 'PodAttachOptions' }, verbs: ['create', 'get'] };
    case 'portforward': return { kind: { group: '', version: 'v1', kind: 'PodPortForwardOptions' }, verbs: ['create', 'get'] };
    case 'eviction': return { kind: { group: 'policy', version: 'v1', kind: 'Eviction' }, verbs: ['create'] };
    case 'finalize': return { kind: own, verbs: ['update'] };
    case 'approval': return { kind: own, verbs: ['get', 'patch', 'update'] };
    case 'token': return { kind: { group: 'authentication.k8s.io', version: 'v1', kind: 'TokenRequest' }, verbs: ['create'] };
    default: return { kind: own, verbs: ['get'] };
  }
}

/** One group and its versions, in registry order. */
export interface GroupVersions {
  group: string;
  versions: string[];
}

/** The API groups (excluding the core group '') in order of first appearance, each with its versions. */
export function namedGroups(defs: ResourceDef[]): GroupVersions[] {
  const out: GroupVersions[] = [];
  for (const d of defs) {
    if (d.group === '') continue;
    let g = out.find((x) => x.group === d.group);
    if (!g) out.push((g = { group: d.group, versions: [] }));
    if (!g.versions.includes(d.version)) g.versions.push(d.version);
  }
  return out;
}

const byName = (a: ResourceDef, b: ResourceDef): number => (a.resource < b.resource ? -1 : a.resource > b.resource ? 1 : 0);

/** The defs of one group/version, sorted by resource name. */
export function defsOf(defs: ResourceDef[], group: string, version: string): ResourceDef[] {
  return defs.filter((d) => d.group === group && d.version === version).sort(byName);
}

/** `apps/v1` or `v1`. */
export function groupVersion(group: string, version: string): string {
  return group === '' ? version : `${group}/${version}`;
}

function aggregatedResource(d: ResourceDef): Record<string, unknown> {
  const r: Record<string, unknown> = {
    resource: d.resource,
    responseKind: { group: d.group, version: d.version, kind: d.kind },
    scope: d.namespaced ? 'Namespaced' : 'Cluster',
    singularResource: d.singular,
    verbs: [...d.verbs],
  };
  if (d.shortNames.length > 0) r.shortNames = [...d.shortNames];
  if (d.categories.length > 0) r.categories = [...d.categories];
  if (d.subresources.length > 0) {
    r.subresources = [...d.subresources].sort().map((s) => {
      const info = subresourceInfo(d, s);
      return { subresource: s, responseKind: info.kind, verbs: info.verbs };
    });
  }
  return r;
}

function aggregatedGroup(defs: ResourceDef[], group: string, versions: string[]): Record<string, unknown> {
  return {
    metadata: { name: group, creationTimestamp: null },
    versions: versions.map((v) => ({ version: v, freshness: 'Current', resources: defsOf(defs, group, v).map(aggregatedResource) })),
  };
}

/**
 * APIGroupDiscoveryList for `/api` (core: true, the '' group) or `/apis`
 * (every named group). `apiVersion` is 'v2' or 'v2beta1' (same shape).
 */
export function aggregatedDiscovery(defs: ResourceDef[], core: boolean, apiVersion: 'v2' | 'v2beta1'): Record<string, unknown> {
  const groups: GroupVersions[] = core ? (defs.some((d) => d.group === '') ? [{ group: '', versions: ['v1'] }] : []) : namedGroups(defs);
  return {
    kind: 'APIGroupDiscoveryList',
    apiVersion: `apidiscovery.k8s.io/${apiVersion}`,
    metadata: {},
    items: groups.map((g) => aggregatedGroup(defs, g.group, g.versions)),
  };
}

/** Legacy `/api`: APIVersions with the address clients reach the server on. */
export function apiVersions(serverAddress: string): Record<string, unknown> {
  return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }] };
}

function apiGroup(g: GroupVersions): Record<string, unknown> {
  const versions = g.versions.map((v) => ({ groupVersion: groupVersion(g.group, v), version: v }));
  return { name: g.group, versions, preferredVersion: versions[0] };
}

/** Legacy `/apis`: APIGroupList of every named group. */
export function apiGroupList(defs: ResourceDef[]): Record<string, unknown> {
  return { kind: 'APIGroupList', apiVersion: 'v1', groups: namedGroups(defs).map(apiGroup) };
}

/** Legacy `/apis/<group>`: one APIGroup, or undefined when the group is not served. */
export function apiGroupDoc(defs: ResourceDef[], group: string): Record<string, unknown> | undefined {
  const g = namedGroups(defs).find((x) => x.group === group);
  return g ? { kind: 'APIGroup', apiVersion: 'v1', ...apiGroup(g) } : undefined;
}

/**
 * APIResourceList of one group/version (`/api/v1`, `/apis/apps/v1`), with
 * each subresource as its own entry (`pods/status`, `deployments/scale`).
 * Undefined when nothing is served there.
 */
export function apiResourceList(defs: ResourceDef[], group: string, version: string): Record<string, unknown> | undefined {
  const list = defsOf(defs, group, version);
  if (list.length === 0) return undefined;
  const resources: Array<Record<string, unknown>> = [];
  for (const d of list) {
    const r: Record<string, unknown> = { name: d.resource, singularName: d.singular, namespaced: d.namespaced, kind: d.kind, verbs: [...d.verbs] };
    if (d.shortNames.length > 0) r.shortNames = [...d.shortNames];
    if (d.categories.length > 0) r.categories = [...d.categories];
    resources.push(r);
    for (const s of [...d.subresources].sort()) {
      const info = subresourceInfo(d, s);
      const sr: Record<string, unknown> = { name: `${d.resource}/${s}`, singularName: '', namespaced: d.namespaced, kind: info.kind.kind, verbs: info.verbs };
      if (info.kind.group !== d.group || info.kind.version !== d.version) {
        sr.group = info.kind.group;
        sr.version = info.kind.version;
      }
      resources.push(sr);
    }
  }
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: groupVersion(group, version), resources };
}
