/**
 * The Node authorizer of one server: the relationship graph kept from an
 * ObjectCache of pods (storage list+watch, as the RBAC cache), and decideNode
 * over it with the system:node role's rules as the static rules.
 */
import type { Pod } from 'kubernetes-types/core/v1';
import type { PolicyRule } from 'kubernetes-types/rbac/v1';
import type { Logger } from '../../../api/log.ts';
import type { Storage } from '../../../storage/interface.ts';
import type { Attributes, Authorizer, Decision } from '../attributes.ts';
import { ObjectCache } from '../cache.ts';
import { defaultClusterRoles } from '../policy.ts';
import { decideNode } from './decide.ts';
import { NodeGraph } from './graph.ts';

/** The rules of the default system:node ClusterRole (Kubernetes bootstrappolicy.NodeRules). */
export function nodeRules(): PolicyRule[] {
  return defaultClusterRoles().find((r) => r.metadata?.name === 'system:node')?.rules ?? [];
}

/** The Node authorizer; `start` resolves once the pod cache is synced. */
export class NodeAuthorizer implements Authorizer {
  readonly graph = new NodeGraph();
  private readonly pods: ObjectCache;
  private readonly rules = nodeRules();

  constructor(storage: Storage, log: Logger) {
    this.pods = new ObjectCache(storage, 'pods', log);
    this.pods.onChange((c) => {
      if (c.type === 'delete') this.graph.deletePod(c.obj as Pod);
      else this.graph.putPod(c.obj as Pod);
    });
  }

  /** Lists and watches pods; rejects if the first list fails. */
  async start(): Promise<void> {
    await this.pods.start();
  }

  /** Stops the watch; idempotent. */
  async stop(): Promise<void> {
    await this.pods.stop();
  }

  authorize(a: Attributes): Decision {
    return decideNode(a, this.graph, this.rules);
  }
}
