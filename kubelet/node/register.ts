/**
 * Node registration and heartbeats (kubelet_node_status.go and the node
 * lease controller): create or update the Node, refresh its status every
 * period, renew the Lease `kube-node-lease/<node>` every period, and wait for
 * the controller-manager to assign `spec.podCIDR`.
 */
import type { Lease } from 'kubernetes-types/coordination/v1';
import type { Namespace, Node } from 'kubernetes-types/core/v1';
import type { Clock } from '../../apiserver/client/informer-types.ts';
import type { Logger } from '../../apiserver/api/log.ts';
import { Leases, Namespaces, Nodes } from '../../apiserver/client/resources.ts';
import { isAlreadyExists, isConflict, isNotFound, type ApiClient } from '../../apiserver/client/types.ts';
import type { MachineInfo } from './info.ts';
import { buildNode, buildNodeStatus, nodeLabels } from './status.ts';
import { microTime } from '../../apiserver/api/time.ts';

/** Namespace of node leases. */
export const LEASE_NAMESPACE = 'kube-node-lease';
/** Lease duration, seconds (Kubernetes' default 40). */
export const LEASE_DURATION_SECONDS = 40;

/** Inputs shared by the node functions. */
export interface NodeAgentOptions {
  client: ApiClient;
  log: Logger;
  clock: Clock;
  nodeName: string;
  nodeIP: string;
  machine: MachineInfo;
  containerRuntimeVersion: string;
  kubeletPort: number;
}

/** MicroTime text (RFC3339 with µs), as Lease.spec.renewTime uses. */

const inputs = (o: NodeAgentOptions, old?: Node) => ({
  nodeName: o.nodeName, nodeIP: o.nodeIP, machine: o.machine, containerRuntimeVersion: o.containerRuntimeVersion,
  kubeletPort: o.kubeletPort, now: o.clock.now(), oldConditions: old?.status?.conditions,
});

/**
 * Creates the Node, or if it exists merges our labels into it and writes its
 * status (keeping the spec, e.g. podCIDR). Returns the Node. Throws ApiError
 * on API failures (the caller retries).
 */
export async function registerNode(o: NodeAgentOptions): Promise<Node> {
  const existing = await o.client.tryGet<Node>(Nodes, o.nodeName);
  if (!existing) {
    try {
      const created = await o.client.create<Node>(Nodes, buildNode(inputs(o)));
      o.log.info('node registered', { node: o.nodeName, ip: o.nodeIP });
      // Servers that drop status on create get it through the status subresource.
      if (!created.status?.conditions?.length) await updateNodeStatus(o);
      return created;
    } catch (e) {
      if (!isAlreadyExists(e)) throw e;
    }
  }
  await o.client.patch<Node>(Nodes, o.nodeName, 'merge', { metadata: { labels: nodeLabels(o.nodeName, o.machine.architecture) } });
  await updateNodeStatus(o);
  o.log.info('node updated', { node: o.nodeName, ip: o.nodeIP });
  return o.client.get<Node>(Nodes, o.nodeName);
}

/** Writes a fresh node status (heartbeat) with a merge PATCH of nodes/status. */
export async function updateNodeStatus(o: NodeAgentOptions): Promise<void> {
  const current = await o.client.tryGet<Node>(Nodes, o.nodeName);
  if (!current) {
    await registerNode(o);
    return;
  }
  await o.client.patch(Nodes, o.nodeName, 'merge', { status: buildNodeStatus(inputs(o, current)) }, undefined, 'status');
}

