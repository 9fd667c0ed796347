/**
 * The resource metrics API, `metrics.k8s.io/v1beta1`, as metrics-server
 * serves it (what `kubectl top` reads): `GET …/nodes`, `…/nodes/{name}`,
 * `…/pods`, `…/namespaces/{ns}/pods` and `…/namespaces/{ns}/pods/{name}`,
 * with `labelSelector` and `fieldSelector` applied to the Nodes and Pods
 * themselves, as JSON lists or Tables. Usage comes from the kubelets
 * through the sampler; a node whose kubelet does not answer is left out of
 * lists (its pods too), and a get of it (or of a pod on it, or of a pod
 * without metrics yet) is 404 `nodemetrics.metrics.k8s.io "x" not found`.
 * Other methods are 405. Authorization is the server's usual preHandler
 * (resource nodes/pods in group metrics.k8s.io, verbs get/list).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Node, Pod } from 'kubernetes-types/core/v1';
import { notFound, toStatusError, type StatusError } from '../api/errors.ts';
import type { KubeObject } from '../api/object.ts';
import { compileSelectors } from '../api/selectors.ts';
import { refuseOtherMethods } from '../routes/router-errors.ts';
import { includeObjectOf, toTable, wantsTable } from '../routes/table.ts';
import { METRICS_GROUP, nodeMetricsResource, podMetricsResource } from './resources.ts';
import type { MetricsSampler } from './sampler.ts';
import { nodeMetrics, podMetrics, podUsages, usageBetween, type NodeMetrics, type PodMetrics, type PodUsage } from './usage.ts';

/** What the routes read. */
export interface MetricsApiDeps {
  listNodes(): Promise<Node[]>;
  getNode(name: string): Promise<Node | undefined>;
  /** Pods of `namespace`, or of every namespace when undefined. */
  listPods(namespace: string | undefined): Promise<Pod[]>;
  getPod(namespace: string, name: string): Promise<Pod | undefined>;
  sampler: Pick<MetricsSampler, 'pair' | 'retain'>;
  /** ms since the epoch. */
  now(): number;
}

type Query = { labelSelector?: string; fieldSelector?: string; includeObject?: string };

const BASE = `/apis/${METRICS_GROUP}/v1beta1`;

function sendStatus(reply: FastifyReply, err: StatusError): FastifyReply {
  return reply.code(err.code).header('content-type', 'application/json').send(Buffer.from(JSON.stringify(err.status)));
}

function sendItems(req: FastifyRequest, reply: FastifyReply, kind: 'nodes' | 'pods', items: Array<NodeMetrics | PodMetrics>, single: boolean): FastifyReply {
  const q = req.query as Query;
  const def = kind === 'nodes' ? nodeMetricsResource() : podMetricsResource();
  let body: unknown;
  if (wantsTable(req.headers.accept)) body = toTable(def, items as unknown as KubeObject[], { includeObject: includeObjectOf(q.includeObject) });
  else if (single) body = items[0];
  else body = { kind: def.listKind, apiVersion: `${METRICS_GROUP}/v1beta1`, metadata: {}, items };
  return reply.code(200).header('content-type', 'application/json').send(Buffer.from(JSON.stringify(body)));
}

/** The metrics of `nodes` whose kubelets answered, in input order. */
async function nodesMetrics(deps: MetricsApiDeps, nodes: Node[]): Promise<NodeMetrics[]> {
  const pairs = await Promise.all(nodes.map((n) => deps.sampler.pair(n.metadata?.name ?? '')));
  const out: NodeMetrics[] = [];
  nodes.forEach((n, i) => {
    const p = pairs[i];
    const u = p && usageBetween(p.older.node, p.newer.node);
    if (u) out.push(nodeMetrics(n.metadata?.name ?? '', n.metadata?.labels, u, deps.now()));
  });
  return out;
}

/** The metrics of `pods` that have them, in input order; one scrape pair per node. */
async function podsMetrics(deps: MetricsApiDeps, pods: Pod[]): Promise<PodMetrics[]> {
  const nodeNames = [...new Set(pods.map((p) => p.spec?.nodeName).filter((n): n is string => !!n))];
  const byNode = new Map<string, Map<string, PodUsage>>();
  await Promise.all(nodeNames.map(async (n) => {
    const pair = await deps.sampler.pair(n);
    if (pair) byNode.set(n, podUsages(pair.older, pair.newer));
  }));
  const out: PodMetrics[] = [];
  for (const p of pods) {
    const u = byNode.get(p.spec?.nodeName ?? '')?.get(`${p.metadata?.namespace ?? ''}/${p.metadata?.name ?? ''}`);
    if (u) out.push(podMetrics(u, p.metadata?.labels, deps.now()));
  }
  return out;
}

const matching = <T extends KubeObject>(items: T[], q: Query): T[] => {
  const match = compileSelectors(q.labelSelector, q.fieldSelector);
  return items.filter((o) => match(o));
};

/** Mounts the metrics.k8s.io/v1beta1 routes (discovery comes from metricsResources() in the server's discovery). */
export function registerMetricsApi(app: FastifyInstance, deps: MetricsApiDeps): void {
  const guard = (fn: (req: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply>) => async (req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => {
    try {
      return await fn(req, reply);
    } catch (e) {
      return sendStatus(reply, toStatusError(e));
    }
  };
  app.get(`${BASE}/nodes`, guard(async (req, reply) => {
    const all = await deps.listNodes();
    deps.sampler.retain(new Set(all.map((n) => n.metadata?.name ?? '')));
    return sendItems(req, reply, 'nodes', await nodesMetrics(deps, matching(all as KubeObject[], req.query as Query) as Node[]), false);
  }));
  app.get<{ Params: { name: string } }>(`${BASE}/nodes/:name`, guard(async (req, reply) => {
    const name = (req.params as { name: string }).name;
    const node = await deps.getNode(name);
    const items = node ? await nodesMetrics(deps, [node]) : [];
    if (items.length === 0) return sendStatus(reply, notFound({ group: METRICS_GROUP, resource: 'nodemetrics', name }));
    return sendItems(req, reply, 'nodes', items, true);
  }));
  /** Lists the pods of the `:namespace` parameter, or of every namespace when `everywhere`. */
  const listPods = (everywhere: boolean) => guard(async (req, reply) => {
    const ns = everywhere ? undefined : (req.params as { namespace: string }).namespace;
    const pods = matching((await deps.listPods(ns)) as KubeObject[], req.query as Query) as Pod[];
    return sendItems(req, reply, 'pods', await podsMetrics(deps, pods), false);
  });
  app.get(`${BASE}/pods`, listPods(true));
  app.get(`${BASE}/namespaces/:namespace/pods`, listPods(false));
  app.get(`${BASE}/namespaces/:namespace/pods/:name`, guard(async (req, reply) => {
    const { namespace, name } = req.params as { namespace: string; name: string };
    const pod = await deps.getPod(namespace, name);
    const items = pod ? await podsMetrics(deps, [pod]) : [];
    if (items.length === 0) return sendStatus(reply, notFound({ group: METRICS_GROUP, resource: 'podmetrics', name }));
    return sendItems(req, reply, 'pods', items, true);
  }));
  for (const url of [`${BASE}/nodes`, `${BASE}/nodes/:name`, `${BASE}/pods`, `${BASE}/namespaces/:namespace/pods`, `${BASE}/namespaces/:namespace/pods/:name`]) refuseOtherMethods(app, url);
}