/** Creates or renews the node Lease (holder = node name, 40 s). Retries once on a conflict. Creates kube-node-lease only when the Lease create answers 404 (namespace missing). */
export async function renewLease(o: NodeAgentOptions): Promise<void> {
  for (let attempt = 0; attempt < 2; attempt++) {
    const now = microTime(o.clock.now());
    const lease = await o.client.tryGet<Lease>(Leases, o.nodeName, LEASE_NAMESPACE);
    try {
      if (!lease) {
        const fresh: Lease = {
          apiVersion: 'coordination.k8s.io/v1', kind: 'Lease',
          metadata: { name: o.nodeName, namespace: LEASE_NAMESPACE },
          spec: { holderIdentity: o.nodeName, leaseDurationSeconds: LEASE_DURATION_SECONDS, renewTime: now },
        };
        try {
          await o.client.create<Lease>(Leases, fresh, LEASE_NAMESPACE);
        } catch (e) {
          // The apiserver creates kube-node-lease at bootstrap, and a node identity may not create
          // namespaces (kube's kubelet never does); only an unsecured API missing it gets it from here.
          if (!isNotFound(e)) throw e;
          await ensureNamespace(o.client, LEASE_NAMESPACE);
          await o.client.create<Lease>(Leases, fresh, LEASE_NAMESPACE);
        }
      } else {
        await o.client.update<Lease>(Leases, {
          ...lease, spec: { ...lease.spec, holderIdentity: o.nodeName, leaseDurationSeconds: LEASE_DURATION_SECONDS, renewTime: now },
        }, LEASE_NAMESPACE);
      }
      return;
    } catch (e) {
      if (!(isConflict(e) || isAlreadyExists(e)) || attempt === 1) throw e;
    }
  }
}

async function ensureNamespace(client: ApiClient, name: string): Promise<void> {
  try {
    await client.create<Namespace>(Namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  } catch (e) {
    if (!isAlreadyExists(e) && !isConflict(e)) throw e;
  }
}

const wait = (clock: Clock, ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const t = clock.setTimeout(() => { signal.removeEventListener('abort', onAbort); resolve(); }, ms);
    const onAbort = (): void => { t.cancel(); resolve(); };
    signal.addEventListener('abort', onAbort, { once: true });
  });

/**
 * registerNode, retried every `retryMs` (default 1 000) until it succeeds or
 * `signal` aborts; failures are logged. Resolves the Node, or undefined when
 * aborted first.
 */
export async function registerNodeWithRetry(o: NodeAgentOptions, signal: AbortSignal, retryMs = 1000): Promise<Node | undefined> {
  while (!signal.aborted) {
    try {
      return await registerNode(o);
    } catch (e) {
      o.log.warn('node registration failed; retrying', { error: e });
      await wait(o.clock, retryMs, signal);
    }
  }
  return undefined;
}

/** Polls the Node every `pollMs` until spec.podCIDR is set; resolves it, or undefined if `signal` aborts first. */
export async function waitForPodCIDR(o: NodeAgentOptions, signal: AbortSignal, pollMs = 500): Promise<string | undefined> {
  let logged = false;
  while (!signal.aborted) {
    try {
      const node = await o.client.tryGet<Node>(Nodes, o.nodeName);
      const cidr = node?.spec?.podCIDR;
      if (cidr) return cidr;
      if (!node && !signal.aborted) await registerNode(o);
    } catch (e) {
      o.log.warn('reading node failed', { error: e });
    }
    if (!logged) {
      o.log.info('waiting for node.spec.podCIDR', { node: o.nodeName });
      logged = true;
    }
    await wait(o.clock, pollMs, signal);
  }
  return undefined;
}

/** Heartbeats until `signal` aborts: node status and lease every `periodMs` (default 10 s); errors are logged. */
export async function runNodeHeartbeats(o: NodeAgentOptions, signal: AbortSignal, periodMs = 10_000): Promise<void> {
  while (!signal.aborted) {
    await Promise.all([
      updateNodeStatus(o).catch((e: unknown) => o.log.warn('node status update failed', { error: e })),
      renewLease(o).catch((e: unknown) => o.log.warn('lease renew failed', { error: e })),
    ]);
    await wait(o.clock, periodMs, signal);
  }
}

